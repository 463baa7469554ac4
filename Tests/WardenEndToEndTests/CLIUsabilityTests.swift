import Foundation
import Testing

/// What a new operator trips over on the command line (issue 12 §7): typos, a missing file,
/// tables wider than the terminal.
@Suite("command line usability", .serialized)
struct CLIUsabilityTests {
    @Test(arguments: [(["agnet", "ls"], "did you mean `agent`?"), (["revkoe", "x"], "did you mean `revoke`?"),
                      (["agent", "lss"], "did you mean `ls`?"), (["tokn", "ls"], "did you mean `token`?")])
    func aTypoSuggestsTheCommandAndShowsOneUsageLine(args: [String], hint: String) throws {
        let s = try Sandbox()
        let r = try s.run(args)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains(hint), "\(r)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count <= 4, "the usage line, not the whole help: \(r)")
        #expect(lines.contains { $0.hasPrefix("Usage: warden") })
    }

    @Test func nothingCloseSuggestsNothing() throws {
        let r = try Sandbox().run("frobnicate")
        #expect(r.status == 1)
        #expect(!r.stderr.contains("did you mean"), "\(r)")
    }

    @Test func importOfAMissingFileSaysWhy() throws {
        let s = try Sandbox()
        try s.ok("init")
        let r = try s.run("import", s.folder.appendingPathComponent("no-such-fleet.json").path)
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("No such file or directory"), "\(r)")
    }

    static func fleet() throws -> Sandbox {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        return s
    }

    @Test func pipedTablesAreNeverCut() throws {
        let s = try Self.fleet()
        let r = try s.ok("principal", "ls")
        #expect(r.stdout.contains("Alice Chen (Platform Engineering)"), "\(r)")
        #expect(r.stdout.contains("browser/*,filesystem/*,jira/*,postgres/*,slack/*"), "\(r)")
    }

    /// Lines of a finished command's screen, wrapped lines joined back.
    static func lines(_ t: TmuxSession) throws -> [String] {
        try t.tmux(["capture-pane", "-p", "-J", "-t", t.name]).split(separator: "\n").map(String.init)
    }

    @Test(.enabled(if: TmuxSession.available))
    func onATerminalTablesFitItsWidthCuttingFreeTextNotIDs() throws {
        let s = try Self.fleet()
        let command = "'\(WardenBinary.path)' --db '\(s.db)' principal ls"
        let t = try TmuxSession("env -u COLUMNS \(command)", width: 80, height: 24, folder: s.folder)
        t.waitFor("the table") { _ in t.isDead }
        let rows = try Self.lines(t).filter { $0.hasPrefix("active") }
        #expect(rows.count == 3, "\(rows)")
        for row in rows { #expect(row.count <= 80, "wider than the terminal: \(row)") }
        #expect(rows.contains { $0.contains("user:alice@acme.example ") }, "IDs whole: \(rows)")
        #expect(rows.contains { $0.contains("…") }, "free text cut: \(rows)")

        let wide = try TmuxSession("env -u COLUMNS \(command) --wide", width: 80, height: 24, folder: s.folder)
        wide.waitFor("the table") { _ in wide.isDead }
        let all = try Self.lines(wide).joined(separator: "\n")
        #expect(all.contains("Alice Chen (Platform Engineering)"), "\(all)")
        #expect(!all.contains("…"), "\(all)")

        let narrow = try TmuxSession("COLUMNS=100 \(command)", width: 160, height: 24, folder: s.folder)
        narrow.waitFor("the table") { _ in narrow.isDead }
        let cut = try Self.lines(narrow).filter { $0.hasPrefix("active") }
        #expect(cut.count == 3)
        for row in cut { #expect(row.count <= 100, "COLUMNS is honoured: \(row)") }
        #expect(cut.contains { $0.contains("…") }, "\(cut)")
    }
}
