import Foundation
import Testing
import WardenHTTPClient

/// `warden serve` when what it depends on fails: an upstream that hangs is cut off at its
/// `server.NAME.timeout` with a JSON-RPC error, without holding up other sessions; a store that
/// stops answering denies (`store_unavailable`), never allows.
@Suite("warden serve: robustness", .enabled(if: ServeHarness.python != nil, "WARDEN_TEST_PYTHON names no Python with the MCP SDK"))
struct ServeRobustnessTests {
    static func leadToken(_ s: Sandbox) throws -> String {
        try s.ok("token", "issue", "lead", "--ttl", "1h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A call the upstream never answers (it waits for a file that never comes): past the 2 s
    /// timeout the client gets the `upstream_unavailable` error for its id, the call is recorded
    /// as failed and the metrics count an upstream error. (A stdio server's `initialize`, which
    /// includes its start, is not held to the 2 s: a loaded machine may take longer.)
    @Test(arguments: [ServeHarness.Upstream.http, .stdio])
    func aHungUpstreamAnswersWithAnErrorAfterItsTimeout(upstream: ServeHarness.Upstream) throws {
        let (s, _) = try ServeGatewayTests.fleet()
        let lead = try Self.leadToken(s)
        let h = try ServeHarness(s, upstream: upstream, extraConfig: "server.github.timeout = 2s\n")
        let never = s.folder.appendingPathComponent("never").path
        let r = try h.client(token: lead, mode: "legacy", steps: [["list"], ["call", "wait_for", "{\"path\": \"\(never)\"}"]])
        let call = try #require(ServeHarness.calls(r).first, "\(r)")
        #expect(ServeHarness.deniedReason(call) == "upstream_unavailable", "\(r)")
        #expect((call["error"] as? [String: Any])?["code"] as? Int == -32603, "\(r)")
        #expect(h.executed.contains { $0.hasPrefix("wait_for ") }, "the call reached the upstream, which hung")

        var recorded: [[String: Any]] = []
        eventually("the call to be recorded", seconds: 30) {
            recorded = (try? s.ok("calls", "--agent", "lead", "--json").jsonArray()) ?? []
            return !recorded.isEmpty
        }
        #expect(recorded.map { "\($0["tool"] ?? "") \($0["decision"] ?? "") \($0["result"] as? String ?? "-")" } == ["wait_for allow error"],
                "\(recorded)")
        let metrics = try h.raw("GET", "/metrics").body
        let errors = metrics.split(separator: "\n").first { $0.hasPrefix("warden_upstream_errors_total{upstream=\"github\"} ") }
        #expect(errors.flatMap { Int($0.split(separator: " ").last ?? "") }.map { $0 >= 1 } == true, "\(metrics)")
    }

    /// One session's call hangs at the upstream (with the default timeout, far away); another
    /// session's call goes through meanwhile; then the first is let go and gets its answer.
    @Test(arguments: [ServeHarness.Upstream.http, .stdio])
    func aHungCallNeverHoldsUpAnotherSession(upstream: ServeHarness.Upstream) throws {
        let (s, token) = try ServeGatewayTests.fleet()
        let lead = try Self.leadToken(s)
        let h = try ServeHarness(s, upstream: upstream)
        let go = s.folder.appendingPathComponent("go").path
        let box = ResultBox()
        let t = Thread {
            box.value = try? h.client(token: lead, mode: "legacy", steps: [["list"], ["call", "wait_for", "{\"path\": \"\(go)\"}"]])
            box.done.signal()
        }
        t.start()
        eventually("the hanging call to reach the upstream", seconds: 60) { h.executed.contains { $0.hasPrefix("wait_for ") } }

        let other = try h.client(token: token, mode: "legacy", steps: [["call", "get_issue", "{\"number\": 7}"]])
        #expect(ServeHarness.calls(other).first?["text"] as? String == "issue 7: open", "\(other)")
        #expect(box.value == nil, "the first call is still waiting on its upstream")

        _ = FileManager.default.createFile(atPath: go, contents: nil)
        #expect(box.done.wait(timeout: .now() + 60) == .success)
        #expect(ServeHarness.calls(box.value ?? [:]).first?["text"] as? String == "done", "\(box.value ?? [:])")
    }

    /// The timeout is read with the config's duration syntax; a bad one stops the service
    /// before it listens, naming the file's line.
    @Test func aBadTimeoutIsAnErrorNamingTheLine() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        for (value, expected) in [("soon", "invalid duration"), ("500ms", "from 1s to 1h"), ("2h", "from 1s to 1h")] {
            let cfg = try s.write("serve.cfg", "server.github.command = /bin/true\nserver.github.timeout = \(value)\n")
            let r = try s.run(["serve", "--listen", "127.0.0.1:0", "--config", cfg])
            #expect(r.status != 0, "\(value): \(r)")
            #expect(r.stderr.contains("serve.cfg:2") && r.stderr.contains("server.github.timeout") && r.stderr.contains(expected), "\(value): \(r)")
        }
    }

    /// The store stops answering mid-session (its PostgreSQL database refuses connections): the
    /// next call is refused with `store_unavailable` and never reaches the upstream; once the
    /// store is back, calls pass again.
    @Test(.enabled(if: TestBackend.all.contains(.postgres), "WARDEN_TEST_POSTGRES is not set"))
    func aStoreThatStopsAnsweringDeniesNeverAllows() throws {
        let (s, token) = try ServeGatewayTests.fleet(.postgres)
        let server = try #require(testPostgresServer)
        let database = String(s.db.split(separator: "?")[0].split(separator: "/").last ?? "")
        let h = try ServeHarness(s, upstream: .stdio, extraConfig: "store_timeout = 300ms\n")
        let headers = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Accept", "application/json"),
                       HTTPHeader("Authorization", "Bearer \(token)")]
        let initialize = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}"
        let opened = try h.raw("POST", "/mcp/github", headers: headers, body: initialize)
        let sid = try #require(opened.head.value("Mcp-Session-Id"), "\(opened)")
        let session = headers + [HTTPHeader("Mcp-Session-Id", sid)]
        _ = try h.raw("POST", "/mcp/github", headers: session, body: "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")
        func call(_ id: Int) throws -> (head: HTTPClient.Head, body: String) {
            try h.raw("POST", "/mcp/github", headers: session,
                      body: "{\"jsonrpc\":\"2.0\",\"id\":\(id),\"method\":\"tools/call\",\"params\":{\"name\":\"get_issue\",\"arguments\":{\"number\":\(id)}}}")
        }
        #expect(try call(2).body.contains("issue 2: open"))

        try TestDatabase.psql(server, "ALTER DATABASE \(database) ALLOW_CONNECTIONS false")
        try TestDatabase.psql(server, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)'")
        let refused = try call(3)
        #expect(refused.head.status == 503 && refused.body.contains("store is unavailable"), "\(refused)")
        #expect(h.executed == ["get_issue {\"number\": 2}"], "the refused call never reached the upstream")
        // The access log line is written once the answer went out.
        #expect(eventually("the refusal in the access log", seconds: 30) { h.serve.stderrSoFar.contains("\"decision\":\"store_unavailable\"") },
                "\(h.serve.stderrSoFar)")

        try TestDatabase.psql(server, "ALTER DATABASE \(database) ALLOW_CONNECTIONS true")
        var back = ""
        eventually("calls to pass once the store is back", seconds: 30) {
            back = (try? call(4).body) ?? ""
            return back.contains("issue 4: open")
        }
        #expect(back.contains("issue 4: open"), "\(back)")
    }
}
