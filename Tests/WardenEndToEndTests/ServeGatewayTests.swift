import Foundation
import Testing
import WardenHTTPClient

/// `warden serve` as a Streamable HTTP MCP gateway, driven by the official MCP Python SDK's
/// client, in front of the SDK's Streamable HTTP server and its stdio server.
@Suite("warden serve: the MCP gateway", .enabled(if: ServeHarness.python != nil, "WARDEN_TEST_PYTHON names no Python with the MCP SDK"))
struct ServeGatewayTests {
    /// A fleet: `bot` may read issues and repos on github, nothing else. The github server's
    /// tools are approved at first sight (`trust`), unless `review` (pinning has its own test).
    static func fleet(_ backend: TestBackend = .sqlite, review: Bool = false) throws -> (Sandbox, String) {
        let s = try Sandbox(backend)
        try s.ok("init", "--trust-domain", "acme.example")
        if !review { try s.ok("tools", "policy", "trust", "--server", "github") }
        try s.ok("principal", "add", "user:alice@acme.example")
        try s.ok("agent", "register", "lead", "--by", "user:alice@acme.example", "--scopes", "github/*")
        try s.ok("agent", "register", "bot", "--by", "lead", "--scopes", "github/get_issue,github/get_repo")
        let token = try s.ok("token", "issue", "bot", "--ttl", "1h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return (s, token)
    }

    @Test(arguments: [ServeHarness.Upstream.http, .stdio], ["legacy", "auto"])
    func allowedPassesDeniedNeverReachesTheUpstreamAndBothAreRecorded(upstream: ServeHarness.Upstream, mode: String) throws {
        try allowedAndDenied(upstream: upstream, mode: mode, backend: .sqlite)
    }

    /// The service on a PostgreSQL store: it never names a backend, so the same flow holds.
    @Test(.enabled(if: TestBackend.all.contains(.postgres), "WARDEN_TEST_POSTGRES is not set"))
    func onAPostgreSQLStore() throws {
        try allowedAndDenied(upstream: .stdio, mode: "legacy", backend: .postgres)
    }

    private func allowedAndDenied(upstream: ServeHarness.Upstream, mode: String, backend: TestBackend) throws {
        let (s, token) = try Self.fleet(backend)
        let h = try ServeHarness(s, upstream: upstream)
        let r = try h.client(token: token, mode: mode, steps: [["list"], ["call", "get_issue", "{\"number\": 7}"],
                                                               ["call", "delete_repo", "{\"repo\": \"acme/prod\"}"]])
        #expect(r["tools"] as? [String] == ["get_issue", "get_repo"], "tools/list shows only the tools in scope: \(r)")
        let calls = ServeHarness.calls(r)
        #expect(calls.first?["text"] as? String == "issue 7: open", "\(r)")
        #expect(calls.count == 2 && ServeHarness.deniedReason(calls[1]) == "out_of_scope", "\(r)")
        #expect(h.executed == ["get_issue {\"number\": 7}"], "only the allowed call reached the upstream")

        let recorded = try s.ok("calls", "--agent", "bot", "--json").jsonArray()
        #expect(recorded.map { "\($0["server"] ?? "")/\($0["tool"] ?? "") \($0["decision"] ?? "") \($0["reason"] as? String ?? "-")" }
                == ["github/delete_repo deny out_of_scope", "github/get_issue allow -"], "\(recorded)")
        // Both were recorded by the gateway (never the agent's word), in the session the SDK
        // opened, with the client as its initialize named itself.
        #expect(recorded.allSatisfy { $0["via"] as? String == "gateway" }, "\(recorded)")
        if mode == "legacy" {
            let sessions = Set(recorded.compactMap { $0["session"] as? String })
            #expect(sessions.count == 1 && !(sessions.first ?? "").isEmpty, "one session for both calls: \(recorded)")
            #expect(recorded.allSatisfy { !(($0["client"] as? String) ?? "").isEmpty }, "the SDK's clientInfo: \(recorded)")
        }
        let metrics = try h.raw("GET", "/metrics").body
        #expect(metrics.contains("warden_decisions_total{reason=\"allow\"} 1\n"), "\(metrics)")
        #expect(metrics.contains("warden_decisions_total{reason=\"out_of_scope\"} 1\n"), "\(metrics)")
    }

