import Foundation
import Testing

/// `warden mcp-proxy` as an operator runs it, in front of the test MCP server, on every backend.
@Suite("mcp-proxy through the CLI")
struct ProxyFlowTests {
    @Test(arguments: TestBackend.all)
    func allowedIsForwardedDeniedNeverReachesTheServerAndBothAreRecorded(backend: TestBackend) throws {
        let s = try Sandbox(backend)
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:alice@acme.example")
        try s.ok("agent", "register", "lead", "--by", "user:alice@acme.example", "--scopes", "github/*")
        try s.ok("agent", "register", "bot", "--by", "lead", "--scopes", "github/add,github/echo")
        let token = try s.ok("token", "issue", "bot", "--ttl", "1h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let proxy = try MCPProxyClient(s, token: token, host: "e2e-host")
        try proxy.initialize()
        let added = try proxy.call("add", ["a": 2, "b": 40])
        #expect(MCPProxyClient.text(added) == "42", "\(added)")
        let outOfScope = try proxy.call("delete_repo", ["repo": "acme/prod"])
        #expect(MCPProxyClient.deniedReason(outOfScope) == "out_of_scope", "\(outOfScope)")

        // The proxy is a live instance of its agent, on the host it was given (recorded in the
        // background, so it is waited for).
        func hosts() throws -> [String] {
            (try s.ok("agent", "show", "bot", "--json").jsonObject()["instances"] as? [[String: Any]] ?? [])
                .compactMap { $0["host"] as? String }
        }
        try eventually("the proxy's instance") { try !hosts().isEmpty }
        #expect(try hosts() == ["e2e-host (github)"])

        // A revoke from another process bites on the very next call.
        try s.ok("revoke", "bot", "--yes")
        let revoked = try proxy.call("echo", ["text": "after the revoke"])
        #expect(MCPProxyClient.deniedReason(revoked) == "agent_revoked", "\(revoked)")
        #expect(proxy.finish() == 0, "\(proxy.stderrText)")

        #expect(proxy.executed.count == 1, "only the allowed call reached the server: \(proxy.executed)")
        #expect(proxy.executed.first?.hasPrefix("add ") == true)
        let calls = try s.ok("calls", "--agent", "bot", "--json").jsonArray()
        #expect(calls.map { "\($0["server"] ?? "")/\($0["tool"] ?? "") \($0["decision"] ?? "") \($0["reason"] as? String ?? "-")" }
                == ["github/echo deny agent_revoked", "github/delete_repo deny out_of_scope", "github/add allow -"], "\(calls)")
        // Recorded by the stdio proxy, with the client as its initialize named itself; no gateway session.
        #expect(calls.allSatisfy { $0["via"] as? String == "proxy" && $0["client"] as? String == "e2e-client 1" && $0["session"] is NSNull },
                "\(calls)")
        let viaProxy = try s.ok("calls", "--via", "proxy", "--json").jsonArray()
        #expect(viaProxy.count == 3)
        #expect(try s.ok("calls", "--via", "gateway", "--json").jsonArray().isEmpty)
        let bad = try s.run("calls", "--via", "gatewya")
        #expect(bad.status == 1 && bad.stderr.contains("did you mean `gateway`?"), "\(bad)")
    }

    @Test func aHostMustBeOneWord() throws {
        let s = try Sandbox()
        for command in [["simulate", "--duration", "1s"], ["mcp-proxy", "--token-env", "T"]] {
            let r = try s.run(command + ["--host", "two words"] + (command[0] == "mcp-proxy" ? ["--", "true"] : []))
            #expect(r.status == 1, "\(r)")
            #expect(r.stderr.contains("--host 'two words' must be one word"), "\(r)")
            #expect(!FileManager.default.fileExists(atPath: s.db), "nothing was opened or created")
        }
        #expect(try s.run("simulate", "--host", "").status == 1)
        let help = try s.run("simulate", "--help")
        #expect(help.stdout.contains("--host NAME"), "\(help)")
    }
}
