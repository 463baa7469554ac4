import Foundation
import Testing
import WardenHTTPClient
import WardenTestSupport

/// `warden serve` against clients that hold on to what they were given: a session never ended
/// is reaped after `serve.session_idle`; connections that trickle or stall their headers are cut
/// after `serve.header_timeout` without keeping others from being served; beyond
/// `serve.max_connections` a new connection is refused while established ones go on.
@Suite("warden serve: idle sessions and slow clients", .enabled(if: ServeHarness.python != nil, "WARDEN_TEST_PYTHON names no Python with the MCP SDK"))
struct ServeSlowClientTests {
    static let initialize = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}"

    /// A session opened (`initialize`, then `notifications/initialized`): its ID and the headers
    /// that carry it.
    static func openSession(_ h: ServeHarness, _ headers: [HTTPHeader]) throws -> (id: String, headers: [HTTPHeader]) {
        let opened = try h.raw("POST", "/mcp/github", headers: headers, body: initialize)
        let sid = try #require(opened.head.value("Mcp-Session-Id"), "\(opened)")
        let session = headers + [HTTPHeader("Mcp-Session-Id", sid)]
        _ = try h.raw("POST", "/mcp/github", headers: session, body: "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")
        return (sid, session)
    }

    static func call(_ n: Int) -> String {
        "{\"jsonrpc\":\"2.0\",\"id\":\(n),\"method\":\"tools/call\",\"params\":{\"name\":\"get_issue\",\"arguments\":{\"number\":\(n)}}}"
    }

    /// An abandoned session: its stdio server is stopped, the agent's gateway instance is marked
    /// stopped, and the client's next request on it is a 404 (the MCP spec's "start anew").
    @Test func anAbandonedSessionIsReapedItsServerStoppedAndItsInstanceMarkedStopped() throws {
        let (s, token) = try ServeGatewayTests.fleet()
        let h = try ServeHarness(s, upstream: .stdio, extraConfig: "serve.session_idle = 3s\n")
        let headers = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Accept", "application/json"),
                       HTTPHeader("Authorization", "Bearer \(token)")]
        let (_, session) = try Self.openSession(h, headers)
        #expect(try h.raw("POST", "/mcp/github", headers: session, body: Self.call(2)).body.contains("issue 2: open"))
        let children = Self.children(of: h.serve.pid)
        #expect(!children.isEmpty, "the session's stdio server runs")

        // Nothing touches the session from here on (a request would keep it alive).
        #expect(eventually("the session to be reaped", seconds: 60) { h.serve.stderrSoFar.contains("idle past 3s: ended") },
                "\(h.serve.stderrSoFar)")
        var instances: [[String: Any]] = []
        eventually("the instance to be marked stopped", seconds: 30) {
            instances = ((try? s.ok("agent", "show", "bot", "--json").jsonObject())?["instances"] as? [[String: Any]]) ?? []
            return instances.contains { $0["stopped_at"] is String }
        }
        #expect(instances.count == 1 && instances.first?["stopped_at"] is String, "\(instances)")

        // Its next request finds the session gone (and makes the agent's instance live again).
        let after = try h.raw("POST", "/mcp/github", headers: session, body: Self.call(3))
        #expect(after.head.status == 404, "\(after)")
        #expect(h.executed == ["get_issue {\"number\": 2}"], "the call on the reaped session reached no server")
        #expect(eventually("the stdio server to exit", seconds: 30) { Self.children(of: h.serve.pid).allSatisfy { !children.contains($0) } })
        // The client starts anew: a new session, and the instance is live again.
        let again = try h.raw("POST", "/mcp/github", headers: headers, body: Self.initialize)
        #expect(again.head.status == 200 && again.head.value("Mcp-Session-Id") != nil, "\(again)")
    }

    /// A client that ends its session (DELETE) ends it at once, as reaping would later: the
    /// agent's gateway instance is marked stopped (it stayed live before), a stdio server exits,
    /// and the session is gone.
    @Test(arguments: [ServeHarness.Upstream.http, .stdio])
    func aSessionTheClientEndsStopsItsInstance(upstream: ServeHarness.Upstream) throws {
        let (s, token) = try ServeGatewayTests.fleet()
        let h = try ServeHarness(s, upstream: upstream)
        let headers = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Accept", "application/json, text/event-stream"),
                       HTTPHeader("Authorization", "Bearer \(token)")]
        let (_, session) = try Self.openSession(h, headers)
        let called = try h.raw("POST", "/mcp/github", headers: session, body: Self.call(2))
        #expect(called.body.contains("issue 2: open"), "\(called)")
        let children = Self.children(of: h.serve.pid)
        #expect(upstream == .http || !children.isEmpty, "the session's stdio server runs")
        func instances() -> [[String: Any]] {
            ((try? s.ok("agent", "show", "bot", "--json").jsonObject())?["instances"] as? [[String: Any]]) ?? []
        }
        #expect(eventually("the gateway instance to be recorded", seconds: 30) { instances().count == 1 })
        #expect(instances().first?["stopped_at"] == nil || instances().first?["stopped_at"] is NSNull, "live while the session is open")

        let ended = try h.raw("DELETE", "/mcp/github", headers: session)
        #expect(ended.head.status < 300, "\(ended)")
        var after: [[String: Any]] = []
        eventually("the instance to be marked stopped", seconds: 30) {
            after = instances()
            return after.first?["stopped_at"] is String
        }
        #expect(after.count == 1 && after.first?["stopped_at"] is String, "\(after)")
        #expect(try h.raw("POST", "/mcp/github", headers: session, body: Self.call(3)).head.status == 404)
        if upstream == .stdio {
            #expect(eventually("the stdio server to exit", seconds: 30) { Self.children(of: h.serve.pid).allSatisfy { !children.contains($0) } })
        }
    }

    /// A server stream (GET) is authorized once, when it opens: once its token is revoked it
    /// is ended (within the service's few-second sweep), so the upstream's messages stop
    /// reaching a revoked client, and its session then idles out and is reaped as any other.
    /// Before, the stream held the session (never idle) and its stdio server for ever.
    @Test(arguments: [ServeHarness.Upstream.http, .stdio])
    func aServerStreamEndsOnceItsTokenIsRevoked(upstream: ServeHarness.Upstream) throws {
        let (s, token) = try ServeGatewayTests.fleet()
        let h = try ServeHarness(s, upstream: upstream, extraConfig: "serve.session_idle = 3s\n")
        let headers = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Accept", "application/json, text/event-stream"),
                       HTTPHeader("Authorization", "Bearer \(token)")]
        let (sid, _) = try Self.openSession(h, headers)

        // The client's server stream, on its own thread: it returns when the service ends it.
        final class Outcome: @unchecked Sendable {
            let lock = NSLock()
            var status: Int?
            var ended: Result<Int, HTTPClientError>?
        }
        let outcome = Outcome()
        let url = h.base + "/mcp/github"
        let thread = Thread {
            var get = HTTPClient.Request(method: "GET", url: url, headers: [HTTPHeader("Accept", "text/event-stream"),
                                                                            HTTPHeader("Authorization", "Bearer \(token)"),
                                                                            HTTPHeader("Mcp-Session-Id", sid)])
            get.timeoutMs = 120_000
            let r: Result<Int, HTTPClientError>
            do throws(HTTPClientError) {
                let head = try HTTPClient().perform(get, onHead: { head in outcome.lock.withLock { outcome.status = head.status }; return true },
                                                    onBody: { _ in true })
                r = .success(head.status)
            } catch { r = .failure(error) }
            outcome.lock.withLock { outcome.ended = r }
        }
        thread.start()
        #expect(eventually("the server stream to open", seconds: 30) { outcome.lock.withLock { outcome.status } == 200 })
        #expect(outcome.lock.withLock { outcome.ended } == nil, "the stream stays open while its token stands")

        let id = try #require(try s.ok("token", "ls", "--agent", "bot", "--json").jsonArray().first?["id"] as? String)
        try s.ok("revoke", id)
        #expect(eventually("the server stream to be ended", seconds: 60) { outcome.lock.withLock { outcome.ended } != nil },
                "\(h.serve.stderrSoFar)")
        if case .failure(let error)? = outcome.lock.withLock({ outcome.ended }) { Issue.record("the stream failed rather than ended: \(error)") }
        #expect(h.serve.stderrSoFar.contains("server stream of credential \(id): it no longer stands"), "\(h.serve.stderrSoFar)")
        #expect(eventually("the session to be reaped", seconds: 60) { h.serve.stderrSoFar.contains("idle past 3s: ended") },
                "\(h.serve.stderrSoFar)")
    }

    /// Nothing is decided or recorded for what can never be forwarded: a `tools/call` without a
    /// session to a stdio upstream (no process to take it) is refused `session_required`, and a
    /// batch from a client speaking MCP 2025-06-18 (which has none) is refused at once, rather
    /// than forwarded to a server that never answers it. Neither is an allowed call.
    @Test func aSessionlessCallAndABatchAreRefusedBeforeAnyDecision() throws {
        let (s, token) = try ServeGatewayTests.fleet()
        let h = try ServeHarness(s, upstream: .stdio)
        let headers = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Accept", "application/json, text/event-stream"),
                       HTTPHeader("Authorization", "Bearer \(token)"), HTTPHeader("MCP-Protocol-Version", "2025-06-18")]
        let sessionless = try h.raw("POST", "/mcp/github", headers: headers, body: Self.call(77))
        #expect(sessionless.head.status == 400 && sessionless.body.contains("session_required"), "\(sessionless)")

        let (_, session) = try Self.openSession(h, headers)
        let batch = try h.raw("POST", "/mcp/github", headers: session, body: "[" + Self.call(21) + "]")
        #expect(batch.head.status == 400 && batch.body.contains("has no batches"), "\(batch)")
        #expect(try h.raw("POST", "/mcp/github", headers: session, body: Self.call(2)).body.contains("issue 2: open"), "the session goes on")

        #expect(eventually("the one real call to be recorded", seconds: 30) { ((try? s.ok("calls", "--json").jsonArray()) ?? []).count >= 1 })
        let calls = try s.ok("calls", "--json").jsonArray()
        #expect(calls.map { $0["tool"] as? String } == ["get_issue"] && calls.first?["decision"] as? String == "allow", "\(calls)")
        #expect(h.executed == ["get_issue {\"number\": 2}"], "only the call in the session reached the server")
        let metrics = try h.raw("GET", "/metrics").body
        #expect(metrics.contains("warden_decisions_total{reason=\"allow\"} 1"), "\(metrics)")
    }

    /// A stdio upstream inherits the service's environment, less `WARDEN_*`: an upstream
    /// credential another upstream's header reads (`env:VAR`) is not in it, nor in the
    /// service's /proc/PID/environ, where the stdio server (same OS user) could read it.
    @Test func aStdioUpstreamReceivesNoOtherUpstreamsCredential() throws {
        let (s, _) = try ServeGatewayTests.fleet()
        try s.ok("agent", "register", "peeker", "--by", "user:alice@acme.example", "--scopes", "github/*")
        let token = try s.ok("token", "issue", "peeker", "--ttl", "1h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let h = try ServeHarness(s, upstream: .stdio,
                                 extraConfig: "server.other.url = http://127.0.0.1:9/mcp\nserver.other.header.Authorization = env:UPSTREAM_TOKEN\n")
        let headers = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Accept", "application/json"),
                       HTTPHeader("Authorization", "Bearer \(token)")]
        let (_, session) = try Self.openSession(h, headers)
        func tool(_ name: String) throws -> String {
            try h.raw("POST", "/mcp/github", headers: session,
                      body: "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"\(name)\",\"arguments\":{}}}").body
        }
        let names = try tool("environment")
        #expect(names.contains("TEST_MCP_CALL_LOG") && !names.contains("UPSTREAM_TOKEN"), "\(names)")
        let parent = try tool("peek_parent")
        #expect(parent.contains("cmdline") && !parent.contains("upstream-secret-0451"), "\(parent)")
    }

    /// Error paths a new user meets say what was wrong: a DELETE without the session it ends is
    /// a 400 naming the header; a --config that cannot be read is a runtime error (exit 2), not
    /// a usage error; `store copy` from nothing names FROM, not --db.
    @Test func roughEdgesSayWhatWasWrong() throws {
        let (s, token) = try ServeGatewayTests.fleet()
        let h = try ServeHarness(s, upstream: .stdio)
        let deleted = try h.raw("DELETE", "/mcp/github", headers: [HTTPHeader("Authorization", "Bearer \(token)")])
        #expect(deleted.head.status == 400 && deleted.body.contains("Mcp-Session-Id"), "\(deleted)")
        let config = try s.run("serve", "--config", s.folder.appendingPathComponent("nope.cfg").path)
        #expect(config.status == 2 && config.stderr.contains("cannot read the file") && !config.stderr.contains("Usage:"), "\(config)")
        let copy = try s.run("store", "copy", s.folder.appendingPathComponent("none.db").path, s.folder.appendingPathComponent("copy.db").path)
        #expect(copy.status == 2 && copy.stderr.contains("to copy from: FROM must be an existing store") && !copy.stderr.contains("--db"), "\(copy)")
    }

    /// Eight connections stall in the middle of their headers and one trickles a byte every
    /// 200 ms (never idle, so the idle timeout alone would never cut it): a normal client is
    /// served meanwhile, and every slow one is cut after the 2 s header timeout.
    @Test func slowHeadersAreCutWithoutKeepingOthersFromBeingServed() throws {
        let (s, _) = try ServeGatewayTests.fleet()
        let h = try ServeHarness(s, upstream: .stdio, extraConfig: "serve.header_timeout = 2s\nserve.client_timeout = 30s\n")
        let stalled = try (0..<8).map { _ in try RawConnection(port: h.port) }
        for c in stalled { try c.send("POST /mcp/github HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl") }
        let trickler = try RawConnection(port: h.port)
        try trickler.send("GET /healthz HTTP/1.1\r\n")

        #expect(try h.raw("GET", "/healthz").head.status == 200, "a normal client is served while they stall")

        // 150 bytes at one per 200 ms would take 30 s: the header timeout cuts it long before.
        var sent = 0
        let header = Array("X-Slow: \(String(repeating: "a", count: 150))".utf8)
        while sent < header.count, trickler.sendByte(header[sent]) {
            sent += 1
            usleep(200_000)  // the slow client's pace, not a wait for the service
        }
        #expect(sent < header.count, "the trickling connection was cut before it finished its headers")
        for c in stalled { #expect(c.readsEnd(), "a stalled connection is closed by the service, without an answer") }
    }

    /// At `serve.max_connections` a new connection is refused at once; the established
    /// keep-alive connection is served as before, and once the stalled ones are cut a new
    /// client gets in again.
    @Test func beyondTheConnectionLimitNewConnectionsAreRefusedAndEstablishedOnesServed() throws {
        let (s, _) = try ServeGatewayTests.fleet()
        let h = try ServeHarness(s, upstream: .stdio, extraConfig: "serve.max_connections = 4\nserve.header_timeout = 3s\n")
        let established = try RawConnection(port: h.port)
        #expect(try established.exchange("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").hasPrefix("HTTP/1.1 200"))
        let stalled = try (0..<3).map { _ in try RawConnection(port: h.port) }
        for c in stalled { try c.send("POST /mcp/github HTTP/1.1\r\n") }

        let refused = try RawConnection(port: h.port)
        let answer = (try? refused.exchange("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) ?? ""
        #expect(answer.isEmpty, "the fifth connection gets no answer: \(answer)")
        #expect(try established.exchange("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").hasPrefix("HTTP/1.1 200"),
                "the established connection is served as before")

        for c in stalled { #expect(c.readsEnd()) }
        var served = false
        eventually("a new connection to be served once the stalled ones are cut", seconds: 30) {
            served = (try? h.raw("GET", "/healthz").head.status) == 200
            return served
        }
        #expect(served)
    }

    /// The pids whose parent is `pid`.
    static func children(of pid: pid_t) -> Set<Int32> {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return Set(entries.compactMap { e -> Int32? in
            guard let n = Int32(e), let stat = try? String(contentsOfFile: "/proc/\(e)/stat", encoding: .utf8),
                  let close = stat.range(of: ")", options: .backwards) else { return nil }
            let fields = stat[close.upperBound...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid ? n : nil
        })
    }
}