    /// Tool pinning holds in the gateway as in the stdio proxy: under `review`, a server's tools
    /// are pending at first sight, hidden from tools/list and denied `tool_unapproved` without
    /// reaching the upstream; once an operator approves one, it is listed and its call passes.
    @Test func pinningQuarantinesUntilAnOperatorApproves() throws {
        let (s, token) = try Self.fleet(review: true)
        let h = try ServeHarness(s, upstream: .stdio)
        let first = try h.client(token: token, mode: "legacy", steps: [["list"], ["call", "get_issue", "{\"number\": 7}"]])
        #expect(first["tools"] as? [String] == [], "pending tools are hidden: \(first)")
        #expect(ServeHarness.calls(first).first.map(ServeHarness.deniedReason) == "tool_unapproved", "\(first)")
        #expect(h.executed.isEmpty, "the quarantined call never reached the upstream: \(h.executed)")
        let pending = try s.ok("tools", "--server", "github", "--json").jsonArray()
        #expect(pending.contains { $0["tool"] as? String == "get_issue" && $0["status"] as? String == "pending" }, "\(pending)")

        try s.ok("tools", "approve", "github/get_issue", "--reason", "reviewed", "--yes")
        let second = try h.client(token: token, mode: "legacy", steps: [["list"], ["call", "get_issue", "{\"number\": 7}"]])
        #expect(second["tools"] as? [String] == ["get_issue"], "\(second)")
        #expect(ServeHarness.calls(second).first?["text"] as? String == "issue 7: open", "\(second)")
        #expect(h.executed == ["get_issue {\"number\": 7}"])
    }

    @Test func theUpstreamNeverSeesTheWardenTokenOnlyItsOwnCredential() throws {
        let (s, token) = try Self.fleet()
        let h = try ServeHarness(s, upstream: .http)
        _ = try h.client(token: token, mode: "legacy", steps: [["call", "get_repo", "{\"repo\": \"acme/x\"}"]])
        let log = try String(contentsOfFile: h.headerLog, encoding: .utf8)
        #expect(!log.isEmpty)
        #expect(!log.contains("wdn_"), "the client's Warden credential reached the upstream: \(log)")
        #expect(log.contains("\"authorization\": \"Bearer upstream-secret-0451\""), "\(log)")
        let serveLog = h.serve.stderrSoFar
        #expect(!serveLog.contains("wdn_") && !serveLog.contains("upstream-secret-0451"), "secrets in the access log: \(serveLog)")
        #expect(serveLog.contains("\"decision\":\"allow\""), "\(serveLog)")
    }

    @Test func aRevokeMidSessionDeniesTheNextCallInsideTheSession() throws {
        let (s, token) = try Self.fleet()
        let h = try ServeHarness(s, upstream: .stdio)
        let go = s.folder.appendingPathComponent("go").path
        // The client pauses after its first call; the test revokes the agent, then lets it go on.
        let result = try withClientPausing(h, token: token, go: go) {
            try s.ok("revoke", "bot", "--yes")
        }
        let calls = ServeHarness.calls(result)
        #expect(calls.first?["text"] as? String == "issue 1: open", "\(result)")
        #expect(calls.count == 2 && ServeHarness.deniedReason(calls[1]) == "agent_revoked", "an in-session denial is a JSON-RPC error: \(result)")
        #expect(h.executed.count == 1)
    }

    /// Runs the client with a pause after its first call; `during` runs while it waits.
    private func withClientPausing(_ h: ServeHarness, token: String, go: String, during: @escaping () throws -> Void) throws -> [String: Any] {
        let box = ResultBox()
        let t = Thread {
            box.value = try? h.client(token: token, mode: "legacy", steps: [["call", "get_issue", "{\"number\": 1}"], ["pause", go],
                                                                            ["call", "get_issue", "{\"number\": 2}"]])
            box.done.signal()
        }
        t.start()
        // The first call is recorded once it passed; then the revoke, then the client goes on.
        eventually("the first call to reach the upstream", seconds: 60) { h.executed.count == 1 }
        try during()
        _ = FileManager.default.createFile(atPath: go, contents: nil)
        #expect(box.done.wait(timeout: .now() + 60) == .success)
        return box.value ?? [:]
    }

