import Foundation
import Testing
import WardenHTTPClient

/// `warden mcp-proxy --decide`: the proxy asks `warden serve` and never opens a store (issue 15
/// item 5). The real binaries: the service on loopback (or TLS), the proxy in front of the test
/// stdio MCP server.
@Suite("mcp-proxy --decide through warden serve")
struct DecideProxyTests {
    /// alice → lead (`github/*`) → bot (`github/add,github/echo`); the github server's tools are
    /// approved at first sight. A token for bot, and one for lead.
    static func fleet() throws -> (Sandbox, bot: String, lead: String) {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("tools", "policy", "trust", "--server", "github")
        try s.ok("principal", "add", "user:alice@acme.example")
        try s.ok("agent", "register", "lead", "--by", "user:alice@acme.example", "--scopes", "github/*")
        try s.ok("agent", "register", "bot", "--by", "lead", "--scopes", "github/add,github/echo")
        let bot = try s.ok("token", "issue", "bot", "--ttl", "1h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let lead = try s.ok("token", "issue", "lead", "--ttl", "1h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return (s, bot, lead)
    }

    /// `warden serve` on the sandbox's store; its port (read from the line it prints).
    static func serve(_ s: Sandbox, listen: String = "127.0.0.1:0", tls: (cert: String, key: String)? = nil) throws -> (SpawnedWarden, Int) {
        let serve = try s.spawn(["serve", "--listen", listen] + (tls.map { ["--tls-cert", $0.cert, "--tls-key", $0.key] } ?? []))
        let port = ServeHarness.listeningPort(serve)
        try #require(port > 0, "\(serve.stderrSoFar)")
        return (serve, port)
    }

    /// The unprivileged user the OS-user test runs the proxy as (setpriv gives the process the
    /// same number as its group: no such group need exist, and it owns nothing of the store).
    static let nobodyUID: UInt32? = getpwnam("nobody").map { $0.pointee.pw_uid }

    static func names(_ list: [String: Any]) -> [String] {
        (((list["result"] as? [String: Any])?["tools"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
    }

    static func recorded(_ s: Sandbox, agent: String) throws -> [String] {
        try s.ok("calls", "--agent", agent, "--json").jsonArray().map {
            "\($0["server"] ?? "")/\($0["tool"] ?? "") \($0["decision"] ?? "") \($0["reason"] as? String ?? "-")"
        }
    }

    @Test func listAllowDenyAndARevokeMidSessionAllThroughTheServiceWithNoStoreOpened() throws {
        let (s, bot, _) = try Self.fleet()
        let (serve, port) = try Self.serve(s)
        // WARDEN_DB names a store that does not exist: the proxy must never try to open it.
        let proxy = try MCPProxyClient(s, token: bot, host: "agent-host", decide: "http://127.0.0.1:\(port)",
                                       environment: ["WARDEN_DB": s.folder.appendingPathComponent("nowhere/warden.db").path])
        try proxy.initialize()
        #expect(Self.names(try proxy.request("tools/list", [:])) == ["echo", "add"], "the list is filtered to the grant")
        #expect(MCPProxyClient.text(try proxy.call("add", ["a": 2, "b": 40])) == "42")
        let denied = try proxy.call("delete_repo", ["repo": "acme/prod"])
        #expect(MCPProxyClient.deniedReason(denied) == "out_of_scope", "\(denied)")
        try s.ok("revoke", "bot", "--yes")
        let revoked = try proxy.call("echo", ["text": "after the revoke"])
        #expect(MCPProxyClient.deniedReason(revoked) == "agent_revoked", "\(revoked)")
        #expect(proxy.finish() == 0, "\(proxy.stderrText)")
        #expect(proxy.executed.count == 1 && proxy.executed.first?.hasPrefix("add ") == true, "only the allowed call reached the server: \(proxy.executed)")
        #expect(!FileManager.default.fileExists(atPath: s.folder.appendingPathComponent("nowhere").path))

        // The service records what the proxy sent once it stopped: wait for the stopped instance.
        try eventually("the proxy's records", seconds: 30) { try Self.recorded(s, agent: "bot").count == 3 }
        #expect(try Self.recorded(s, agent: "bot") == ["github/echo deny agent_revoked", "github/delete_repo deny out_of_scope", "github/add allow -"])
        // The service stamps where the calls came from: a stdio proxy, whatever the body could say.
        #expect(try s.ok("calls", "--agent", "bot", "--json").jsonArray().map { $0["via"] as? String } == ["proxy", "proxy", "proxy"])
        let instances = try s.ok("agent", "show", "bot", "--json").jsonObject()["instances"] as? [[String: Any]] ?? []
        #expect(instances.compactMap { $0["host"] as? String } == ["agent-host (github)"], "\(instances)")
        serve.signal(SIGTERM)
        #expect(serve.wait(seconds: 30).status == 0)
    }

    @Test func theServiceDownDeniesStoreUnavailableAndTheProxyRecoversWhenItReturns() throws {
        let (s, bot, _) = try Self.fleet()
        var (serve, port) = try Self.serve(s)
        let proxy = try MCPProxyClient(s, token: bot, decide: "http://127.0.0.1:\(port)")
        try proxy.initialize()
        #expect(MCPProxyClient.text(try proxy.call("add", ["a": 1, "b": 1])) == "2")
        serve.signal(SIGTERM)
        #expect(serve.wait(seconds: 30).status == 0)
        let down = try proxy.call("add", ["a": 1, "b": 2])
        #expect(MCPProxyClient.deniedReason(down) == "store_unavailable", "fail closed: \(down)")
        (serve, _) = try Self.serve(s, listen: "127.0.0.1:\(port)")
        #expect(MCPProxyClient.text(try proxy.call("add", ["a": 1, "b": 3])) == "4", "the proxy recovers: \(proxy.stderrText)")
        // The denial made while the service was down is recorded once it came back. Awaited while
        // the proxy runs: its recorder retries for as long as it lives (on exit only for a while).
        if try !eventually("the records kept while the service was down", seconds: 60, { try Self.recorded(s, agent: "bot").count == 3 }) {
            Issue.record("recorded: \((try? Self.recorded(s, agent: "bot")) ?? []); the proxy said: \(proxy.stderrText); the service said: \(serve.stderrSoFar)")
        }
        #expect(proxy.finish() == 0, "\(proxy.stderrText)")
        #expect(proxy.executed.count == 2, "the denied call never reached the server: \(proxy.executed)")
        #expect(try Self.recorded(s, agent: "bot") == ["github/add allow -", "github/add deny store_unavailable", "github/add allow -"])
        serve.signal(SIGTERM)
        #expect(serve.wait(seconds: 30).status == 0)
    }

    /// The point of `--decide`: the agent's OS user cannot read the store (its folder is 0700,
    /// root's), and reaches everything through the service.
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") && nobodyUID != nil,
                   "needs root, setpriv(1) and the user nobody to run the proxy as another user (.ci/run sets them up)"))
    func aProxyRunAsAUserWhoCannotReadTheStoreWorksThroughTheService() throws {
        let (s, bot, _) = try Self.fleet()
        let nobody = try #require(Self.nobodyUID)
        let storeDir = URL(fileURLWithPath: s.db).deletingLastPathComponent().path
        try FileManager.default.setAttributes([.posixPermissions: 0o700, .ownerAccountID: 0], ofItemAtPath: storeDir)
        // The agent's user cannot open the store itself.
        let attempt = try WardenProcess.run(["--reuid=\(nobody)", "--regid=\(nobody)", "--clear-groups", "--", WardenBinary.path,
                                             "--db", s.db, "calls", "--json"],
                                            executable: "/usr/bin/setpriv", environment: ["PATH": "/usr/bin:/bin", "HOME": "/"], stdin: nil, in: s.folder)
        #expect(attempt.status != 0, "the other user must not read the store: \(attempt)")

        let (serve, port) = try Self.serve(s)
        let proxy = try MCPProxyClient(s, token: bot, host: "agent-host", decide: "http://127.0.0.1:\(port)", user: nobody)
        try proxy.initialize()
        #expect(Self.names(try proxy.request("tools/list", [:])) == ["echo", "add"])
        #expect(MCPProxyClient.text(try proxy.call("add", ["a": 20, "b": 22])) == "42", "\(proxy.stderrText)")
        #expect(MCPProxyClient.deniedReason(try proxy.call("delete_repo", ["repo": "x"])) == "out_of_scope")
        #expect(proxy.finish() == 0, "\(proxy.stderrText)")
        #expect(proxy.executed.count == 1)
        try eventually("the proxy's records", seconds: 30) { try Self.recorded(s, agent: "bot").count == 2 }
        #expect(try Self.recorded(s, agent: "bot") == ["github/delete_repo deny out_of_scope", "github/add allow -"])
        serve.signal(SIGTERM)
        #expect(serve.wait(seconds: 30).status == 0)
    }

    @Test func overTLSTheServiceIsTrustedThroughCAFileAndNotWithoutIt() throws {
        let (s, bot, _) = try Self.fleet()
        let key = s.folder.appendingPathComponent("key.pem").path, cert = s.folder.appendingPathComponent("cert.pem").path
        let openssl = try WardenProcess.run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                                             "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
                                            executable: "/usr/bin/openssl", environment: ["PATH": "/usr/bin:/bin"], stdin: nil, in: s.folder)
        try #require(openssl.status == 0, "\(openssl)")
        let (serve, port) = try Self.serve(s, tls: (cert, key))
        let proxy = try MCPProxyClient(s, token: bot, decide: "https://127.0.0.1:\(port)", caFile: cert)
        try proxy.initialize()
        #expect(MCPProxyClient.text(try proxy.call("add", ["a": 2, "b": 2])) == "4", "\(proxy.stderrText)")
        #expect(proxy.finish() == 0)

        // The system's CAs do not know this certificate: the proxy cannot learn who it is, and stops.
        let untrusted = try MCPProxyClient(s, token: bot, decide: "https://127.0.0.1:\(port)")
        #expect(untrusted.finish() == 2, "\(untrusted.stderrText)")
        #expect(untrusted.stderrText.contains("did not answer"), "\(untrusted.stderrText)")
        #expect(!untrusted.stderrText.contains("wdn_"))
        serve.signal(SIGTERM)
        #expect(serve.wait(seconds: 30).status == 0)
    }

    @Test func theAgentAPIRefusesABadTokenWithAChallengeAndAnUnknownFieldNamingItsPath() throws {
        let (s, bot, _) = try Self.fleet()
        let (serve, port) = try Self.serve(s)
        func post(_ path: String, token: String?, _ body: String) throws -> (HTTPClient.Head, String) {
            var headers = [HTTPHeader("Content-Type", "application/json")]
            if let token { headers.append(HTTPHeader("Authorization", "Bearer " + token)) }
            var out: [UInt8] = []
            let head = try HTTPClient().perform(HTTPClient.Request(method: "POST", url: "http://127.0.0.1:\(port)\(path)", headers: headers,
                                                                   body: Array(body.utf8)),
                                                onHead: { _ in true }, onBody: { out += $0; return true })
            return (head, String(decoding: out, as: UTF8.self))
        }
        let missing = try post("/v1/decide", token: nil, "{\"server\":\"github\",\"tool\":\"add\"}")
        #expect(missing.0.status == 401 && missing.0.value("WWW-Authenticate") == "Bearer realm=\"warden\"", "\(missing)")
        let unknown = try post("/v1/decide", token: "wdn_notarealtoken0000000000", "{\"server\":\"github\",\"tool\":\"add\"}")
        #expect(unknown.0.status == 401 && unknown.0.value("WWW-Authenticate") == "Bearer realm=\"warden\", error=\"invalid_token\"")
        #expect(unknown.1.contains("\"reason\":\"unknown_credential\""), "\(unknown)")
        let allowed = try post("/v1/decide", token: bot, "{\"server\":\"github\",\"tool\":\"add\"}")
        #expect(allowed.0.status == 200 && allowed.1.hasPrefix("{\"decision\":\"allow\""), "\(allowed)")
        let extra = try post("/v1/calls", token: bot, "{\"calls\":[{\"at\":1,\"server\":\"github\",\"tool\":\"add\",\"decision\":\"allow\",\"agent_id\":\"lead\"}]}")
        #expect(extra.0.status == 400 && extra.1.contains("$.calls[0].agent_id: unknown field"), "\(extra)")
        serve.signal(SIGTERM)
        let r = serve.wait(seconds: 30)
        #expect(!r.stderr.contains(bot) && !r.stderr.contains("wdn_notarealtoken"), "a token in the service's log")
        #expect(try Self.recorded(s, agent: "bot").isEmpty && Self.recorded(s, agent: "lead").isEmpty, "nothing recorded from a refused body")
    }

    @Test func decideRefusesAnExplicitStoreACleartextRemoteAndAPasswordItWouldEcho() throws {
        let s = try Sandbox()
        func usage(_ args: [String], useDB: Bool = false) throws -> RunResult {
            try s.run(["mcp-proxy", "--token-env", "T"] + args + ["--", "true"], environment: ["T": "wdn_x"], useDB: useDB)
        }
        let both = try usage(["--decide", "http://127.0.0.1:1"], useDB: true)
        #expect(both.status == 1 && both.stderr.contains("never opens a store; drop --db"), "\(both)")
        let clear = try usage(["--decide", "http://10.1.2.3:8414"])
        #expect(clear.status == 1 && clear.stderr.contains("only allowed to a loopback address"), "\(clear)")
        let secret = try usage(["--decide", "https://user:hunter2@warden.internal:8414"])
        #expect(secret.status == 1 && !secret.stderr.contains("hunter2") && secret.stderr.contains("must not carry a user or password"), "\(secret)")
        let ca = try usage(["--ca-file", "/nonexistent.pem"])
        #expect(ca.status == 1 && ca.stderr.contains("--ca-file goes with --decide"), "\(ca)")
        let unreadable = try usage(["--decide", "https://warden.internal:8414", "--ca-file", "/nonexistent.pem"])
        // A file that cannot be read is a runtime error (exit 2), not a misuse of the flags.
        #expect(unreadable.status == 2 && unreadable.stderr.contains("--ca-file /nonexistent.pem: cannot read the file"), "\(unreadable)")
        #expect(!FileManager.default.fileExists(atPath: s.db), "nothing was opened or created")
    }
}
