import Foundation
import Testing
import WardenCore
import WardenSQLite
import WardenStore

/// The Tools view in a real terminal: a tool a server listed is approved from its dialog.
@Suite("Dashboard Tools view in a terminal", .serialized, .enabled(if: TmuxSession.available))
struct DashboardToolsTerminalTests {
    @Test func approvingAPendingToolFromItsDialog() throws {
        let s = try Sandbox(.sqlite)
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        // A server's tool list, reported as an enforcement point reports it: first sight under
        // the default policy leaves the tool pending.
        let tool = try ToolHash.observe(.object([("name", .string("search_notes")), ("description", .string("Finds notes by title.")),
                                                 ("inputSchema", .object([("type", .string("object"))]))]))
        let store = try SQLiteStore.open(path: s.db)
        let seen = try store.observeTools(server: "notes", tools: [tool], observer: "e2e", at: Int64(Date().timeIntervalSince1970 * 1000))
        #expect(seen.map(\.status) == [.pending])
        // An agent allowed the tool by scope is still refused while it is pending.
        try s.ok("principal", "add", "user:zed@acme.example", "--name", "Zed")
        try s.ok("agent", "register", "notes-bot", "--by", "user:zed@acme.example", "--scopes", "notes/*")
        let token = try s.ok("token", "issue", "notes-bot", "--ttl", "1h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        func authorize() throws -> RunResult {
            try s.run(["authorize", "--token-env", "T", "--tool", "notes/search_notes"], environment: ["T": token])
        }
        let before = try authorize()
        #expect(before.status == 3 && before.stdout == "deny: tool_unapproved\n", "\(before)")

        let line = "cd '\(s.folder.path)' && HOME='\(s.folder.path)' WARDEN_OPERATOR=tmux-op '\(WardenBinary.path)' --db '\(s.db)'"
        let t = try TmuxSession(line, width: 120, height: 40, folder: s.folder)
        t.waitFor(text: "triage-bot")
        try t.send("7")
        t.waitFor(text: "search_notes")
        try t.send("a")
        t.waitFor(text: "Approve tool notes/search_notes")
        try t.send("y")
        t.waitFor(text: "approved notes/search_notes")
        t.waitFor("the row to show it approved") { $0.contains("search_notes") && $0.contains("approved") && $0.contains("tmux-op") }

        #expect(try store.toolPin(server: "notes", tool: "search_notes")?.status == .approved)
        let after = try authorize()
        #expect(after.status == 0 && after.stdout == "allow\n", "the call passes once approved: \(after)")
        let audit = try s.run("audit", "--json").jsonArray()
        let record = try #require(audit.last)
        #expect(record["action"] as? String == "tool.approve", "\(record)")
        #expect(record["target"] as? String == "notes/search_notes", "\(record)")
        #expect(claimedOperator(record) == "tmux-op", "\(record)")
        #expect("\(record["after"] ?? "")".contains(tool.hash), "the journal names the hash approved: \(record)")
        try t.send("q")
        t.waitFor("the process to exit") { _ in t.isDead }
    }
}