    @Test func sigtermLetsACallUnderWayFinishOverSSEAndRefusesNewConnections() throws {
        let (s, _) = try Self.fleet()
        let lead = try s.ok("token", "issue", "lead", "--ttl", "1h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let h = try ServeHarness(s, upstream: .http)
        let go = s.folder.appendingPathComponent("go").path
        let box = ResultBox()
        let t = Thread {
            // The list first: the SDK checks a call's result against the listed tool, and would
            // otherwise fetch the list after the call, on a new connection the stopping service refuses.
            box.value = try? h.client(token: lead, mode: "legacy", steps: [["list"], ["call", "wait_for", "{\"path\": \"\(go)\"}"]])
            box.done.signal()
        }
        t.start()
        eventually("the call to be under way", seconds: 60) { h.executed.contains { $0.hasPrefix("wait_for ") } }
        // The client opens its server stream (GET) on its own schedule; the stop comes once it has,
        // so the client never needs a new connection while the service is stopping.
        eventually("the client's server stream", seconds: 60) {
            ((try? String(contentsOfFile: h.headerLog, encoding: .utf8)) ?? "").contains("{\"method\": \"GET\"")
        }
        h.serve.signal(SIGTERM)
        eventually("the service to stop accepting", seconds: 30) { h.serve.stderrSoFar.contains("warden serve: stopping:") }
        #expect(throws: HTTPClientError.self) { try h.raw("GET", "/healthz") }
        _ = FileManager.default.createFile(atPath: go, contents: nil)
        #expect(box.done.wait(timeout: .now() + 60) == .success)
        #expect(ServeHarness.calls(box.value ?? [:]).first?["text"] as? String == "done", "the call under way finished: \(box.value ?? [:])")
        let r = h.serve.wait(seconds: 30)
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.contains("warden serve: stopped\n"), "\(r)")
        let recorded = try s.ok("calls", "--agent", "lead", "--json").jsonArray()
        #expect(recorded.map { "\($0["tool"] ?? "") \($0["decision"] ?? "") \($0["result"] as? String ?? "-")" } == ["wait_for allow ok"], "\(recorded)")
    }

    @Test func aBadTokenIs401WithTheResourceMetadataAndAForeignOriginIs403() throws {
        let (s, token) = try Self.fleet()
        let h = try ServeHarness(s, upstream: .stdio)
        let initialize = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}"
        let json = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Accept", "application/json, text/event-stream")]
        let metadata = "\(h.base)/.well-known/oauth-protected-resource/mcp/github"

        let missing = try h.raw("POST", "/mcp/github", headers: json, body: initialize)
        #expect(missing.head.status == 401)
        #expect(missing.head.value("WWW-Authenticate") == "Bearer resource_metadata=\"\(metadata)\"")

        let unknown = try h.raw("POST", "/mcp/github", headers: json + [HTTPHeader("Authorization", "Bearer wdn_notatoken")], body: initialize)
        #expect(unknown.head.status == 401)
        #expect(unknown.head.value("WWW-Authenticate") == "Bearer resource_metadata=\"\(metadata)\", error=\"invalid_token\"")

        let doc = try h.raw("GET", "/.well-known/oauth-protected-resource/mcp/github")
        let d = try #require(try JSONSerialization.jsonObject(with: Data(doc.body.utf8)) as? [String: Any])
        #expect(d["resource"] as? String == "\(h.base)/mcp/github")
        #expect(d["bearer_methods_supported"] as? [String] == ["header"])
        #expect(d["authorization_servers"] == nil)

        let foreign = try h.raw("POST", "/mcp/github", headers: json + [HTTPHeader("Authorization", "Bearer \(token)"),
                                                                         HTTPHeader("Origin", "https://evil.example")], body: initialize)
        #expect(foreign.head.status == 403)
        let own = try h.raw("POST", "/mcp/github", headers: json + [HTTPHeader("Authorization", "Bearer \(token)"),
                                                                     HTTPHeader("Origin", h.base)], body: initialize)
        #expect(own.head.status == 200, "\(own)")

