import Testing
import WardenConfig
import WardenCore
@testable import WardenServe

@Suite struct SSEParserTests {
    @Test func eventsSplitAtBlankLinesWhateverTheLineEnding() {
        var p = SSEParser()
        let events = p.feed(Array("event: message\r\nid: 7\r\ndata: {\"a\":1}\r\n\r\n: a comment\n\ndata: x\rdata: y\r\r".utf8))
        #expect(events == [SSEEvent(event: "message", id: "7", data: "{\"a\":1}"), SSEEvent(data: "x\ny")])
    }

    @Test func anEventMayArriveInPieces() {
        var p = SSEParser()
        var out: [SSEEvent] = []
        for piece in ["da", "ta: {\"b\"", ":2}\r", "\n", "\r\n"] { out += p.feed(Array(piece.utf8)) }
        #expect(out == [SSEEvent(data: "{\"b\":2}")])
    }

    @Test func aPrimingEventWithAnIdAndEmptyDataIsKept() {
        var p = SSEParser()
        #expect(p.feed(Array("id: abc\ndata:\n\n".utf8)) == [SSEEvent(id: "abc", data: "")])
    }

    @Test func writtenEventsReadBackTheSame() {
        let e = SSEEvent(event: "message", id: "1", retry: "3000", data: "line1\nline2")
        var p = SSEParser()
        #expect(p.feed(e.bytes) == [e])
    }
}

@Suite struct AccessLogTests {
    @Test func aLineHoldsNoHeaderValueNoBodyAndNoTokenInThePath() throws {
        let request = HTTPRequest(method: "POST", path: "/mcp/github/wdn_abcdefghijklmnopqrstuvwxyz0123456789",
                                  headers: ["Authorization": "Bearer wdn_secretsecretsecretsecret", "Cookie": "session=s3cr3t"],
                                  body: Array("{\"password\":\"hunter2\"}".utf8))
        let line = AccessLog.line(request: request, status: 401, note: AccessNote(upstream: "github", decision: "unknown_credential"),
                                  nanos: 1_500_000, at: 0)
        #expect(!line.contains("wdn_"), "\(line)")
        #expect(!line.contains("s3cr3t") && !line.contains("hunter2") && !line.contains("secretsecret"), "\(line)")
        let v = try JSONParser.parse(line)
        #expect(v["method"]?.string == "POST")
        #expect(v["status"] == .number("401"))
        #expect(v["upstream"]?.string == "github")
        #expect(v["decision"]?.string == "unknown_credential")
        #expect(v["duration_ms"] == .number("1.5"))
    }

    /// A token straddling the path's 200-character cut: the part before the cut is too short
    /// to look like a token, so cutting before redacting would log the secret's first characters.
    @Test func aTokenAcrossThePathsCutIsNotLoggedInPart() throws {
        let secret = "wdn_" + "Q7xK2mPz9VbN4cR8tLw3HyJ6dF1sGa5eUoXiZqYp0Bn"
        let path = "/" + String(repeating: "a", count: 179) + "/" + secret
        let line = AccessLog.line(request: HTTPRequest(method: "GET", path: path), status: 404, note: AccessNote(), nanos: 0, at: 0)
        #expect(!line.contains("wdn_Q7xK"), "\(line)")
        #expect(!line.contains("Q7xK2mPz9V"), "\(line)")
    }

    /// libmicrohttpd takes any token as the method: a client can send its token there, and the
    /// method's first 16 characters (too few to look like a token) must not be logged as sent.
    @Test func aTokenSentAsTheMethodIsNotLogged() throws {
        let secret = "wdn_" + "Q7xK2mPz9VbN4cR8tLw3HyJ6dF1sGa5eUoXiZqYp0Bn"
        let line = AccessLog.line(request: HTTPRequest(method: secret, path: "/mcp/github"), status: 405, note: AccessNote(), nanos: 0, at: 0)
        #expect(!line.contains("Q7xK2mPz"), "\(line)")
        let v = try JSONParser.parse(line)
        #expect(v["method"]?.string == "OTHER", "\(line)")
    }
}

@Suite struct ServeSectionTests {
    func parse(_ text: String, environment: [String: String] = [:]) throws -> ServeSection {
        let file = try ConfigFile.parse(text, path: "cfg", sections: [ServeSection.self])
        var initial = ServeSection()
        initial.environment = environment
        return try file.section(ServeSection.self, into: initial).checked()
    }

    @Test func upstreamsWithHeadersFromTheEnvironment() throws {
        let s = try parse("""
            server.github.url = https://api.example/mcp
            server.github.header.Authorization = env:GH
            server.local.command = python3 server.py --flag
            serve.max_body = 2048
            """, environment: ["GH": "Bearer upstream-secret"])
        #expect(s.upstreams["github"]?.kind == .url("https://api.example/mcp"))
        #expect(s.upstreams["github"]?.headers.first?.value == "Bearer upstream-secret")
        #expect(s.upstreams["local"]?.kind == .command(["python3", "server.py", "--flag"]))
        #expect(s.maxBodyBytes == 2048)
    }

