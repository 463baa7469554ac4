import Foundation
import Testing
import WardenCore
import WardenStore
import WardenTestSupport
@testable import WardenPostgres

/// A cascade is one transaction: killing its session at any point leaves the whole subtree
/// standing or the whole subtree revoked, with its journal record or without it. The full
/// count (×20 on a 10k subtree) runs in the benchmark program; CI runs a few rounds.
@Suite("PostgreSQL cascade under a killed session", .enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
struct PostgresCascadeKillTests {
    /// Where the kill aims: anywhere in the transaction, during the walk, during the updates.
    @Test("all or nothing when the session is terminated mid-cascade",
          arguments: ["%", "%WITH RECURSIVE%", "%UPDATE agents%", "%UPDATE credentials%"])
    func killedCascade(at statement: String) throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let s = try PostgresStore.create(uri: db.uri, trustDomain: "acme.example")
        let now: Timestamp = 1_000_000
        _ = try s.addPrincipal(id: "user:ann", kind: .human, name: "Ann", scopes: scopes("github/*"), mutation(at: now))
        let root = try s.registerAgent(name: "root", delegator: "user:ann", scopes: scopes("github/*"), ttlMs: nil, mutation(at: now))
        let size = 2_000
        try s.connection.execute("""
            INSERT INTO agents(id, name, principal_id, parent_id, depth, scopes, created_at)
            SELECT $1 || '/n' || g, 'n' || g, 'user:ann', $1, 2, 'github/*', 0 FROM generate_series(1, $2) g
            """, [root.id, size])
        try s.connection.execute("""
            INSERT INTO credentials(id, agent_id, secret_hash, scopes, issued_at)
            SELECT 'tok_k' || g, $1 || '/n' || g, sha256(convert_to('k' || g, 'UTF8')), 'github/*', 0 FROM generate_series(1, $2) g
            """, [root.id, size])
        let journalBefore = try s.auditRecords(afterSeq: 0, limit: 10_000).count

        let uri = db.uri, rootID = root.id
        let victimPID = Locked<Int64?>(nil)
        let finished = Locked(false)
        let outcome = Locked<Result<RevocationPlan, StoreError>?>(nil)
        let thread = Thread {
            let r = Result { () throws(StoreError) -> RevocationPlan in
                let victim = try PostgresStore.open(uri: uri)
                let pid = try victim.connection.query("SELECT pg_backend_pid()").first { $0.int64(0) }
                victimPID.update { $0 = pid }
                return try victim.revokeAgent(rootID, mutation(at: now + 1))
            }
            outcome.update { $0 = r }
            finished.update { $0 = true }
        }
        thread.start()
        // Terminate the session as soon as it is inside its transaction (or never, if it wins).
        let killer = try PGConnection(ConnectionString(db.uri))
        var killed = false
        while victimPID.value == nil && !finished.value { _ = try killer.query("SELECT 1") }
        let pid = victimPID.value ?? 0
        while !killed && !finished.value {
            killed = try killer.query("""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE pid = $1 AND xact_start IS NOT NULL AND query LIKE $2
                """, [pid, statement]).first { $0.bool(0) } ?? false
        }
        while !finished.value { _ = try killer.query("SELECT 1") }

        let revoked = try s.connection.query("""
            SELECT count(*) FROM agents WHERE (id = $1 OR parent_id = $1) AND revoked_at IS NOT NULL
            """, [root.id]).first { $0.int(0) }!
        let revokedCredentials = try s.connection.query("SELECT count(*) FROM credentials WHERE revoked_at IS NOT NULL").first { $0.int(0) }!
        let journal = try s.auditRecords(afterSeq: 0, limit: 10_000)
        switch outcome.value! {
        case .success(let plan):
            #expect(plan.agents.count == size + 1 && revoked == size + 1 && revokedCredentials == size)
            #expect(journal.last?.action == "agent.revoke")
        case .failure(let error):
            #expect(killed, "failed without being killed: \(error)")
            #expect(revoked == 0 && revokedCredentials == 0, "a killed cascade left \(revoked) agents revoked")
            #expect(journal.count == journalBefore)
        }
        #expect(try s.verifyAudit(expectedHead: nil).isIntact)
    }
}