        // Revoking the credential itself: the token is no longer good, so 401 again.
        let credential = try #require(try s.ok("agent", "show", "bot", "--json").jsonObject()["credentials"] as? [[String: Any]]).first?["id"] as? String
        try s.ok("revoke", try #require(credential), "--yes")
        let revoked = try h.raw("POST", "/mcp/github", headers: json + [HTTPHeader("Authorization", "Bearer \(token)")], body: initialize)
        #expect(revoked.head.status == 401)
        #expect(revoked.head.value("WWW-Authenticate")?.contains("error=\"invalid_token\"") == true)
        #expect(h.executed.isEmpty)
    }

    @Test func plainHTTPBeyondLoopbackIsRefusedAndSIGTERMStopsCleanly() throws {
        let (s, token) = try Self.fleet()
        let open = try s.run("serve", "--listen", "0.0.0.0:0")
        #expect(open.status == 1, "\(open)")
        #expect(open.stderr.contains("plain HTTP is only allowed on a loopback address"), "\(open)")

        let h = try ServeHarness(s, upstream: .stdio)
        _ = try h.client(token: token, mode: "legacy", steps: [["call", "get_issue", "{\"number\": 3}"]])
        h.serve.signal(SIGTERM)
        let r = h.serve.wait(seconds: 30)
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.contains("warden serve: stopped\n"), "\(r)")
        // Every record was flushed before the exit.
        #expect(try s.ok("calls", "--agent", "bot", "--json").jsonArray().count == 1)
    }
}