    @Test func badValuesNameTheLineAndNeverShowAHeaderValue() throws {
        do {
            _ = try parse("server.github.url = https://x\nserver.github.header.X-Key = env:MISSING\n")
            Issue.record("a missing variable is refused")
        } catch let e as FileError {
            #expect(e.line == 2)
            #expect(e.message.contains("MISSING") && e.message.contains("not set"), "\(e)")
        }
        do {
            _ = try parse("server.github.url = https://x\nserver.github.header.Authorization = env:GH\n", environment: ["GH": "se\ncret"])
            Issue.record("a control character is refused")
        } catch let e as FileError {
            #expect(!e.message.contains("se") || !e.message.contains("cret"), "\(e)")
        }
        #expect(throws: FileError.self) { try parse("server.github.header.Host = a\n") }
        #expect(throws: FileError.self) { try parse("server.git/hub.url = https://x\n") }
        #expect(throws: FileError.self) { try parse("server.github.url = ftp://x\n") }
        #expect(throws: ConfigValueError.self) { try parse("server.github.header.X-A = b\n") }
    }

    /// Values that would quietly do nothing, or weaken the service, are refused at their line:
    /// a pattern for an origin (compared whole, it matched nothing), plain http:// to another
    /// machine (the upstream's credential and its tools in the clear), a credential written
    /// in the file rather than read from the environment (never quoted back).
    @Test func valuesThatWouldDoNothingOrWeakenTheServiceAreRefused() throws {
        for (text, says) in [("serve.allowed_origins = *\n", "is not an origin"),
                             ("serve.allowed_origins = https://app.example/path\n", "is not an origin"),
                             ("server.g.url = http://10.1.2.3/mcp\n", "plain http:// is only allowed to a loopback address"),
                             ("server.g.url = http://example.com:80/mcp\n", "plain http://"),
                             ("server.g.url = https://x\nserver.g.header.Authorization = Bearer abc123\n", "give a credential as env:VAR"),
                             ("server.g.url = https://x\nserver.g.header.X-Api-Key = abc123\n", "give a credential as env:VAR")] {
            do {
                _ = try parse(text)
                Issue.record("accepted: \(text)")
            } catch let e as FileError {
                #expect(e.message.contains(says) && !e.message.contains("abc123"), "\(text): \(e)")
            }
        }
        let fine = try parse("""
            serve.allowed_origins = https://app.example.com, http://localhost:3000
            server.a.url = http://127.0.0.1:8080/mcp
            server.b.url = http://[::1]:9/mcp
            server.c.url = http://localhost/mcp
            server.c.header.X-Tenant = acme
            """)
        #expect(fine.allowedOrigins == ["https://app.example.com", "http://localhost:3000"])
        #expect(fine.upstreams["c"]?.headers.first?.value == "acme")
    }
}

@Suite struct MetricsTests {
    @Test func prometheusTextCountsDecisionsLatencyUpstreamErrorsAndSessions() {
        let m = Metrics()
        m.decision(nil)
        m.decision("out_of_scope")
        m.decision("out_of_scope")
        m.upstreamError("github")
        m.request(status: 200, seconds: 0.0008)
        m.request(status: 401, seconds: 3)
        m.setOpenSessions { 4 }
        let text = m.render()
        #expect(text.contains("warden_decisions_total{reason=\"allow\"} 1\n"))
        #expect(text.contains("warden_decisions_total{reason=\"out_of_scope\"} 2\n"))
        #expect(text.contains("warden_upstream_errors_total{upstream=\"github\"} 1\n"))
        #expect(text.contains("warden_http_request_duration_seconds_bucket{le=\"0.001\"} 1\n"))
        #expect(text.contains("warden_http_request_duration_seconds_bucket{le=\"5.0\"} 2\n"))
        #expect(text.contains("warden_http_request_duration_seconds_count 2\n"))
        #expect(text.contains("warden_open_sessions 4\n"))
    }
}

/// One credential cannot fill the session table for the whole fleet: each agent has its own cap
/// below the service's, and ending a session frees its place.
@Suite struct SessionTableTests {
    @Test func oneAgentAtItsCapDoesNotLockOthersOut() {
        let t = SessionTable(limit: 5, perAgentLimit: 2)
        #expect(t.admits(agentID: "a") == .open)
        t.open("s1", SessionTable.Session(upstream: "github", agentID: "a"))
        t.open("s2", SessionTable.Session(upstream: "github", agentID: "a"))
        #expect(t.admits(agentID: "a") == .agentFull)
        #expect(t.admits(agentID: "a").refusal?.status == 429)
        #expect(t.admits(agentID: "b") == .open)
        t.close("s1")
        #expect(t.admits(agentID: "a") == .open, "an ended session frees its place")
        t.close("s1")  // twice is harmless
        #expect(t.admits(agentID: "a") == .open)
    }

    @Test func theServiceCapStillHolds() {
        let t = SessionTable(limit: 3, perAgentLimit: 2)
        for (n, agent) in ["a", "a", "b"].enumerated() { t.open("s\(n)", SessionTable.Session(upstream: "github", agentID: agent)) }
        #expect(t.admits(agentID: "c") == .full)
        #expect(t.admits(agentID: "c").refusal?.status == 503)
        #expect(t.admits(agentID: "a") == .agentFull)
        _ = t.closeAll()
        #expect(t.admits(agentID: "a") == .open && t.count == 0)
    }

    @Test func theCapIsReadFromTheConfig() throws {
        var section = ServeSection()
        try section.read(key: "serve.max_sessions_per_agent", value: "4")
        #expect(section.maxSessionsPerAgent == 4)
        #expect(throws: ConfigValueError.self) { try section.read(key: "serve.max_sessions_per_agent", value: "0") }
        #expect(ServeSection.owns("serve.max_sessions_per_agent"))
    }
}
