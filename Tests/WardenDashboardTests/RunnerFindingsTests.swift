import Testing
import WardenCore
@testable import WardenSQLite
import WardenStore
import WardenTestSupport
@testable import WardenDashboard

/// The runner recomputes findings as soon as agents or credentials change, even when the load
/// that brought the change is followed at once by one that verifies its journal record.
@Suite("Dashboard runner findings")
struct RunnerFindingsTests {
    @Test func aRevocationsFindingsFollowAtOnceNotAtTheNextClockDrivenRound() throws {
        let t0: Timestamp = 1_800_000_000_000
        let temp = try TempStore(prefix: "warden-runner")
        let s = temp.store
        let m = Mutation(operatorName: "t", now: t0 - 1_000)
        _ = try s.addPrincipal(id: "user:a@acme.example", kind: .human, name: "a", scopes: .everything, m)
        let agent = try s.registerAgent(name: "wide", delegator: "user:a@acme.example", scopes: try ScopeSet(parsing: "github/*"), ttlMs: nil, m)
        // Static by the runner's policy (it lives longer than a minute): a finding until revoked.
        _ = try s.issueCredential(agentID: agent.id, ttlMs: 3_600_000, scopes: nil, instanceID: nil, m)
        var policy = Policy.standard
        policy.maxCredentialTTLMs = 60_000
        // The clock stands still: findings can only follow the change itself.
        let runner = EffectRunner(store: SQLiteBackend(path: temp.path), readOnly: false, operatorName: "t", refreshMs: 20,
                                  policy: policy, themeSearch: [], clock: { t0 })
        runner.start()
        defer { runner.stop() }
        func until(_ done: (Msg) -> Bool) -> Bool {
            // A bound on a hang, not a measurement.
            for _ in 0..<300 { if runner.messages(waitMs: 100).contains(where: done) { return true } }
            return false
        }
        #expect(until { if case .findings(let f) = $0 { f.contains { $0.kind == .staticCredential } } else { false } })
        _ = try s.revokeAgent(agent.id, Mutation(operatorName: "t", now: t0))
        #expect(until { if case .findings(let f) = $0 { !f.contains { $0.kind == .staticCredential } } else { false } },
                "the revoked agent's static credential is no longer a finding")
    }

    /// The first findings go out before the whole check of the journal and the state (every
    /// governed row hashed), and the check follows at once, with findings that include its
    /// verdict: a store whose state drifted shows `state_drift` without waiting for the clock.
    @Test func theFirstFindingsDoNotWaitForTheStateCheckWhichFollowsAtOnce() throws {
        let t0: Timestamp = 1_800_000_000_000
        let temp = try TempStore(prefix: "warden-runner")
        let s = temp.store
        let m = Mutation(operatorName: "t", now: t0 - 1_000)
        _ = try s.addPrincipal(id: "user:a@acme.example", kind: .human, name: "a", scopes: .everything, m)
        let agent = try s.registerAgent(name: "wide", delegator: "user:a@acme.example", scopes: try ScopeSet(parsing: "github/*"), ttlMs: nil, m)
        // An edit behind Warden's back: the state no longer matches the journal.
        try s.db.exec("UPDATE agents SET name = 'renamed' WHERE id = '\(agent.id)'")
        let runner = EffectRunner(store: SQLiteBackend(path: temp.path), readOnly: false, operatorName: "t", refreshMs: 20,
                                  policy: .standard, themeSearch: [], clock: { t0 })
        runner.start()
        defer { runner.stop() }
        var log: [String] = []
        // A bound on a hang, not a measurement.
        for _ in 0..<300 where !log.contains("drift") {
            for msg in runner.messages(waitMs: 100) {
                switch msg {
                case .snapshot(let snap, _) where snap.pending.isEmpty: log.append(snap.stateCheck == nil ? "loaded" : "checked")
                case .findings(let f): log.append(f.contains { $0.kind == .stateDrift } ? "drift" : "findings")
                default: break
                }
            }
        }
        #expect(Array(log.prefix(4)) == ["loaded", "findings", "checked", "drift"])
    }

    /// A consistent verdict changes no finding, so it starts no evaluation: the next findings
    /// after the state check are those of the next change (with 100,000 agents an evaluation
    /// for the verdict alone delayed the change's own by a whole round).
    @Test func aConsistentVerdictStartsNoEvaluationOfItsOwn() throws {
        let t0: Timestamp = 1_800_000_000_000
        let temp = try TempStore(prefix: "warden-runner")
        let s = temp.store
        let m = Mutation(operatorName: "t", now: t0 - 1_000)
        _ = try s.addPrincipal(id: "user:a@acme.example", kind: .human, name: "a", scopes: .everything, m)
        let agent = try s.registerAgent(name: "wide", delegator: "user:a@acme.example", scopes: try ScopeSet(parsing: "github/*"), ttlMs: nil, m)
        _ = try s.issueCredential(agentID: agent.id, ttlMs: 3_600_000, scopes: nil, instanceID: nil, m)
        var policy = Policy.standard
        policy.maxCredentialTTLMs = 60_000
        let runner = EffectRunner(store: SQLiteBackend(path: temp.path), readOnly: false, operatorName: "t", refreshMs: 20,
                                  policy: policy, themeSearch: [], clock: { t0 })
        runner.start()
        defer { runner.stop() }
        var checked = false
        // Bounds on a hang, not measurements.
        for _ in 0..<300 where !checked {
            checked = runner.messages(waitMs: 100).contains { if case .snapshot(let snap, _) = $0 { snap.stateCheck?.isConsistent == true } else { false } }
        }
        #expect(checked)
        _ = try s.revokeAgent(agent.id, Mutation(operatorName: "t", now: t0))
        var next: [Finding]?
        for _ in 0..<300 where next == nil {
            for case .findings(let f) in runner.messages(waitMs: 100) where next == nil { next = f }
        }
        #expect(next.map { !$0.contains { $0.kind == .staticCredential } } == true, "the findings after the check are the revocation's")
    }

    /// The first findings are evaluated on a thread of their own while the index is built: they
    /// are exactly the fleet's findings, as the engine gives them from the store's rows.
    @Test func theFirstFindingsEvaluatedBesideTheIndexAreTheFleetsFindings() throws {
        let t0: Timestamp = 1_800_000_000_000
        let temp = try TempStore(prefix: "warden-runner")
        let s = temp.store
        let m = Mutation(operatorName: "t", now: t0 - 3_600_000)
        _ = try s.addPrincipal(id: "user:a@acme.example", kind: .human, name: "a", scopes: try ScopeSet(parsing: "github/*"), m)
        let lead = try s.registerAgent(name: "lead", delegator: "user:a@acme.example", scopes: try ScopeSet(parsing: "github/get_*"), ttlMs: nil, m)
        var below = lead
        for i in 0..<6 { below = try s.registerAgent(name: "deep-\(i)", delegator: below.id, scopes: try ScopeSet(parsing: "github/get_issue"), ttlMs: nil, m) }
        _ = try s.issueCredential(agentID: lead.id, ttlMs: 7_200_000, scopes: nil, instanceID: nil, m)
        try s.recordInstanceEvents([.started(Instance(id: "i-stale", agentID: lead.id, host: "h", pid: 1, startedAt: t0 - 3_600_000, lastHeartbeat: t0 - 3_000_000))])
        try s.recordCalls([ToolCall(at: t0 - 1_000, agentID: "spiffe://acme.example/agent/stranger/1", server: "github", tool: "get_issue", decision: .deny, reason: "unknown_agent")])
        var policy = Policy.standard
        policy.maxCredentialTTLMs = 60_000
        let runner = EffectRunner(store: SQLiteBackend(path: temp.path), readOnly: false, operatorName: "t", refreshMs: 20,
                                  policy: policy, themeSearch: [], clock: { t0 })
        runner.start()
        defer { runner.stop() }
        var first: [Finding]?
        // A bound on a hang, not a measurement.
        for _ in 0..<300 where first == nil {
            for case .findings(let f) in runner.messages(waitMs: 100) where first == nil { first = f }
        }
        let expected = FindingsEngine.evaluate(FindingsEngine.Input(
            principals: try s.principals(), agents: try s.agents(), credentials: try s.credentials(agentID: nil),
            instances: try s.instances(agentID: nil), calls: try s.calls(CallQuery(limit: FindingsEngine.callWindow)),
            usage: try s.toolUsage(since: t0 - policy.unusedScopeMs), now: t0, policy: policy))
        #expect(Set(expected.map(\.kind)) == [.staticCredential, .staleInstance, .deepDelegation, .unregisteredAgent])
        #expect(first == expected)
    }
}
