import Foundation
import Testing
import WardenHTTPClient

/// `warden serve`'s AuthZEN decision API over raw HTTP against the real binary: a gate asks about
/// any agent credential, an agent only about itself; errors name their JSON path; a revoke between
/// two evaluations flips the answer. No upstream runs: a question reaches none.
@Suite("warden serve: AuthZEN decisions")
struct ServeAuthZENTests {
    /// A store with `bot` (github/get_issue) and `other` (slack/*), a gate `envoy` and its token.
    final class Service: @unchecked Sendable {
        let sandbox: Sandbox
        let serve: SpawnedWarden
        let port: Int
        let bot: String, other: String, gate: String

        init(_ backend: TestBackend = .sqlite) throws {
            let s = try Sandbox(backend)
            sandbox = s
            try s.ok("init", "--trust-domain", "acme.example")
            try s.ok("principal", "add", "user:alice@acme.example")
            try s.ok("agent", "register", "bot", "--by", "user:alice@acme.example", "--scopes", "github/get_issue")
            try s.ok("agent", "register", "other", "--by", "user:alice@acme.example", "--scopes", "slack/*")
            bot = try s.ok("token", "issue", "bot").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            other = try s.ok("token", "issue", "other").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            try s.ok("gate", "add", "envoy")
            gate = try s.ok("token", "issue", "--gate", "envoy").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            // An upstream that is never started: a gate's token is refused before any session.
            let cfg = try s.write("serve.cfg", "server.github.command = /bin/false\n")
            serve = try s.spawn(["serve", "--listen", "127.0.0.1:0", "--config", cfg])
            let p = ServeHarness.listeningPort(self.serve)
            port = p
            #expect(port > 0, "warden serve did not start: \(serve.stderrSoFar)")
        }

        deinit {
            serve.signal(SIGTERM)
            serve.wait(seconds: 30)
        }

        func post(_ path: String, bearer: String?, _ body: String, headers: [HTTPHeader] = []) throws -> (status: Int, head: HTTPClient.Head, json: [String: Any]) {
            var h = headers + [HTTPHeader("Content-Type", "application/json")]
            if let bearer { h.append(HTTPHeader("Authorization", "Bearer " + bearer)) }
            var bytes: [UInt8] = []
            var request = HTTPClient.Request(method: "POST", url: "http://127.0.0.1:\(port)" + path, headers: h, body: Array(body.utf8))
            request.timeoutMs = 30_000
            let head = try HTTPClient().perform(request, onHead: { _ in true }, onBody: { bytes += $0; return true })
            let json = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? ["raw": String(decoding: bytes, as: UTF8.self)]
            #expect(!String(decoding: bytes, as: UTF8.self).contains("wdn_"), "an answer never carries a secret")
            return (head.status, head, json)
        }

        func get(_ path: String) throws -> (Int, String) {
            var bytes: [UInt8] = []
            let head = try HTTPClient().perform(HTTPClient.Request(method: "GET", url: "http://127.0.0.1:\(port)" + path, headers: [], body: []),
                                                onHead: { _ in true }, onBody: { bytes += $0; return true })
            return (head.status, String(decoding: bytes, as: UTF8.self))
        }
    }

    static func question(_ secret: String, _ tool: String) -> String {
        #"{"subject": {"type": "agent", "id": "\#(secret)"}, "action": {"name": "tools/call"}, "resource": {"type": "tool", "id": "\#(tool)"}}"#
    }

    static func reason(_ j: [String: Any]) -> String? { (j["context"] as? [String: Any])?["reason"] as? String }

    @Test func aGateAsksAboutAnyAgentAndARevokeBetweenTwoEvaluationsFlipsTheAnswer() throws {
        let svc = try Service()
        let allowed = try svc.post("/access/v1/evaluation", bearer: svc.gate, Self.question(svc.bot, "github/get_issue"),
                                   headers: [HTTPHeader("X-Request-ID", "req-7")])
        #expect(allowed.status == 200 && allowed.json["decision"] as? Bool == true && Self.reason(allowed.json) == "allow", "\(allowed.json)")
        #expect(allowed.head.value("X-Request-ID") == "req-7")
        let scope = try svc.post("/access/v1/evaluation", bearer: svc.gate, Self.question(svc.bot, "github/delete_repo"))
        #expect(scope.json["decision"] as? Bool == false && Self.reason(scope.json) == "out_of_scope", "\(scope.json)")
        let unknown = try svc.post("/access/v1/evaluation", bearer: svc.gate, Self.question("wdn_nothing", "github/get_issue"))
        #expect(unknown.status == 200 && Self.reason(unknown.json) == "unknown_credential", "\(unknown.json)")

        try svc.sandbox.ok("revoke", "bot", "--reason", "compromised")
        let after = try svc.post("/access/v1/evaluation", bearer: svc.gate, Self.question(svc.bot, "github/get_issue"))
        #expect(after.json["decision"] as? Bool == false && Self.reason(after.json) == "agent_revoked", "\(after.json)")

        // Counted in /metrics by reason; never recorded as a call.
        let (_, metrics) = try svc.get("/metrics")
        #expect(metrics.contains("warden_authzen_decisions_total{reason=\"allow\"} 1"), "\(metrics)")
        #expect(metrics.contains("warden_authzen_decisions_total{reason=\"agent_revoked\"} 1"))
        #expect(try svc.sandbox.ok("calls", "--json").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        // One access-log line per request, and no secret in any.
        svc.serve.signal(SIGTERM)
        svc.serve.wait(seconds: 30)
        let log = svc.serve.stderrSoFar
        #expect(log.components(separatedBy: "\"path\":\"/access/v1/evaluation\"").count - 1 == 4, "\(log)")
        #expect(!log.contains(svc.gate) && !log.contains(svc.bot))
    }

