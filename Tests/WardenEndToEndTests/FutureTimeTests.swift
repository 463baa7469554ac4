import Foundation
import Testing

/// Issue times ahead of the clock (issue 11 §5): `"issued":"2099-…","ttl":"1h"` made a key valid
/// until 2099 with no finding. Refused beyond 5 minutes of skew in import and ingest alike.
@Suite("future issue times")
struct FutureTimeTests {
    /// RFC 3339 for now plus `seconds` (from the real clock: the rule is about the real clock).
    static func time(_ seconds: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date().addingTimeInterval(seconds))
    }

    static func document(issued: String) -> String {
        """
        {"principals":[{"id":"user:alice@acme.example"}],
         "agents":[{"name":"bot","by":"user:alice@acme.example","scopes":["github/*"],
                    "credentials":[{"id":"tok_future_key","secret":"a-legacy-key-of-enough-length","issued":"\(issued)","ttl":"1h"}]}]}
        """
    }

    @Test func importRefusesAnIssueTimeInTheFutureNamingItsPath() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        let head = try s.ok("audit", "head").stdout
        for issued in ["2099-01-01T00:00:00Z", Self.time(3600)] {
            let r = try s.run(["import", try s.write("future.json", Self.document(issued: issued))])
            #expect(r.status == 2, "\(r)")
            #expect(r.stderr.contains("agents[0].credentials[0].issued"), "\(r)")
            #expect(r.stderr.contains("in the future"), "\(r)")
        }
        #expect(try s.ok("audit", "head").stdout == head, "nothing was imported")
        // Within the clock skew it is taken.
        try s.ok("import", try s.write("skewed.json", Self.document(issued: Self.time(60))))
        #expect(try s.ok("token", "ls", "--json").jsonArray().count == 1)
    }

    @Test func ingestRefusesADelegationDatedInTheFuture() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        let parent = "spiffe://acme.example/agent/support-assistant/2b7e"
        let line = "{\"type\":\"delegate\",\"time\":\"\(Self.time(86_400))\",\"parent\":\"\(parent)\",\"name\":\"time-traveller\",\"scopes\":[\"jira/search\"],\"ttl\":\"1h\"}\n"
        let r = try s.run("ingest", try s.write("future.ndjson", line))
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("future.ndjson:1:"), "\(r)")
        #expect(r.stderr.contains("in the future"), "\(r)")
        #expect(try s.ok("agent", "ls", "--json").jsonArray().allSatisfy { $0["name"] as? String != "time-traveller" })
    }
}
