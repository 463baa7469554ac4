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
}
