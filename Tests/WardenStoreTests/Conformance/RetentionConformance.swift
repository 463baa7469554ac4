import Testing
import WardenCore
import WardenTestSupport
@testable import WardenStore

/// `store prune`: what the retention policy keeps, and what pruning must not change.
@Suite("Conformance: retention")
struct RetentionConformance {
    static let day: Int64 = 86_400_000
    /// Ninety days after the fleet was made.
    static let now = t0 + 90 * day

    /// alice → worker (no expiry), with calls every six hours over 90 days: github/get_issue
    /// throughout, slack/post_message only 40–50 days ago, and some denials.
    struct Fleet {
        let worker: Agent
        let bound: IssuedCredential
        init(_ s: any FleetStore) throws {
            _ = try s.addPrincipal(id: "user:alice@acme.example", kind: .human, name: "Alice", scopes: .everything, m())
            worker = try s.registerAgent(name: "worker", delegator: "user:alice@acme.example",
                                         scopes: scopes("github/get_issue,slack/post_message"), ttlMs: nil, m())
            var calls: [ToolCall] = []
            for i in 0..<(90 * 4) {
                let at = t0 + Int64(i) * 6 * 3_600_000 + 1
                let daysAgo = (RetentionConformance.now - at) / RetentionConformance.day
                let slack = (40...50).contains(daysAgo) && i % 2 == 0
                calls.append(ToolCall(at: at, agentID: worker.id, server: slack ? "slack" : "github",
                                      tool: slack ? "post_message" : "get_issue", decision: i % 7 == 0 ? .deny : .allow,
                                      reason: i % 7 == 0 ? "out_of_scope" : nil))
            }
            try s.recordCalls(calls)
            let stoppedLongAgo = RetentionConformance.now - 10 * RetentionConformance.day
            try s.recordInstanceEvents([
                .started(Instance(id: "old-unbound", agentID: worker.id, host: "h", pid: 1, startedAt: t0, lastHeartbeat: t0)),
                .started(Instance(id: "old-bound", agentID: worker.id, host: "h", pid: 2, startedAt: t0, lastHeartbeat: t0)),
                .started(Instance(id: "recently-stopped", agentID: worker.id, host: "h", pid: 3, startedAt: t0, lastHeartbeat: t0)),
                .started(Instance(id: "live", agentID: worker.id, host: "h", pid: 4, startedAt: t0, lastHeartbeat: RetentionConformance.now)),
            ])
            bound = try s.issueCredential(agentID: worker.id, ttlMs: 3_600_000, scopes: nil, instanceID: "old-bound", m())
            try s.recordInstanceEvents([
                .stopped(instanceID: "old-unbound", at: stoppedLongAgo),
                .stopped(instanceID: "old-bound", at: stoppedLongAgo),
                .stopped(instanceID: "recently-stopped", at: RetentionConformance.now - 2 * RetentionConformance.day),
            ])
        }
    }

    static let policy = Policy(unusedScopeMs: 60 * day, retainCallsMs: 30 * day, retainInstancesMs: 7 * day)

    func findings(_ s: any FleetStore) throws -> [Finding] {
        FindingsEngine.evaluate(FindingsEngine.Input(
            principals: try s.principals(), agents: try s.agents(), credentials: try s.credentials(agentID: nil),
            instances: try s.instances(agentID: nil), calls: try s.calls(CallQuery(limit: 10_000)),
            usage: try s.toolUsage(since: Self.now - Self.policy.unusedScopeMs), now: Self.now, policy: Self.policy,
            stateCheck: try s.verifyState()))
    }

