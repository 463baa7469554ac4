import Testing
import WardenCore
import WardenStore
import WardenTestSupport

/// `agents()` returns agents in registration order, whichever connection registered them, and a
/// change to an agent does not move it.
@Suite("Conformance: the order of agents")
struct AgentOrderConformance {
    @Test(arguments: Backends.all)
    func agentsComeInRegistrationOrder(_ backend: BackendUnderTest) throws {
        let fresh = try backend.makeStore()
        let s = fresh.store, other = try fresh.open()
        let alice = "user:alice@acme.example"
        _ = try s.addPrincipal(id: alice, kind: .human, name: "Alice", scopes: .everything, m())
        // Names out of alphabetical order, parents and children interleaved, two connections.
        let zeta = try s.registerAgent(name: "zeta", delegator: alice, scopes: scopes("github/*"), ttlMs: nil, m())
        let alpha = try other.registerAgent(name: "alpha", delegator: zeta.id, scopes: scopes("github/*"), ttlMs: nil, m())
        let mid = try s.registerAgent(name: "mid", delegator: alice, scopes: scopes("slack/*"), ttlMs: nil, m())
        _ = try other.registerAgent(name: "beta", delegator: alpha.id, scopes: scopes("github/get_*"), ttlMs: nil, m())
        _ = try s.registerAgent(name: "omega", delegator: mid.id, scopes: scopes("slack/post_message"), ttlMs: nil, m())
        var order = ["zeta", "alpha", "mid", "beta", "omega"]
        #expect(try s.agents().map(\.name) == order)

        // Narrowing, revoking and issuing credentials change rows; none moves.
        _ = try s.narrow(agentID: zeta.id, .keep(scopes("github/get_*")), m())
        _ = try other.issueCredential(agentID: alpha.id, ttlMs: nil, scopes: nil, instanceID: nil, m())
        _ = try other.revokeAgent(mid.id, m())
        #expect(try s.agents().map(\.name) == order)

        // An imported fleet follows, delegators before their delegates.
        let doc = try FleetDocument.decode("""
            {"agents": [{"name": "yak", "by": "\(alice)", "scopes": ["k8s/*"],
                         "delegates": [{"name": "ant", "scopes": ["k8s/get_*"]}]},
                        {"name": "bee", "by": "\(alice)", "scopes": ["jira/*"]}]}
            """)
        _ = try other.importFleet(doc, m())
        order += ["yak", "ant", "bee"]
        #expect(try s.agents().map(\.name) == order)
        #expect(try fresh.open(readOnly: true).agents().map(\.name) == order)
    }

    /// One principal's agents are exactly its rows of `agents()`, in the same order, whichever
    /// connection registered them; the count bound is never below the number of agents.
    @Test(arguments: Backends.all)
    func agentsOfOnePrincipalKeepRegistrationOrder(_ backend: BackendUnderTest) throws {
        let fresh = try backend.makeStore()
        let s = fresh.store, other = try fresh.open()
        #expect(try s.agentCountBound() == 0)
        let alice = "user:alice@acme.example", bob = "user:bob@acme.example", carol = "user:carol@acme.example"
        for p in [alice, bob, carol] { _ = try s.addPrincipal(id: p, kind: .human, name: p, scopes: .everything, m()) }
        // Two principals' agents interleaved across two connections, delegates among them.
        var rng = SplitMix64(seed: 17)
        var tops: [String: [String]] = [alice: [], bob: []]
        for i in 0..<40 {
            let p = rng.next() % 2 == 0 ? alice : bob
            let conn = i % 3 == 0 ? other : s
            let by = tops[p]!.isEmpty || rng.next() % 2 == 0 ? p : tops[p]![Int(rng.next() % UInt64(tops[p]!.count))]
            let a = try conn.registerAgent(name: "a\(i)", delegator: by, scopes: scopes("github/*"), ttlMs: nil, m())
            tops[p]!.append(a.id)
        }
        _ = try other.revokeAgent(tops[alice]![0], m())
        let all = try s.agents()
        for p in [alice, bob] {
            let mine = try s.agents(ofPrincipal: p)
            #expect(mine == all.filter { $0.principalID == p })
            #expect(try fresh.open(readOnly: true).agents(ofPrincipal: p) == mine)
        }
        #expect(try s.agents(ofPrincipal: carol).isEmpty)
        #expect(try s.agents(ofPrincipal: "user:nobody@acme.example").isEmpty)
        #expect(try s.agentCountBound() >= all.count)
        // The whole tree's first read keeps the principals' order (by bytes: "Z" before "a"),
        // so the roots a first screen showed do not move when the whole tree lands.
        _ = try s.addPrincipal(id: "user:Zed@acme.example", kind: .human, name: "Zed", scopes: .everything, m())
        let byID = try s.principals().map(\.id)
        #expect(byID.first == "user:Zed@acme.example" && byID == byID.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        #expect(try s.changedRows(afterVersion: 0).principals.map(\.id) == byID)
        #expect(try other.agentCountBound() >= 40)
    }
}
