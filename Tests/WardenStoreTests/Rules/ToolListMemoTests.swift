import Testing
import WardenCore
import WardenTestSupport
@testable import WardenStore

/// `observeTools` answers an unchanged list from the connection's memo only while the governed
/// state's digest is the one the pins were read under. The in-memory backend keeps its digest
/// where the test puts it, so a row changed without moving it shows which answer was given.
@Suite("Tool list memo")
struct ToolListMemoTests {
    static func tool(_ name: String, _ description: String) -> ObservedTool {
        try! ToolHash.observe(.object([("name", .string(name)), ("description", .string(description))]))
    }

    @Test func anUnchangedListUnderTheSameDigestIsAnsweredFromTheMemoAndAnotherDigestRereads() throws {
        let b = MemoryRuleBackend()
        b.digest = StateDigest(limbs: (1, 0, 0, 0))
        let list = [Self.tool("get_repo", "Reads."), Self.tool("create_issue", "Opens.")]
        func observe(_ tools: [ObservedTool]) throws -> [ToolStatus] {
            try b.rules.observeTools(server: "github", tools: tools, observer: "p", at: t0).map(\.status)
        }
        #expect(try observe(list) == [.pending, .pending])  // first sight: written, not remembered
        #expect(try observe(list) == [.pending, .pending])  // read, remembered under digest 1
        // An approval written with the digest left where it was: the memo still answers.
        _ = try b.rules.approveTool(server: "github", tool: "get_repo", hash: nil, m(t0 + 1))
        #expect(try observe(list) == [.pending, .pending])
        // The digest moves, as every backend's triggers move it on any governed change: read again.
        b.digest = StateDigest(limbs: (2, 0, 0, 0))
        #expect(try observe(list) == [.approved, .pending])
        // Another list (a different hash) under the remembered digest is never the memo's.
        let changed = [Self.tool("get_repo", "Reads. Now also writes."), list[1]]
        #expect(try observe(changed) == [.changed, .pending])
    }

    @Test func aBackendThatKeepsNoDigestRemembersNothing() throws {
        let b = MemoryRuleBackend()
        let list = [Self.tool("get_repo", "Reads.")]
        _ = try b.rules.observeTools(server: "github", tools: list, observer: "p", at: t0)
        _ = try b.rules.observeTools(server: "github", tools: list, observer: "p", at: t0)
        _ = try b.rules.approveTool(server: "github", tool: "get_repo", hash: nil, m(t0 + 1))
        #expect(try b.rules.observeTools(server: "github", tools: list, observer: "p", at: t0).map(\.status) == [.approved])
    }
}
