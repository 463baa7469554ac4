import Testing
import WardenCore
import WardenSQLite
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
}
