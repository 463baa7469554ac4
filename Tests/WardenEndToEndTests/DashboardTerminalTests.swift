import Foundation
import Testing

/// The dashboard in a real terminal (tmux), against a real store.
@Suite("Dashboard in a terminal", .serialized, .enabled(if: TmuxSession.available))
struct DashboardTerminalTests {
    func fleet(_ backend: TestBackend = .sqlite) throws -> Sandbox {
        let s = try Sandbox(backend)
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        return s
    }

    func open(_ s: Sandbox, _ extra: String = "", width: Int = 120, height: Int = 40) throws -> TmuxSession {
        let line = "cd '\(s.folder.path)' && HOME='\(s.folder.path)' WARDEN_OPERATOR=tmux-op '\(WardenBinary.path)' --db '\(s.db)' \(extra)"
        return try TmuxSession(line, width: width, height: height, folder: s.folder)
    }

    func status(_ s: Sandbox, _ name: String) throws -> String? {
        try s.run("agent", "ls", "--json").jsonArray().first { $0["name"] as? String == name }?["status"] as? String
    }

    /// On every backend: `x` `y` revokes the selected agent and its subtree in the store, the
    /// journal names the dashboard's operator, and another process's revoke comes in live.
    @Test(arguments: TestBackend.all)
    func revokeBySelectingAndConfirming(backend: TestBackend) throws {
        let s = try fleet(backend)
        let t = try open(s)
        t.waitFor(text: "triage-bot")
        try t.send("j")  // the first agent under alice: triage-bot
        try t.send("x")
        t.waitFor(text: "Blast radius:")
        try t.send("y")
        let screen = t.waitFor(text: "revoked triage-bot")
        #expect(screen.contains("✗ triage-bot  revoked"))
        #expect(screen.contains("✗ issue-labeler  revoked"), "the subtree is marked too")
        #expect(try status(s, "triage-bot") == "revoked")
        #expect(try status(s, "issue-labeler") == "revoked")
        #expect(try status(s, "code-review-agent") == "active")
        let audit = try s.run("audit", "--json").jsonArray()
        #expect(audit.last?["operator"] as? String == "tmux-op")
        #expect(audit.last?["action"] as? String == "agent.revoke", "\(audit.last ?? [:])")
        #expect((audit.last?["target"] as? String)?.contains("/agent/triage-bot/") == true, "\(audit.last ?? [:])")
        // Another process (another host, on PostgreSQL) revokes: the change feed brings it in.
        try s.ok("revoke", "code-review-agent", "--yes")
        t.waitFor(text: "✗ code-review-agent  revoked")
        try t.send("q")
        t.waitFor("the process to exit") { _ in t.isDead }
    }

    @Test func narrowWithTheChecklist() throws {
        let s = try fleet()
        let before = try s.run("agent", "show", "code-review-agent", "--json").jsonObject()["grant"] as? [String] ?? []
        #expect(before.count > 1)
        let t = try open(s)
        t.waitFor(text: "code-review-agent")
        try t.send("/")
        try t.type("code-review")
        try t.send("Enter")
        try t.send("j")  // alice, then code-review-agent
        try t.send("n")
        t.waitFor(text: "uncheck what to remove")
        try t.send("Space", "y")
        t.waitFor(text: "narrowed code-review-agent")
        let after = try s.run("agent", "show", "code-review-agent", "--json").jsonObject()["grant"] as? [String] ?? []
        #expect(after == Array(before.dropFirst()), "the first scope was unchecked and removed")
        try t.send("q")
    }

    @Test func resizesAndQuitsCleanly() throws {
        let s = try fleet()
        // Run inside a shell, so after quitting we can ask the terminal what mode it is in.
        let line = "cd '\(s.folder.path)'; HOME='\(s.folder.path)' '\(WardenBinary.path)' --db '\(s.db)'; stty -a > stty.txt; echo QUIT-DONE; sleep 30"
        let t = try TmuxSession(line, width: 120, height: 40, folder: s.folder)
        t.waitFor(text: "triage-bot")
        try t.resize(60, 15)
        t.waitFor("a 60-column frame") { $0.contains("Warden") && !$0.contains("terminal too small") }
        try t.resize(20, 6)
        t.waitFor(text: "too small")
        try t.resize(120, 40)
        t.waitFor(text: "triage-bot")
        try t.send("q")
        t.waitFor(text: "QUIT-DONE")
        let stty = try String(contentsOf: s.folder.appendingPathComponent("stty.txt"), encoding: .utf8)
        #expect(stty.contains(" icanon") && stty.contains(" echo"), "the terminal is back in its normal mode: \(stty)")
        #expect(!stty.contains("-icanon") && !stty.contains("-echo "))
    }

