import Foundation
import Testing

/// The one ID resolver (issue 12 §2, issue 11 §5): a full ID, a unique ID prefix reaching
/// `spiffe://TD/agent/NAME/` or `tok_` + 6, or an exact registered agent name. Never a name prefix.
@Suite("ID resolution")
struct ResolverTests {
    static func fleet() throws -> Sandbox {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        return s
    }

    static func revokedAgents(_ s: Sandbox) throws -> Int {
        try s.ok("agent", "ls", "--json").jsonArray().filter { $0["status"] as? String == "revoked" }.count
    }

    @Test func aNamePrefixRevokesNothingAndNamesTheCandidate() throws {
        let s = try Self.fleet()
        for (typed, candidate) in [("code", "code-review-agent"), ("da", "data-analyst")] {
            let r = try s.run("revoke", typed)
            #expect(r.status == 2, "\(r)")
            #expect(r.stderr.contains(candidate), "the refusal names the candidate: \(r)")
            #expect(r.stdout.isEmpty)
        }
        #expect(try Self.revokedAgents(s) == 0)
    }

    @Test(arguments: [
        ["agent", "show", "sql-re"],
        ["agent", "show", "spiffe://acme.example/agent/sql-re"],
        ["agent", "show", "spiffe://acme.example/agent/"],
        ["token", "ls", "--agent", "sql"],
        ["calls", "--agent", "sql"],
        ["tree", "code"],
        ["token", "issue", "sql"],
        ["narrow", "code", "--drop", "github/get_*"],
        ["principal", "disable", "user:alice"],
        ["revoke", "tok_esc"],
    ])
    func everyCommandRefusesGuesses(args: [String]) throws {
        let s = try Self.fleet()
        let head = try s.ok("audit", "head").stdout
        let r = try s.run(args)
        #expect(r.status == 2, "\(args): \(r)")
        #expect(try s.ok("audit", "head").stdout == head, "\(args) changed the store")
    }

    @Test func fullIDsLongEnoughPrefixesAndExactNamesResolve() throws {
        let s = try Self.fleet()
        let id = "spiffe://acme.example/agent/sql-reader/71b5"
        for typed in ["sql-reader", id, "spiffe://acme.example/agent/sql-reader/", "spiffe://acme.example/agent/sql-reader/7"] {
            let shown = try s.ok("agent", "show", typed, "--json").jsonObject()
            #expect(shown["id"] as? String == id, "\(typed)")
        }
        #expect(try s.ok("principal", "disable", "user:bob@acme.example", "--dry-run").stdout.contains("user:bob@acme.example"))
        #expect(try s.ok("revoke", "tok_escala").stdout.contains("tok_escalator_f00d"))
    }

    @Test func anUnregisteredNamesakeFromTelemetryDoesNotMakeANameAmbiguous() throws {
        let s = try Self.fleet()
        let other = "spiffe://other.test/agent/triage-bot/1"
        let line = "{\"type\":\"tool_call\",\"time\":\"2026-11-29T08:00:00Z\",\"agent\":\"\(other)\",\"server\":\"github\",\"tool\":\"get_issue\",\"decision\":\"allow\"}\n"
        try s.ok("ingest", try s.write("other.ndjson", line))
        // The unregistered identity is reached by its full ID.
        #expect(try s.ok("agent", "show", other, "--json").jsonObject()["registered"] as? Bool == false)
        let r = try s.ok("revoke", "triage-bot", "--reason", "test")
        #expect(r.stdout.contains("spiffe://acme.example/agent/triage-bot/7f3a"), "\(r)")
        #expect(!r.stdout.contains(other))
    }

    @Test func telemetryMayNotDelegateUnderALiveRegisteredName() throws {
        let s = try Self.fleet()
        let parent = "spiffe://acme.example/agent/support-assistant/2b7e"
        let line = "{\"type\":\"delegate\",\"time\":\"2026-11-29T08:00:50Z\",\"parent\":\"\(parent)\",\"name\":\"kb-searcher\",\"scopes\":[\"jira/search\"],\"ttl\":\"1h\"}\n"
        let r = try s.run("ingest", try s.write("delegate.ndjson", line))
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("kb-searcher"), "\(r)")
        let named = try s.ok("agent", "ls", "--json").jsonArray().filter { $0["name"] as? String == "kb-searcher" }
        #expect(named.count == 1)
        // The name still resolves to the one registered agent.
        try s.ok("agent", "show", "kb-searcher")
    }
}