    @Test(arguments: Backends.all)
    func pruneKeepsExactlyWhatThePolicySaysAndChangesNoFindingNorTheJournal(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let s = t.store
        _ = try Fleet(s)
        let callsBefore = Self.now - Self.policy.retainCallsMs, instancesBefore = Self.now - Self.policy.retainInstancesMs
        let all = try s.calls(CallQuery(limit: 100_000))
        let kept = Set(all.filter { $0.at >= callsBefore }.map(\.seq))
        #expect(all.count == 360 && !kept.isEmpty && kept.count < 360)
        let findingsBefore = try findings(s)
        let usageBefore = try s.toolUsage(since: Self.now - Self.policy.unusedScopeMs)
        let minutesBefore = try s.callMinutes(since: 0)
        let head = try s.auditHead()
        let auditBefore = try s.auditRecords(afterSeq: 0, limit: 1_000)
        // Slack was used only in calls the policy lets go: its usage must survive them.
        #expect(usageBefore.values.contains { $0.contains("slack/post_message") })

        let dry = try s.prunable(callsBefore: callsBefore, instancesStoppedBefore: instancesBefore)
        #expect(dry == PruneCounts(calls: 360 - kept.count, instances: 1))
        #expect(try s.calls(CallQuery(limit: 100_000)).count == 360, "counting changes nothing")

        let done = try s.prune(callsBefore: callsBefore, instancesStoppedBefore: instancesBefore, batch: 7)
        #expect(done.calls == dry.calls && done.instances == dry.instances)
        #expect(done.batches >= dry.calls / 7, "small batches, each its own transaction")
        #expect(Set(try s.calls(CallQuery(limit: 100_000)).map(\.seq)) == kept)
        #expect(Set(try s.instances(agentID: nil).map(\.id)) == ["old-bound", "recently-stopped", "live"])

        #expect(try findings(s) == findingsBefore)
        #expect(!findingsBefore.contains { $0.kind == .unusedScopes })
        #expect(try s.toolUsage(since: Self.now - Self.policy.unusedScopeMs) == usageBefore)
        #expect(try s.callMinutes(since: 0) == minutesBefore)
        #expect(try s.auditRecords(afterSeq: 0, limit: 1_000) == auditBefore, "the journal is never pruned")
        #expect(try s.auditHead() == head)
        #expect(try s.verifyAudit(expectedHead: head).isIntact)
        #expect(!(try s.verifyState().isDrifted))

        // A second run finds nothing left to prune.
        #expect(try s.prune(callsBefore: callsBefore, instancesStoppedBefore: instancesBefore, batch: 7) == PruneCounts())
        let stats = try s.storeStats()
        #expect(stats.oldestCall.map { $0 >= callsBefore } == true)
        #expect(stats.rows.first { $0.table == "tool_calls" }?.count == Int64(kept.count))
        #expect(stats.bytes > 0)
    }

    /// A `warden serve` that crashed on a host that is gone leaves a row that would read
    /// "silent" for ever: prune takes the rows quiet for as long as a prunable instance, and
    /// keeps one that beat (or stopped) more recently. A restart on the same address writes
    /// its row again.
    @Test(arguments: Backends.all)
    func pruneTakesServiceRowsSilentSinceTheInstancesLimit(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let s = t.store
        let limit = Self.now - Self.policy.retainInstancesMs
        func service(_ host: String, beat: Timestamp, stopped: Timestamp? = nil) -> ServiceRecord {
            ServiceRecord(host: host, listen: "127.0.0.1:8443", pid: 1, version: "test", startedAt: t0, lastHeartbeat: beat,
                          sessions: 0, stoppedAt: stopped)
        }
        try s.recordService(service("crashed-long-ago", beat: limit - 1))
        try s.recordService(service("stopped-long-ago", beat: limit - 10, stopped: limit - 5))
        try s.recordService(service("silent-lately", beat: limit + 1))
        try s.recordService(service("up", beat: Self.now))

        #expect(try s.prunable(callsBefore: 0, instancesStoppedBefore: limit) == PruneCounts(services: 2))
        #expect(try s.services().count == 4, "counting changes nothing")
        let done = try s.prune(callsBefore: 0, instancesStoppedBefore: limit, batch: 7)
        #expect(done.services == 2)
        #expect(Set(try s.services().map(\.host)) == ["silent-lately", "up"])
        #expect(try s.prune(callsBefore: 0, instancesStoppedBefore: limit, batch: 7) == PruneCounts())

        try s.recordService(service("crashed-long-ago", beat: Self.now))
        #expect(Set(try s.services().map(\.host)) == ["crashed-long-ago", "silent-lately", "up"])
    }
}