    @Test func callsFromAnotherProcessAppearWithinASecond() throws {
        let s = try fleet()
        let token = try s.ok("token", "issue", "code-review-agent", "--ttl", "10m").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let t = try open(s)
        t.waitFor(text: "triage-bot")
        try t.send("4")
        t.waitFor(text: "Calls [0]")
        let started = Date()
        let r = try s.run("authorize", "--token", token, "--tool", "github/get_pull_request", "--record")
        #expect(r.status == 0 || r.status == 3, "\(r)")
        t.waitFor(text: "github/get_pull_request", seconds: 3)
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 3, "the call showed after \(elapsed) s")
        try t.send("q")
    }

    @Test func readOnlyOffersNoDangerousKeys() throws {
        let s = try fleet()
        let t = try open(s, "--read-only")
        let screen = t.waitFor(text: "READ-ONLY")
        #expect(!screen.contains("x revoke"))
        try t.send("j", "x")
        usleep(300_000)
        #expect(!t.screen.contains("Blast radius"))
        #expect(try status(s, "triage-bot") == "active")
        try t.send("q")
    }

    @Test func quitAfterEnlargingAndHelpLeavesTheShellAsItWas() throws {
        let s = try fleet()
        let line = "cd '\(s.folder.path)'; printf 'one\\ntwo\\nBEFORE-MARK\\n'; HOME='\(s.folder.path)' '\(WardenBinary.path)' --db '\(s.db)'; echo AFTER-QUIT; sleep 30"
        let t = try TmuxSession(line, width: 80, height: 24, folder: s.folder)
        t.waitFor(text: "triage-bot")
        try t.resize(120, 40)
        t.waitFor("a 120-column frame") { $0.split(separator: "\n").contains { $0.count > 100 && $0.hasPrefix(" Warden") } }
        try t.send("?")
        t.waitFor(text: "Symbols")
        try t.send("Escape")
        t.waitFor("the help closed") { !$0.contains("Symbols") }
        try t.send("q")
        let screen = t.waitFor(text: "AFTER-QUIT")
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        #expect(Array(lines.prefix(4)) == ["one", "two", "BEFORE-MARK", "AFTER-QUIT"], "the normal screen is as the shell left it:\n\(screen)")
        #expect(!screen.contains("Warden") && !screen.contains("│") && !screen.contains("triage"), "no dashboard rows are left:\n\(screen)")
    }

    @Test func aTerminalThatCannotDrawIsRefused() throws {
        let s = try fleet()
        let line = "cd '\(s.folder.path)'; TERM=dumb HOME='\(s.folder.path)' '\(WardenBinary.path)' --db '\(s.db)'; echo EXIT=$?; sleep 30"
        let t = try TmuxSession(line, width: 120, height: 40, folder: s.folder)
        let screen = t.waitFor(text: "EXIT=")
        #expect(screen.contains("cannot draw on this terminal (TERM=dumb)"), "\(screen)")
        #expect(screen.contains("EXIT=2"))
    }

    @Test func copyPutsTheIDOnTmuxsClipboardAndPrintsItOnQuit() throws {
        let s = try fleet()
        let line = "cd '\(s.folder.path)'; HOME='\(s.folder.path)' '\(WardenBinary.path)' --db '\(s.db)'; echo AFTER-QUIT; sleep 30"
        let t = try TmuxSession(line, width: 120, height: 40, folder: s.folder)
        try t.tmux(["set-option", "-s", "set-clipboard", "on"])
        t.waitFor(text: "triage-bot")
        try t.send("j", "c")  // triage-bot
        let flash = t.waitFor(text: "copied spiffe://")
        let id = try #require(flash.split(separator: " ").first { $0.hasPrefix("spiffe://acme.example/agent/triage-bot/") }).description
        t.waitFor("tmux's buffer to hold the ID", seconds: 5) { _ in ((try? t.tmux(["show-buffer"])) ?? "") == id }
        try t.send("q")
        let screen = t.waitFor(text: "AFTER-QUIT")
        #expect(screen.contains("Copied in the dashboard:\n  \(id)"), "\(screen)")
    }
}
