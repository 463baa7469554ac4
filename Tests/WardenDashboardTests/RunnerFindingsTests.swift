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
    static let t0: Timestamp = 1_800_000_000_000
    /// The runner's policy: a credential living longer than a minute is static, so a finding.
    static let staticPolicy: Policy = { var p = Policy.standard; p.maxCredentialTTLMs = 60_000; return p }()

    /// One principal and its agent `wide` (github/*), a second before `t0`; with an hour's
    /// credential (static by `staticPolicy`) when asked.
    static func wideAgent(credential: Bool) throws -> (TempStore, Agent) {
        let temp = try TempStore(prefix: "warden-runner")
        let m = Mutation(operatorName: "t", now: t0 - 1_000)
        _ = try temp.store.addPrincipal(id: "user:a@acme.example", kind: .human, name: "a", scopes: .everything, m)
        let agent = try temp.store.registerAgent(name: "wide", delegator: "user:a@acme.example", scopes: try ScopeSet(parsing: "github/*"), ttlMs: nil, m)
        if credential { _ = try temp.store.issueCredential(agentID: agent.id, ttlMs: 3_600_000, scopes: nil, instanceID: nil, m) }
        return (temp, agent)
    }

    /// A started runner on the store whose clock stands still at `t0`: findings can only follow
    /// what changes in the store. Stop it when done.
    static func runner(_ temp: TempStore, policy: Policy) -> EffectRunner {
        let runner = EffectRunner(store: SQLiteBackend(path: temp.path), readOnly: false, operatorName: "t", refreshMs: 20,
                                  policy: policy, themeSearch: [], clock: { t0 })
        runner.start()
        return runner
    }

    /// The first message `pick` answers for, waiting within a bound on a hang (not a measurement).
    static func first<T>(_ runner: EffectRunner, _ pick: (Msg) -> T?) -> T? {
        for _ in 0..<300 {
            for msg in runner.messages(waitMs: 100) { if let found = pick(msg) { return found } }
        }
        return nil
    }

    @Test func aRevocationsFindingsFollowAtOnceNotAtTheNextClockDrivenRound() throws {
        let (temp, agent) = try Self.wideAgent(credential: true)
        let runner = Self.runner(temp, policy: Self.staticPolicy)
        defer { runner.stop() }
        func findings(_ msg: Msg) -> [Finding]? { if case .findings(let f) = msg { f } else { nil } }
        #expect(Self.first(runner) { findings($0).flatMap { $0.contains { $0.kind == .staticCredential } ? true : nil } } == true)
        _ = try temp.store.revokeAgent(agent.id, Mutation(operatorName: "t", now: Self.t0))
        #expect(Self.first(runner) { findings($0).flatMap { $0.contains { $0.kind == .staticCredential } ? nil : true } } == true,
                "the revoked agent's static credential is no longer a finding")
    }

    /// The first findings go out before the whole check of the journal and the state (every
    /// governed row hashed), and the check follows at once, with findings that include its
    /// verdict: a store whose state drifted shows `state_drift` without waiting for the clock.
    @Test func theFirstFindingsDoNotWaitForTheStateCheckWhichFollowsAtOnce() throws {
        let (temp, agent) = try Self.wideAgent(credential: false)
        // An edit behind Warden's back: the state no longer matches the journal.
        try temp.store.db.exec("UPDATE agents SET name = 'renamed' WHERE id = '\(agent.id)'")
        let runner = Self.runner(temp, policy: .standard)
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

    /// A large store's first frame (the first screen's subtrees) adds a step before the whole
    /// tree: the first findings still go out once everything is loaded, over every agent, and
    /// the state check still follows at once.
    @Test func theFirstScreenStepKeepsTheFirstFindingsAndTheCheckAfterThem() throws {
        let (temp, agent) = try Self.wideAgent(credential: false)
        try temp.store.db.exec("UPDATE agents SET name = 'renamed' WHERE id = '\(agent.id)'")
        let runner = EffectRunner(store: SQLiteBackend(path: temp.path), readOnly: false, operatorName: "t", refreshMs: 20,
                                  policy: .standard, themeSearch: [], clock: { Self.t0 })
        runner.firstScreenAbove = 0
        runner.start()
        defer { runner.stop() }
        var log: [String] = []
        for _ in 0..<300 where !log.contains("drift") {
            for msg in runner.messages(waitMs: 100) {
                switch msg {
                case .snapshot(let snap, _):
                    log.append(snap.pending.contains(.structure) ? "screen" : !snap.pending.isEmpty ? "tree"
                               : snap.stateCheck == nil ? "loaded" : "checked")
                case .findings(let f): log.append(f.contains { $0.kind == .stateDrift } ? "drift" : "findings")
                default: break
                }
            }
        }
        #expect(Array(log.prefix(6)) == ["screen", "tree", "loaded", "findings", "checked", "drift"])
    }

    /// A consistent verdict changes no finding, so it starts no evaluation: the next findings
    /// after the state check are those of the next change (with 100,000 agents an evaluation
    /// for the verdict alone delayed the change's own by a whole round).
    @Test func aConsistentVerdictStartsNoEvaluationOfItsOwn() throws {
        let (temp, agent) = try Self.wideAgent(credential: true)
        let runner = Self.runner(temp, policy: Self.staticPolicy)
        defer { runner.stop() }
        let checked = Self.first(runner) { msg -> Bool? in
            if case .snapshot(let snap, _) = msg, snap.stateCheck?.isConsistent == true { true } else { nil }
        }
        #expect(checked == true)
        _ = try temp.store.revokeAgent(agent.id, Mutation(operatorName: "t", now: Self.t0))
        let next = Self.first(runner) { msg -> [Finding]? in if case .findings(let f) = msg { f } else { nil } }
        #expect(next.map { !$0.contains { $0.kind == .staticCredential } } == true, "the findings after the check are the revocation's")
    }

    /// The first findings are evaluated on a thread of their own while the index is built: they
    /// are exactly the fleet's findings, as the engine gives them from the store's rows.
    @Test func theFirstFindingsEvaluatedBesideTheIndexAreTheFleetsFindings() throws {
        let t0 = Self.t0
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
        let policy = Self.staticPolicy
        let runner = Self.runner(temp, policy: policy)
        defer { runner.stop() }
        let first = Self.first(runner) { msg -> [Finding]? in if case .findings(let f) = msg { f } else { nil } }
        let expected = FindingsEngine.evaluate(FindingsEngine.Input(
            principals: try s.principals(), agents: try s.agents(), credentials: try s.credentials(agentID: nil),
            instances: try s.instances(agentID: nil), calls: try s.calls(CallQuery(limit: FindingsEngine.callWindow)),
            usage: try s.toolUsage(since: t0 - policy.unusedScopeMs), now: t0, policy: policy))
        #expect(Set(expected.map(\.kind)) == [.staticCredential, .staleInstance, .deepDelegation, .unregisteredAgent])
        #expect(first == expected)
    }
}