/// The service's own HTTP behaviour, without an MCP client.
@Suite("warden serve: HTTP")
struct ServeHTTPTests {
    @Test func tlsWithACertificateMadeHereServesBeyondLoopback() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        let key = s.folder.appendingPathComponent("key.pem").path, cert = s.folder.appendingPathComponent("cert.pem").path
        let openssl = try WardenProcess.run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                                             "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
                                            executable: "/usr/bin/openssl", environment: ["PATH": "/usr/bin:/bin"], stdin: nil, in: s.folder)
        try #require(openssl.status == 0, "\(openssl)")
        // Any address with TLS; the port is read back from the line the service prints.
        let serve = try s.spawn(["serve", "--listen", "0.0.0.0:0", "--tls-cert", cert, "--tls-key", key])
        var port = 0
        eventually("warden serve to listen", seconds: 30) {
            if let r = serve.stderrSoFar.range(of: "listening on 0.0.0.0:") { port = Int(serve.stderrSoFar[r.upperBound...].prefix { $0.isNumber }) ?? 0 }
            return port > 0 || serve.hasExited
        }
        try #require(port > 0, "\(serve.stderrSoFar)")
        #expect(serve.stderrSoFar.contains("(https)"))
        var request = HTTPClient.Request(method: "GET", url: "https://127.0.0.1:\(port)/healthz")
        request.caFile = cert
        request.timeoutMs = 30_000
        var body: [UInt8] = []
        let head = try HTTPClient().perform(request, onHead: { _ in true }, onBody: { body += $0; return true })
        #expect(head.status == 200)
        #expect(String(decoding: body, as: UTF8.self) == "ok\n")
        // Without trusting the certificate, the exchange fails: it is really TLS.
        #expect(throws: HTTPClientError.self) {
            try HTTPClient().perform(HTTPClient.Request(method: "GET", url: "https://127.0.0.1:\(port)/healthz"), onHead: { _ in true }, onBody: { _ in true })
        }
        serve.signal(SIGTERM)
        #expect(serve.wait(seconds: 30).status == 0)
    }

    @Test func aBodyOverTheCapIs413AndTheStoreIsUntouched() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        let cfg = try s.write("serve.cfg", "serve.max_body = 2048\nserver.github.command = /bin/cat\n")
        let serve = try s.spawn(["serve", "--listen", "127.0.0.1:0", "--config", cfg])
        let port = ServeHarness.listeningPort(serve)
        try #require(port > 0, "\(serve.stderrSoFar)")
        let big = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"\(String(repeating: "x", count: 4096))\"}}"
        let request = HTTPClient.Request(method: "POST", url: "http://127.0.0.1:\(port)/mcp/github",
                                         headers: [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Authorization", "Bearer wdn_x")],
                                         body: Array(big.utf8))
        let head = try HTTPClient().perform(request, onHead: { _ in true }, onBody: { _ in true })
        #expect(head.status == 413)
        let unknown = try HTTPClient().perform(HTTPClient.Request(method: "GET", url: "http://127.0.0.1:\(port)/mcp/nope"), onHead: { _ in true }, onBody: { _ in true })
        #expect(unknown.status == 404)
        serve.signal(SIGTERM)
        let r = serve.wait(seconds: 30)
        #expect(r.status == 0)
        #expect(r.stderr.contains("\"status\":413"), "\(r)")
        #expect(try s.ok("calls", "--json").jsonArray().isEmpty)
    }

    @Test func aStdioServerThatDiesEndsItsSessionWithAnErrorThenA404() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:alice@acme.example")
        try s.ok("agent", "register", "bot", "--by", "user:alice@acme.example", "--scopes", "github/*")
        let token = try s.ok("token", "issue", "bot", "--ttl", "1h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // A "server" that exits at once, without a word.
        let cfg = try s.write("serve.cfg", "server.github.command = /bin/true\n")
        let serve = try s.spawn(["serve", "--listen", "127.0.0.1:0", "--config", cfg])
        let port = ServeHarness.listeningPort(serve)
        try #require(port > 0, "\(serve.stderrSoFar)")
        let headers = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Accept", "application/json"),
                       HTTPHeader("Authorization", "Bearer \(token)")]
        let initialize = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}"
        var body: [UInt8] = []
        let first = try HTTPClient().perform(HTTPClient.Request(method: "POST", url: "http://127.0.0.1:\(port)/mcp/github", headers: headers, body: Array(initialize.utf8)),
                                             onHead: { _ in true }, onBody: { body += $0; return true })
        #expect(first.status == 200)
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.contains("\"id\":1") && text.contains("upstream_unavailable"), "the request is answered with an error: \(text)")
        let sid = try #require(first.value("Mcp-Session-Id"))
        let ping = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}"
        let next = try HTTPClient().perform(HTTPClient.Request(method: "POST", url: "http://127.0.0.1:\(port)/mcp/github",
                                                                headers: headers + [HTTPHeader("Mcp-Session-Id", sid)], body: Array(ping.utf8)),
                                            onHead: { _ in true }, onBody: { _ in true })
        #expect(next.status == 404, "a session whose server is gone is over")
        serve.signal(SIGTERM)
        #expect(serve.wait(seconds: 30).status == 0)
    }

    /// A stdio upstream over raw HTTP: a POST accepting SSE gets the server's notification and
    /// then its answer as events, in order; one accepting only JSON gets the answer alone.
    @Test func aStdioServersNotificationsAndAnswerComeBackAsSSE() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:alice@acme.example")
        try s.ok("agent", "register", "bot", "--by", "user:alice@acme.example", "--scopes", "github/notify,github/echo")
        let token = try s.ok("token", "issue", "bot", "--ttl", "1h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = URL(fileURLWithPath: WardenBinary.path).deletingLastPathComponent().appendingPathComponent("warden-test-mcp-server").path
        let cfg = try s.write("serve.cfg", "server.github.command = \(server)\n")
        let serve = try s.spawn(["serve", "--listen", "127.0.0.1:0", "--config", cfg])
        let port = ServeHarness.listeningPort(serve)
        try #require(port > 0, "\(serve.stderrSoFar)")
        let url = "http://127.0.0.1:\(port)/mcp/github"
        func post(_ body: String, accept: String, session: String?) throws -> (HTTPClient.Head, String) {
            var h = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Accept", accept), HTTPHeader("Authorization", "Bearer \(token)")]
            if let session { h.append(HTTPHeader("Mcp-Session-Id", session)) }
            var out: [UInt8] = []
            let head = try HTTPClient().perform(HTTPClient.Request(method: "POST", url: url, headers: h, body: Array(body.utf8)),
                                                onHead: { _ in true }, onBody: { out += $0; return true })
            return (head, String(decoding: out, as: UTF8.self))
        }
        let (initHead, initBody) = try post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}",
                                            accept: "application/json", session: nil)
        #expect(initHead.status == 200 && initBody.contains("\"serverInfo\""), "\(initBody)")
        let sid = try #require(initHead.value("Mcp-Session-Id"))
        #expect(sid.count == 32, "128 random bits")
        #expect(try post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", accept: "application/json", session: sid).0.status == 202)

        let (sseHead, sse) = try post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"notify\",\"arguments\":{\"text\":\"hello\"}}}",
                                      accept: "application/json, text/event-stream", session: sid)
        #expect(sseHead.value("Content-Type") == "text/event-stream")
        let data = sse.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
        #expect(data.count == 2, "\(sse)")
        #expect(data.first?.contains("notifications/message") == true && data.first?.contains("hello") == true, "\(sse)")
        #expect(data.last?.contains("\"id\":2") == true && data.last?.contains("notified") == true, "\(sse)")

        let (jsonHead, json) = try post("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"hi\"}}}",
                                        accept: "application/json", session: sid)
        #expect(jsonHead.value("Content-Type") == "application/json")
        #expect(json.contains("\"id\":3") && json.contains("hi"), "\(json)")
        serve.signal(SIGTERM)
        #expect(serve.wait(seconds: 30).status == 0)
        let calls = try s.ok("calls", "--agent", "bot", "--json").jsonArray()
        #expect(calls.map { "\($0["tool"] ?? "") \($0["result"] as? String ?? "-")" } == ["echo ok", "notify ok"], "\(calls)")
    }

    /// 50 sessions × 200 calls at once, five agents: every call answered with its own answer,
    /// every call recorded once, under the agent that made it.
    @Test(.enabled(if: ServeHarness.python != nil, "WARDEN_TEST_PYTHON names no Python with the MCP SDK"))
    func fiftyConcurrentSessionsLoseAndMisattributeNothing() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:alice@acme.example")
        var pairs: [[String]] = []
        for n in 0..<5 {
            try s.ok("agent", "register", "a\(n)", "--by", "user:alice@acme.example", "--scopes", "github/echo")
            pairs.append(["a\(n)", try s.ok("token", "issue", "a\(n)", "--ttl", "1h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)])
        }
        let tokens = try s.write("tokens.json", String(decoding: try JSONSerialization.data(withJSONObject: pairs), as: UTF8.self))
        let server = URL(fileURLWithPath: WardenBinary.path).deletingLastPathComponent().appendingPathComponent("warden-test-mcp-server").path
        let cfg = try s.write("serve.cfg", "server.github.command = \(server)\n")
        let serve = try s.spawn(["serve", "--listen", "127.0.0.1:0", "--config", cfg])
        let port = ServeHarness.listeningPort(serve)
        try #require(port > 0, "\(serve.stderrSoFar)")
        let load = try WardenProcess.run([ServeHarness.support.appendingPathComponent("GatewayClient/load.py").path,
                                          "http://127.0.0.1:\(port)/mcp/github", "50", "200", tokens],
                                         executable: try #require(ServeHarness.python), environment: ["PATH": "/usr/bin:/bin"], stdin: nil, in: s.folder)
        #expect(load.status == 0 && load.stdout.contains("\"errors\": 0"), "\(load)")
        serve.signal(SIGTERM)
        #expect(serve.wait(seconds: 60).status == 0)
        for n in 0..<5 {
            let calls = try s.ok("calls", "--agent", "a\(n)", "--limit", "100000", "--json").jsonArray()
            #expect(calls.count == 2_000, "a\(n)")
            #expect(calls.allSatisfy { $0["decision"] as? String == "allow" && $0["result"] as? String == "ok"
                && ($0["args"] as? String ?? "").contains("a\(n)-") }, "a\(n)'s calls are its own")
            #expect(Set(calls.compactMap { $0["args"] as? String }).count == 2_000, "each call once")
        }
    }
}
