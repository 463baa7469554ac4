import Foundation
import Testing
import WardenCore
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

/// The set-based cascade (`SQLiteStore.cascade`): what it revokes, how it stamps rows, what it
/// journals, and that it leaves the connection's triggers on.
@Suite("Cascade revocation, set-based")
struct CascadeTests {
    /// Every row the cascade revokes carries the same time, the reason, and one new row version
    /// above everything before it; rows outside it keep theirs.
    @Test func stampsOneTimeAndOneNewVersion() throws {
        let t = try TempStore()
        let s = t.store
        let f = try SmallFleet(s)
        let extra = try s.issueCredential(agentID: f.tester.id, ttlMs: nil, scopes: nil, instanceID: nil, m())
        let earlier = try s.revokeCredential(extra.credential.id, m(t0 + 1))
        #expect(earlier.credentials == [extra.credential.id])
        let before = try s.changedRows(afterVersion: 0).version
        func versions(_ table: String) throws -> [String: Int64] {
            Dictionary(uniqueKeysWithValues: try s.db.prepare("SELECT id, version FROM \(table)").all { ($0.string(0), $0.int(1)) })
        }
        let agentsBefore = try versions("agents"), credsBefore = try versions("credentials")

        let plan = try s.revokeAgent(f.planner.id, m(t0 + 5, reason: "incident"))
        #expect(Set(plan.agents) == [f.planner.id, f.coder.id, f.tester.id])
        #expect(Set(plan.credentials) == [f.plannerToken.credential.id, f.coderToken.credential.id, f.testerToken.credential.id])

        let changes = try s.changedRows(afterVersion: before)
        #expect(Set(changes.agents.map(\.id)) == Set(plan.agents))
        #expect(Set(changes.credentials.map(\.id)) == Set(plan.credentials))
        #expect(changes.agents.allSatisfy { $0.revokedAt == t0 + 5 && $0.revokeReason == "incident" })
        #expect(changes.credentials.allSatisfy { $0.revokedAt == t0 + 5 })
        let agentsAfter = try versions("agents"), credsAfter = try versions("credentials")
        let stamped = Set(plan.agents.map { agentsAfter[$0]! } + plan.credentials.map { credsAfter[$0]! })
        #expect(stamped.count == 1, "one row version for the whole cascade")
        #expect(stamped.first! > before && stamped.first! == changes.version)
        for (id, v) in agentsBefore where !plan.agents.contains(id) { #expect(agentsAfter[id] == v) }
        for (id, v) in credsBefore where !plan.credentials.contains(id) { #expect(credsAfter[id] == v) }
        // The credential revoked earlier keeps its own time.
        #expect(try s.credential(extra.credential.id)?.revokedAt == t0 + 1)
        // Authorization names where the cascade started (it matches the stamps).
        #expect(try s.authorize(secret: f.plannerToken.secret, serverTool: "github/get_issue", now: t0 + 6).decision == .deny(.agentRevoked))
        #expect(try s.authorize(secret: f.testerToken.secret, serverTool: "github/get_issue", now: t0 + 6).decision == .deny(.ancestorRevoked))
        #expect(try s.authorize(secret: f.reporterToken.secret, serverTool: "slack/post_message", now: t0 + 6).decision == .allow)
    }

    /// The cascade turns this connection's triggers off for its two UPDATEs only: afterwards, and
    /// after a cascade that failed, an ordinary update is versioned by its trigger again.
    @Test func triggersAreBackOnAfterACascadeAndAfterAFailedOne() throws {
        let t = try TempStore()
        let s = t.store
        let f = try SmallFleet(s)
        // Enough rows that the cascade's UPDATEs need pages a capped file cannot give.
        try s.write { () throws(StoreError) in
            for i in 0..<3000 {
                try s.insertAgent(Agent(id: "spiffe://acme.example/agent/bulk\(i)/0000", name: "bulk\(i)", principalID: "user:alice@acme.example",
                                        parentID: f.reporter.id, depth: 2, grant: scopes("slack/post_message"), createdAt: t0, expiresAt: nil))
            }
        }
        let writer = try t.open()
        try writer.setMaxPageCount(try writer.pageCount())
        let headBefore = try writer.auditHead()
        #expect(throws: StoreError.self) { try writer.revokeAgent(f.reporter.id, m(t0 + 1, reason: "x")) }
        #expect(writer.db.triggersEnabled)
        #expect(try writer.agent(f.reporter.id)?.isRevoked == false, "nothing of the failed cascade was written")
        #expect(try writer.auditHead() == headBefore)

        try writer.setMaxPageCount(1_000_000)
        _ = try writer.revokeAgent(f.coder.id, m(t0 + 2))
        #expect(writer.db.triggersEnabled)
        let v = try writer.changedRows(afterVersion: 0).version
        _ = try writer.narrow(agentID: f.planner.id, .drop(scopes("slack/*")), m(t0 + 3))
        let changed = try writer.changedRows(afterVersion: v)
        #expect(changed.agents.map(\.id) == [f.planner.id], "the version trigger stamped the narrowed agent")
    }

    /// The cascade runs its UPDATEs with triggers off because the only triggers on these tables
    /// are the row-version and state-digest ones, whose work it does itself (`keepingDigest`). A
    /// new trigger here must be done by the cascade too (or the cascade must keep triggers on).
    @Test func theCascadedTablesHaveOnlyTheVersionAndDigestTriggers() throws {
        let t = try TempStore()
        let triggers = try t.store.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name IN ('agents', 'credentials') ORDER BY name")
            .all { $0.string(0) }
        #expect(triggers == ["agents_digest_delete", "agents_digest_insert", "agents_digest_update", "agents_version_insert", "agents_version_update",
                             "credentials_digest_delete", "credentials_digest_insert", "credentials_digest_update", "credentials_version_insert", "credentials_version_update"])
    }

}
