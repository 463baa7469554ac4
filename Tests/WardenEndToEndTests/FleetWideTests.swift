import Foundation
import Testing

/// One store, three hosts (issue 14 item 7). Each host is a process group of its own with its own
/// host name: a `warden simulate` and a `warden mcp-proxy` in front of the test MCP server, the
/// proxy holding a credential of one shared agent subtree. One dashboard in tmux watches them
/// all; `x` `y` on the shared ancestor denies the next call through every host's proxy.
@Suite("fleet-wide: three hosts, one store", .enabled(if: TmuxSession.available))
struct FleetWideTests {
    /// One host: a process group led by its simulator, with its proxy (and the proxy's MCP
    /// server) in it. Let go of, the whole group is killed, whatever the test's outcome.
    final class Host {
        let name: String
        let simulator: SpawnedWarden
        let proxy: MCPProxyClient

        init(_ name: String, _ s: Sandbox, token: String, seed: Int) throws {
            self.name = name
            simulator = try s.spawn(["simulate", "--agents", "3", "--rate", "5", "--seed", "\(seed)", "--host", name],
                                    processGroup: 0)
            do {
                proxy = try MCPProxyClient(s, token: token, host: name, processGroup: simulator.pid)
            } catch {
                kill(-simulator.pid, SIGKILL)
                throw error
            }
        }

        deinit { kill(-simulator.pid, SIGKILL) }
    }

    @Test(arguments: TestBackend.all)
    func aRevokeInTheDashboardDeniesTheNextCallOnEveryHost(backend: TestBackend) throws {
        let s = try Sandbox(backend)
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:ops@acme.example", "--name", "Ops")
        // The shared subtree. Its scopes are outside the simulators' catalog: they leave it alone.
        try s.ok("agent", "register", "fleet-lead", "--by", "user:ops@acme.example", "--scopes", "github/echo,github/add", "--ttl", "8h")
        try s.ok("agent", "register", "mcp-relay", "--by", "fleet-lead", "--scopes", "github/echo", "--ttl", "4h")
        let names = ["host-a", "host-b", "host-c"]
        var hosts: [Host] = []
        for (k, name) in names.enumerated() {
            let token = try s.ok("token", "issue", "mcp-relay", "--ttl", "1h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            hosts.append(try Host(name, s, token: token, seed: k + 1))
        }
        for h in hosts {
            try h.proxy.initialize()
            let echoed = try h.proxy.call("echo", ["text": "hello from \(h.name)"])
            #expect(MCPProxyClient.text(echoed) == "hello from \(h.name)", "\(h.name): \(echoed)")
        }

        let line = "cd '\(s.folder.path)' && HOME='\(s.folder.path)' WARDEN_OPERATOR=tmux-op '\(WardenBinary.path)' --db '\(s.db)'"
        let t = try TmuxSession(line, width: 120, height: 40, folder: s.folder)
        t.waitFor(text: "mcp-relay")
        // Every host's simulator runs its instances under its host name.
        try eventually("each simulator's instances on its host", seconds: 20) {
            Set(try instanceHosts(s)).isSuperset(of: names)
        }
        // The Tree, filtered to the shared agent, its detail pane open: the three hosts' proxies.
        try t.send("/")
        try t.type("mcp-relay")
        try t.send("Enter")
        try t.send("G", "Enter")
        t.waitFor("the three hosts' proxies under mcp-relay", seconds: 15) { screen in
            names.allSatisfy { screen.contains("\($0) (github)") }
        }
        try t.send("Escape")
        try t.send("k")  // mcp-relay's delegator: fleet-lead
        try t.send("x")
        let dialog = t.waitFor(text: "Blast radius:")
        #expect(dialog.contains("fleet-lead"), "\(dialog)")
        try t.send("y")
        t.waitFor(text: "revoked fleet-lead")

        for h in hosts {
            let denied = try h.proxy.call("echo", ["text": "after the revoke"])
            let reason = MCPProxyClient.deniedReason(denied)
            #expect(reason == "agent_revoked" || reason == "ancestor_revoked", "\(h.name): \(denied)")
            #expect(h.proxy.executed.count == 1, "\(h.name): the denied call never reached the server: \(h.proxy.executed)")
        }
        let audit = try s.ok("audit", "--json").jsonArray()
        #expect(audit.contains { $0["action"] as? String == "agent.revoke" && $0["operator"] as? String == "tmux-op" })
        try t.send("q")
        t.waitFor("the dashboard to exit") { _ in t.isDead }
        for h in hosts {
            #expect(h.proxy.finish() == 0, "\(h.name): \(h.proxy.stderrText)")
            h.simulator.signal(SIGTERM)
            let r = h.simulator.wait(seconds: 20)
            #expect(r.status == 0 && r.stdout.contains("simulated"), "\(h.name): \(r)")
        }
    }

    /// The hosts of every instance in the store, through `agent show --json`.
    func instanceHosts(_ s: Sandbox) throws -> [String] {
        try s.ok("agent", "ls", "--json").jsonArray().compactMap { $0["id"] as? String }.flatMap { id in
            (try s.ok("agent", "show", id, "--json").jsonObject()["instances"] as? [[String: Any]] ?? [])
                .compactMap { $0["host"] as? String }
        }
    }
}