    @Test func batchesFollowTheirSemantic() throws {
        let svc = try Service()
        func batch(_ semantic: String?) throws -> [[String: Any]] {
            let options = semantic.map { #", "options": {"evaluations_semantic": "\#($0)"}"# } ?? ""
            let body = #"""
                {"subject": {"type": "agent", "id": "\#(svc.bot)"}, "action": {"name": "tools/call"},
                 "evaluations": [{"resource": {"type": "tool", "id": "github/get_issue"}},
                                 {"resource": {"type": "tool", "id": "github/delete_repo"}},
                                 {"subject": {"type": "agent", "id": "\#(svc.other)"}, "resource": {"type": "tool", "id": "slack/post"}}]\#(options)}
                """#
            let r = try svc.post("/access/v1/evaluations", bearer: svc.gate, body)
            #expect(r.status == 200, "\(r.json)")
            return r.json["evaluations"] as? [[String: Any]] ?? []
        }
        #expect(try batch(nil).map { $0["decision"] as? Bool } == [true, false, true])
        #expect(try batch("execute_all").map(Self.reason) == ["allow", "out_of_scope", "allow"])
        #expect(try batch("deny_on_first_deny").map { $0["decision"] as? Bool } == [true, false])
        #expect(try batch("permit_on_first_permit").map { $0["decision"] as? Bool } == [true])
        // Without `evaluations` the batch endpoint answers as the single one does.
        let single = try svc.post("/access/v1/evaluations", bearer: svc.gate, Self.question(svc.other, "slack/post"))
        #expect(single.json["decision"] as? Bool == true && single.json["evaluations"] == nil, "\(single.json)")
    }

    @Test func anAgentAsksOnlyAboutItself() throws {
        let svc = try Service()
        let own = try svc.post("/access/v1/evaluation", bearer: svc.bot, Self.question(svc.bot, "github/get_issue"))
        #expect(own.status == 200 && own.json["decision"] as? Bool == true, "\(own.json)")
        let another = try svc.post("/access/v1/evaluation", bearer: svc.bot, Self.question(svc.other, "slack/post"))
        #expect(another.status == 403 && another.json["path"] as? String == "subject.id", "\(another.json)")
        let inBatch = try svc.post("/access/v1/evaluations", bearer: svc.bot, #"""
            {"action": {"name": "tools/call"}, "resource": {"type": "tool", "id": "github/get_issue"},
             "evaluations": [{"subject": {"type": "agent", "id": "\#(svc.bot)"}}, {"subject": {"type": "agent", "id": "\#(svc.other)"}}]}
            """#)
        #expect(inBatch.status == 403 && inBatch.json["path"] as? String == "evaluations[1].subject.id", "\(inBatch.json)")
    }

    @Test func callersWithoutAGoodTokenGet401AndAGateTokenAuthorizesNothing() throws {
        let svc = try Service()
        let q = Self.question(svc.bot, "github/get_issue")
        let none = try svc.post("/access/v1/evaluation", bearer: nil, q)
        #expect(none.status == 401 && none.head.value("WWW-Authenticate")?.hasPrefix("Bearer") == true)
        let unknown = try svc.post("/access/v1/evaluation", bearer: "wdn_not-a-token", q)
        #expect(unknown.status == 401 && unknown.head.value("WWW-Authenticate")?.contains("invalid_token") == true, "\(unknown.json)")

        // A gate's token at the MCP gateway: not an agent's credential, so 401 before any session.
        var h = [HTTPHeader("Authorization", "Bearer " + svc.gate), HTTPHeader("Accept", "application/json, text/event-stream")]
        h.append(HTTPHeader("Content-Type", "application/json"))
        let head = try HTTPClient().perform(HTTPClient.Request(method: "POST", url: "http://127.0.0.1:\(svc.port)/mcp/github", headers: h,
                                                               body: Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.utf8)),
                                            onHead: { _ in true }, onBody: { _ in true })
        #expect(head.status == 401 && head.value("WWW-Authenticate")?.contains("invalid_token") == true)
        // … and at `warden authorize`.
        let denied = try svc.sandbox.run("authorize", "--token", svc.gate, "--tool", "github/get_issue")
        #expect(denied.status == 3 && denied.stdout.contains("unknown_credential"), "\(denied.stdout) \(denied.stderr)")

        try svc.sandbox.ok("gate", "revoke", "envoy", "--reason", "rotated")
        let revoked = try svc.post("/access/v1/evaluation", bearer: svc.gate, q)
        #expect(revoked.status == 401 && revoked.json["reason"] as? String == "credential_revoked", "\(revoked.json)")
    }

    /// Rotating a gate's credential: a second one issued, the first revoked alone by
    /// `warden revoke` (a prefix of its ID, as for agents' credentials); the service refuses
    /// the first at once and answers the second. `token ls --gate` shows which is which.
    @Test func aGateCredentialIsRevokedAloneWhileTheGateAndItsOtherCredentialStand() throws {
        let svc = try Service()
        let q = Self.question(svc.bot, "github/get_issue")
        let second = try svc.sandbox.ok("token", "issue", "--gate", "envoy").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let listed = try svc.sandbox.ok("token", "ls", "--gate", "envoy", "--json").jsonArray()
        #expect(listed.count == 2 && listed.allSatisfy { $0["status"] as? String == "active" && $0["gate"] as? String == "envoy" }, "\(listed)")
        let first = try #require(listed.first?["id"] as? String)

        let dry = try svc.sandbox.ok("revoke", String(first.prefix(12)), "--dry-run")
        #expect(dry.stdout.contains("dry run: revoke gate credential \(first)"), "\(dry)")
        #expect(try svc.post("/access/v1/evaluation", bearer: svc.gate, q).status == 200, "a dry run changes nothing")

        let done = try svc.sandbox.ok("revoke", String(first.prefix(12)), "--reason", "rotated")
        #expect(done.stdout.contains("revoked gate credential \(first) of gate envoy"), "\(done)")
        let refused = try svc.post("/access/v1/evaluation", bearer: svc.gate, q)
        #expect(refused.status == 401 && refused.json["reason"] as? String == "credential_revoked", "\(refused.json)")
        #expect(try svc.post("/access/v1/evaluation", bearer: second, q).status == 200, "the new credential stands")
        #expect(try svc.sandbox.ok("gate", "ls", "--json").jsonArray().first?["status"] as? String == "active")
        let again = try svc.sandbox.run("revoke", first)
        #expect(again.status != 0 && again.stderr.contains("already revoked"), "\(again)")
        let audit = try svc.sandbox.ok("audit", "--json").jsonArray()
        #expect(audit.last?["action"] as? String == "gate.credential.revoke" && audit.last?["reason"] as? String == "rotated", "\(audit.last ?? [:])")
    }

    @Test(arguments: [
        ("{", "$"),
        (#"{"action": {"name": "tools/call"}, "resource": {"type": "tool", "id": "github/get_issue"}}"#, "subject"),
        (#"{"subject": {"type": "user", "id": "x"}, "action": {"name": "tools/call"}, "resource": {"type": "tool", "id": "a/b"}}"#, "subject.type"),
        (#"{"subject": {"type": "agent"}, "action": {"name": "tools/call"}, "resource": {"type": "tool", "id": "a/b"}}"#, "subject.id"),
        (#"{"subject": {"type": "agent", "id": "x"}, "action": {"name": "read"}, "resource": {"type": "tool", "id": "a/b"}}"#, "action.name"),
        (#"{"subject": {"type": "agent", "id": "x"}, "action": {"name": "tools/call"}, "resource": {"type": "tool", "id": "nosl"}}"#, "resource.id"),
        (#"{"subject": {"type": "agent", "id": "x"}, "action": {"name": "tools/call"}, "resource": {"type": "tool", "id": "a/b"}, "context": 7}"#, "context"),
    ])
    func malformedRequestsAre400NamingTheJSONPath(body: String, path: String) throws {
        let svc = try Service()
        let r = try svc.post("/access/v1/evaluation", bearer: svc.gate, body)
        #expect(r.status == 400 && r.json["path"] as? String == path, "\(r.json)")
        let b = try svc.post("/access/v1/evaluations", bearer: svc.gate, #"{"evaluations": [{}], "options": {"evaluations_semantic": "most"}}"#)
        #expect(b.status == 400 && b.json["path"] as? String == "options.evaluations_semantic", "\(b.json)")
    }

    @Test func theMetadataNamesTheEndpoints() throws {
        let svc = try Service()
        let (status, body) = try svc.get("/.well-known/authzen-configuration")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(status == 200)
        #expect(doc["access_evaluation_endpoint"] as? String == "http://127.0.0.1:\(svc.port)/access/v1/evaluation")
        #expect(doc["access_evaluations_endpoint"] as? String == "http://127.0.0.1:\(svc.port)/access/v1/evaluations")
    }
}
