import Foundation
import Testing

/// `revoke`, `principal disable` and `narrow` (issue 12 §2): `--dry-run` shows the plan and
/// changes nothing; a cascade over 10 agents asks on a terminal, `--yes` skips the question, and
/// without a terminal and without `--yes` it is refused. Smaller actions proceed as before.
@Suite("destructive commands", .serialized)
struct DestructiveCommandTests {
    static let root = "fan-root"

    /// The sample fleet plus `fan-root` with 10 delegates: a cascade of 11 agents.
    static func fleet() throws -> Sandbox {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        try s.ok("agent", "register", root, "--by", "user:bob@acme.example", "--scopes", "jira/*")
        for i in 1...10 { try s.ok("agent", "register", "fan-leaf-\(i)", "--by", root, "--scopes", "jira/get_issue") }
        return s
    }

    static func revoked(_ s: Sandbox) throws -> Int {
        try s.ok("agent", "ls", "--json").jsonArray().filter { $0["status"] as? String == "revoked" }.count
    }

    static func bytes(_ s: Sandbox) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: s.db)) }

    @Test func dryRunShowsTheBlastRadiusAndChangesNothing() throws {
        let s = try Self.fleet()
        let head = try s.ok("audit", "head").stdout
        let before = try Self.bytes(s)
        let revoke = try s.ok("revoke", Self.root, "--dry-run")
        #expect(revoke.stdout.contains("11 agents"), "\(revoke)")
        #expect(revoke.stdout.contains("fan-leaf-7"))
        let json = try s.ok("revoke", Self.root, "--dry-run", "--json").jsonObject()
        #expect(json["dry_run"] as? Bool == true)
        #expect((json["agents"] as? [String])?.count == 11)
        let disable = try s.ok("principal", "disable", "user:alice@acme.example", "--dry-run")
        #expect(disable.stdout.contains("user:alice@acme.example"), "\(disable)")
        let narrow = try s.ok("narrow", "triage-bot", "--drop", "slack/post_message", "--dry-run")
        #expect(narrow.stdout.contains("before"), "\(narrow)")
        #expect(narrow.stdout.contains("after      github/add_labels,github/create_issue,github/get_*,github/search_issues,jira/create_issue,jira/get_issue\n"), "\(narrow)")
        #expect(try s.ok("audit", "head").stdout == head)
        #expect(try Self.bytes(s) == before, "a dry run wrote to the store")
        #expect(try Self.revoked(s) == 0)
    }

    @Test func aLargeCascadeWithoutATerminalNeedsYes() throws {
        let s = try Self.fleet()
        let head = try s.ok("audit", "head").stdout
        for args in [["revoke", Self.root], ["principal", "disable", "user:alice@acme.example"],
                     ["revoke", "user:alice@acme.example"], ["narrow", Self.root, "--keep", "jira/get_*"]] {
            let r = try s.run(args)
            #expect(r.status == 1, "\(args): \(r)")
            #expect(r.stderr.contains("--yes"), "\(args): \(r)")
        }
        #expect(try s.ok("audit", "head").stdout == head)
        #expect(try Self.revoked(s) == 0)
        let r = try s.ok("revoke", Self.root, "--yes")
        #expect(r.stdout.contains("11 agents"), "\(r)")
        #expect(try Self.revoked(s) == 11)
    }

    @Test func smallActionsProceedWithoutAQuestion() throws {
        let s = try Self.fleet()
        try s.ok("revoke", "triage-bot", "--reason", "suspected prompt injection")
        try s.ok("narrow", "code-review-agent", "--drop", "github/get_*")
        try s.ok("principal", "disable", "workload:ci/deploy")
        #expect(try Self.revoked(s) >= 3)
    }

    @Test(.enabled(if: TmuxSession.available), arguments: [("yes", 11), ("no", 0)])
    func onATerminalALargeCascadeAsks(answer: String, revoked: Int) throws {
        let s = try Self.fleet()
        let line = "WARDEN_OPERATOR=e2e-tester '\(WardenBinary.path)' --db '\(s.db)' revoke \(Self.root)"
        let t = try TmuxSession(line, width: 160, height: 20, folder: s.folder)
        t.waitFor(text: "Type yes to go on")
        try t.type(answer)
        try t.send("Enter")
        t.waitFor("the command to finish") { _ in t.isDead }
        #expect(try Self.revoked(s) == revoked, "\(t.screen)")
    }
}
