import Testing
import WardenCore
import WardenStore
import WardenTestSupport

/// What a cascade revokes, against its preview: on random fleets with parts already revoked, the
/// plan returned is the plan previewed, and its journal record lists it.
@Suite("Conformance: cascade plans")
struct CascadePlanConformance {
    /// A random fleet under two principals with some of it already revoked, credentials on most
    /// agents, and instances live, stale and stopped. Returns the agents still active.
    func randomFleet(_ s: any FleetStore, seed: UInt64) throws -> (active: [Agent], principals: [String]) {
        var rng = SplitMix(seed: seed)
        let principals = ["user:a@acme.example", "user:b@acme.example"]
        for p in principals { _ = try s.addPrincipal(id: p, kind: .human, name: p, scopes: .everything, m()) }
        var agents: [Agent] = []
        for i in 0..<70 {
            let p = principals[Int(rng.next() % 2)]
            let mine = agents.filter { $0.principalID == p }
            let parent = mine.isEmpty || rng.next() % 5 == 0 ? nil : mine[Int(rng.next() % UInt64(mine.count))]
            let a = try s.registerAgent(name: "a\(i)", delegator: parent?.id ?? p, scopes: scopes("github/*"), ttlMs: nil, m())
            agents.append(a)
            for _ in 0..<Int(rng.next() % 3) {
                _ = try s.issueCredential(agentID: a.id, ttlMs: nil, scopes: nil, instanceID: nil, m())
            }
            if rng.next() % 2 == 0 {
                let beat = t0 + 100_000 - Int64(rng.next() % 60_000)
                try s.recordInstanceEvents([.started(Instance(id: "i\(i)", agentID: a.id, host: "h", pid: 1, startedAt: t0, lastHeartbeat: beat))])
                if rng.next() % 4 == 0 { try s.recordInstanceEvents([.stopped(instanceID: "i\(i)", at: beat)]) }
            }
        }
        // Some credentials and one branch revoked earlier: a cascade passes through them untouched.
        for c in try s.credentials(agentID: nil) where rng.next() % 6 == 0 {
            _ = try s.revokeCredential(c.id, m(t0 + 10))
        }
        let early = agents[Int(rng.next() % UInt64(agents.count))]
        _ = try s.revokeAgent(early.id, m(t0 + 20, reason: "early"))
        return (try s.agents().filter { !$0.isRevoked }, principals)
    }

    @Test(arguments: Backends.all, [UInt64(1), 2, 3, 4])
    func revokeReturnsThePreviewedPlanAndJournalsIt(_ backend: BackendUnderTest, seed: UInt64) throws {
        let t = try backend.makeStore()
        let s = t.store
        let (active, principals) = try randomFleet(s, seed: seed)
        let now = t0 + 100_000
        // An agent with descendants where there is one, so the cascade has something to walk.
        let victim = active.first { a in active.contains { $0.parentID == a.id } } ?? active[0]
        let preview = try s.revocationPlan(.agent(victim.id), now: now)
        let plan = try s.revokeAgent(victim.id, m(now, reason: "incident"))
        #expect(plan == preview, "same agents, credentials and order, same live count")
        #expect(plan.agents.first == victim.id)
        try expectJournaled(s, plan, action: "agent.revoke", target: victim.id, status: "revoked")

        let p = principals[Int(seed % 2)]
        let previewP = try s.revocationPlan(.principal(p), now: now + 1)
        let planP = try s.disablePrincipal(p, m(now + 1))
        #expect(planP == previewP)
        try expectJournaled(s, planP, action: "principal.disable", target: p, status: "disabled")
        #expect(try s.verifyAudit(expectedHead: nil).isIntact)
        // However a backend writes the cascade, the governed state stays bound to the journal.
        let state = try s.verifyState()
        #expect(state.isConsistent, "\(state)")
    }

    func expectJournaled(_ s: any FleetStore, _ plan: RevocationPlan, action: String, target: String, status: String) throws {
        let head = try #require(try s.auditHead())
        let record = try #require(try s.auditRecords(afterSeq: head.seq - 1, limit: 1).first)
        #expect(record.action == action && record.target == target)
        let after = try JSONParser.parse(try #require(record.after))
        #expect(after["status"]?.string == status)
        #expect(after["agents_revoked"]?.array?.compactMap(\.string) == plan.agents)
        #expect(after["credentials_revoked"]?.array?.compactMap(\.string) == plan.credentials)
        #expect(after["live_instances"]?.int64 == Int64(plan.liveInstances))
    }

    /// Random forests through the real store: the store's cascade matches WardenCore's plan, and
    /// afterwards exactly the subtree's credentials stop authorizing.
    @Test(arguments: Backends.all, [UInt64(41), 42, 43])
    func storeCascadeMatchesTheCorePlan(_ backend: BackendUnderTest, seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        let t = try backend.makeStore()
        let s = t.store
        _ = try s.addPrincipal(id: "user:a@acme.example", kind: .human, name: "a", scopes: .everything, m())
        var agents: [Agent] = []
        var tokens: [IssuedCredential] = []
        for i in 0..<80 {
            let parent = agents.isEmpty || rng.next() % 4 == 0 ? nil : agents[Int(rng.next() % UInt64(agents.count))]
            let a = try s.registerAgent(name: "a\(i)", delegator: parent?.id ?? "user:a@acme.example", scopes: scopes("github/*"), ttlMs: nil, m())
            agents.append(a)
            tokens.append(try s.issueCredential(agentID: a.id, ttlMs: nil, scopes: nil, instanceID: nil, m()))
        }
        let forest = DelegationForest(principals: try s.principals(), agents: try s.agents())
        let victim = agents[Int(rng.next() % UInt64(agents.count))]
        let corePlan = RevocationPlan.plan(.agent(victim.id), forest: forest, credentials: try s.credentials(agentID: nil), instances: [], now: t0)
        let storePlan = try s.revokeAgent(victim.id, m())
        #expect(Set(storePlan.agents) == Set(corePlan.agents))
        #expect(Set(storePlan.credentials) == Set(corePlan.credentials))
        let cut = Set(corePlan.agents)
        for (a, tok) in zip(agents, tokens) {
            let d = try s.authorize(secret: tok.secret, serverTool: "github/x", now: t0 + 1).decision
            #expect(d.isAllowed == !cut.contains(a.id))
        }
    }
}
