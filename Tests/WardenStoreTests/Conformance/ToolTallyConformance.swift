import Testing
import WardenCore
import WardenTestSupport
@testable import WardenStore

/// The per-tool reads behind unused scopes (`toolUsage`) and the Tools view's hour of calls
/// (`toolActivity`) give what the calls themselves say, however the backend tallies them.
@Suite("Conformance: tool usage and activity tallies")
struct ToolTallyConformance {
    @Test(arguments: Backends.all)
    func usageAndActivityMatchACountOverTheCalls(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let s = t.store
        _ = try s.addPrincipal(id: "user:alice@acme.example", kind: .human, name: "Alice", scopes: .everything, m())
        var agents: [String] = []
        for i in 0..<6 {
            agents.append(try s.registerAgent(name: "worker-\(i)", delegator: "user:alice@acme.example", scopes: .everything, ttlMs: nil, m()).id)
        }
        // Names of several lengths (past a short string's 15 bytes), one not ASCII.
        let tools = [("github", "get_issue"), ("github", "create_pull_request"), ("slack", "post"), ("k8s", "rollout_restart_deployment"), ("jira", "tâche")]
        var rng = SplitMix64(seed: 17)
        var calls: [ToolCall] = []
        // Two hours of calls in time order, agents and tools interleaved at random.
        for i in 0..<2_000 {
            let (server, tool) = tools[Int(rng.next() % UInt64(tools.count))]
            let deny = rng.next() % 4 == 0
            calls.append(ToolCall(at: t0 + Int64(i) * 3_600, agentID: agents[Int(rng.next() % UInt64(agents.count))], server: server, tool: tool,
                                  decision: deny ? .deny : .allow, reason: deny ? "scope_not_granted" : nil))
        }
        try s.recordCalls(calls)
        for since in [t0, t0 + 3_600_000, t0 + 7_000_000, t0 + 8_000_000] {
            var usage: [String: Set<String>] = [:]
            var activity: [String: (calls: Int64, denied: Int64)] = [:]
            for c in calls where c.at >= since {
                let key = c.server + "/" + c.tool
                if c.decision == .allow { usage[c.agentID, default: []].insert(key) }
                activity[key, default: (0, 0)].calls += 1
                if c.decision == .deny { activity[key, default: (0, 0)].denied += 1 }
            }
            #expect(try s.toolUsage(since: since) == usage, "since \(since - t0)")
            let read = try s.toolActivity(since: since)
            #expect(read.mapValues { [$0.calls, $0.denied] } == activity.mapValues { [$0.calls, $0.denied] }, "since \(since - t0)")
        }
    }
}
