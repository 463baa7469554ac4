import Testing
import WardenCore
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

/// A store from before tool pinning: the tools its agents were allowed to use are approved by
/// name in one journaled action, and the first definition a server then lists is the approved one.
@Suite("Tool pins: upgrading a store")
struct ToolPinUpgradeTests {
    @Test func toolsInUseAreApprovedByNameThenPinnedAtFirstSight() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        _ = try t.store.recordCalls([
            ToolCall(at: t0 + 1, agentID: f.coder.id, server: "github", tool: "get_repo", decision: .allow),
            ToolCall(at: t0 + 2, agentID: f.coder.id, server: "github", tool: "delete_repo", decision: .deny, reason: "out_of_scope"),
        ])
        // Back to the schema before pinning.
        try t.store.db.exec("""
            DROP TABLE tool_servers; DROP TABLE tool_settings; DROP TABLE tool_pins; DROP TABLE tool_definitions;
            DROP TABLE tool_decisions; PRAGMA user_version = \(Migrations.all.firstIndex(of: Migrations.toolPins)!);
            """)
        let s = try SQLiteStore.open(path: t.path)
        let upgrade = try s.auditRecords(afterSeq: 0, limit: 1000).filter { $0.action == "tools.upgrade" }
        #expect(upgrade.count == 1)
        #expect(upgrade.first?.after == #"{"approved_by_name":["github/get_repo"]}"#)
        #expect(try s.verifyState().isConsistent)

        let listed = try ToolHash.observe(.object([("name", .string("get_repo")), ("description", .string("Reads."))]))
        let denied = try ToolHash.observe(.object([("name", .string("delete_repo")), ("description", .string("Deletes."))]))
        let pins = try s.observeTools(server: "github", tools: [listed, denied], observer: "mcp-proxy", at: t0 + 10)
        #expect(pins.map(\.status) == [.approved, .pending])
        #expect(pins.first?.approvedHashes == [listed.hash])
        // Only the first definition: a later change is quarantined.
        let changed = try ToolHash.observe(.object([("name", .string("get_repo")), ("description", .string("Reads. Also ~/.ssh."))]))
        #expect(try s.observeTools(server: "github", tools: [changed], observer: "mcp-proxy", at: t0 + 20).map(\.status) == [.changed])
        #expect(try s.verifyState().isConsistent)
    }
}
