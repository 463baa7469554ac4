import Foundation
import Testing
import WardenCore
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

/// Each revoked row records the revocation it came from (`revoked_by`): set by cascades, single
/// revokes and principal disables, backfilled once for older stores, and what `authorize` names.
@Suite("Revocation causes")
struct RevocationCauseTests {
    func causes(_ s: SQLiteStore, _ table: String) throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try s.db.prepare("SELECT id, revoked_by FROM \(table) WHERE revoked_at IS NOT NULL")
            .all { ($0.string(0), $0.string(1)) })
    }

    /// A store from before `revoked_by` is backfilled once by the old heuristic: a row revoked
    /// at its delegator's revocation time (or its principal's disabling time) takes its cause.
    @Test func migrationBackfillsCausesOfAnOlderStore() throws {
        let t = try TempStore()
        let s = t.store
        let f = try SmallFleet(s)
        _ = try s.revokeCredential(f.reporterToken.credential.id, m(t0 + 3))
        _ = try s.revokeAgent(f.coder.id, m(t0 + 5))
        _ = try s.disablePrincipal("user:alice@acme.example", m(t0 + 7))
        let expectedAgents = try causes(s, "agents"), expectedCredentials = try causes(s, "credentials")
        // Back to the schema before this migration: no revoked_by, user_version one lower.
        let latest = Migrations.all.firstIndex(of: Migrations.revokedBy)!
        try rollBackCallOutcomes(s)
        try rollBackStateDigest(s)
        try s.db.exec("""
            ALTER TABLE agents DROP COLUMN revoked_by;
            ALTER TABLE credentials DROP COLUMN revoked_by;
            PRAGMA user_version = \(latest);
            """)
        // The first to open it migrates it, even a read-only reader (whose reads need the column).
        let reader = try SQLiteStore.open(path: t.path, readOnly: true)
        #expect(try reader.agent(f.tester.id)?.revokedBy == f.coder.id)
        let reopened = try t.open()
        #expect(try causes(reopened, "agents") == expectedAgents)
        #expect(try causes(reopened, "credentials") == expectedCredentials)
        #expect(try reopened.authorize(secret: f.testerToken.secret, serverTool: "github/get_repo", now: t0 + 8).decision == .deny(.ancestorRevoked))
    }
}
