import Foundation
import Testing
import WardenCore
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

/// `store prune`: what the retention policy keeps, and what pruning must not change.
@Suite("Retention")
struct RetentionTests {
    static let day: Int64 = 86_400_000
    /// Ninety days after the fleet was made.
    static let now = t0 + 90 * day

    /// alice → worker (no expiry), with calls every six hours over 90 days: github/get_issue
    /// throughout, slack/post_message only 40–50 days ago, and some denials.
    struct Fleet {
        let worker: Agent
        let bound: IssuedCredential
        init(_ s: SQLiteStore) throws {
            _ = try s.addPrincipal(id: "user:alice@acme.example", kind: .human, name: "Alice", scopes: .everything, m())
            worker = try s.registerAgent(name: "worker", delegator: "user:alice@acme.example",
                                         scopes: scopes("github/get_issue,slack/post_message"), ttlMs: nil, m())
            var calls: [ToolCall] = []
            for i in 0..<(90 * 4) {
                let at = t0 + Int64(i) * 6 * 3_600_000 + 1
                let daysAgo = (RetentionTests.now - at) / RetentionTests.day
                let slack = (40...50).contains(daysAgo) && i % 2 == 0
                calls.append(ToolCall(at: at, agentID: worker.id, server: slack ? "slack" : "github",
                                      tool: slack ? "post_message" : "get_issue", decision: i % 7 == 0 ? .deny : .allow,
                                      reason: i % 7 == 0 ? "out_of_scope" : nil))
            }
            try s.recordCalls(calls)
            let stoppedLongAgo = RetentionTests.now - 10 * RetentionTests.day
            try s.recordInstanceEvents([
                .started(Instance(id: "old-unbound", agentID: worker.id, host: "h", pid: 1, startedAt: t0, lastHeartbeat: t0)),
                .started(Instance(id: "old-bound", agentID: worker.id, host: "h", pid: 2, startedAt: t0, lastHeartbeat: t0)),
                .started(Instance(id: "recently-stopped", agentID: worker.id, host: "h", pid: 3, startedAt: t0, lastHeartbeat: t0)),
                .started(Instance(id: "live", agentID: worker.id, host: "h", pid: 4, startedAt: t0, lastHeartbeat: RetentionTests.now)),
            ])
            bound = try s.issueCredential(agentID: worker.id, ttlMs: 3_600_000, scopes: nil, instanceID: "old-bound", m())
            try s.recordInstanceEvents([
                .stopped(instanceID: "old-unbound", at: stoppedLongAgo),
                .stopped(instanceID: "old-bound", at: stoppedLongAgo),
                .stopped(instanceID: "recently-stopped", at: RetentionTests.now - 2 * RetentionTests.day),
            ])
        }
    }

    static let policy = Policy(unusedScopeMs: 60 * day, retainCallsMs: 30 * day, retainInstancesMs: 7 * day)

    func findings(_ s: SQLiteStore) throws -> [Finding] {
        FindingsEngine.evaluate(FindingsEngine.Input(
            principals: try s.principals(), agents: try s.agents(), credentials: try s.credentials(agentID: nil),
            instances: try s.instances(agentID: nil), calls: try s.calls(CallQuery(limit: 10_000)),
            usage: try s.toolUsage(since: Self.now - Self.policy.unusedScopeMs), now: Self.now, policy: Self.policy,
            stateCheck: try s.verifyState()))
    }

    @Test func pruneKeepsExactlyWhatThePolicySaysAndChangesNoFindingNorTheJournal() throws {
        let t = try TempStore()
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

    @Test func migrationBackfillsToolUsageFromStoredCalls() throws {
        let t = try TempStore()
        let s = t.store
        let f = try Fleet(s)
        let expected = try s.toolUsage(since: 0)
        #expect(expected[f.worker.id] == ["github/get_issue", "slack/post_message"])
        // Back to the schema before the aggregate (and the migrations after it), then open: the
        // migration rebuilds it.
        try rollBackCallOutcomes(s)
        try s.db.exec("""
            DROP TABLE tool_last_used;
            PRAGMA user_version = \(Migrations.all.firstIndex(of: Migrations.toolLastUsed)!);
            """)
        let reopened = try t.open()
        #expect(try reopened.toolUsage(since: 0) == expected)
        #expect(try reopened.toolUsage(since: Self.now - 39 * Self.day) == [f.worker.id: ["github/get_issue"]])
    }

    @Test func everyCallWriterKeepsTheAggregate() throws {
        let t = try TempStore()
        let s = t.store
        let f = try Fleet(s)
        // recordCalls (in Fleet), telemetry, and the bulk loader: the latest allowed call only.
        let session = TelemetrySession(operatorName: "ingest")
        let events = [(Self.now, ToolCall.Decision.allow), (Self.now - 5, .allow), (Self.now + 5, .deny)].map { at, d in
            TelemetryEvent(at: at, agent: f.worker.id, source: 0, body: .toolCall(
                ToolCall(at: at, agentID: "", server: "jira", tool: "get_ticket", decision: d)))
        }
        _ = try s.applyTelemetry(events, session: session, atomically: true)
        #expect(try s.toolUsage(since: Self.now)[f.worker.id] == ["jira/get_ticket"])
        #expect(try s.toolUsage(since: Self.now + 1)[f.worker.id] == nil, "a denial is no use")
        try s.bulkLoad(principals: [], agents: [], credentials: [], instances: [], callCount: 2, call: { i in
            ToolCall(at: Self.now + 10, agentID: f.worker.id, server: "pagerduty", tool: i == 0 ? "ack" : "page",
                     decision: i == 0 ? .allow : .deny)
        }, now: Self.now)
        #expect(try s.toolUsage(since: Self.now + 10)[f.worker.id] == ["pagerduty/ack"])
        // What the writers keep is what a scan of the calls finds.
        let scanned = try s.db.prepare("""
            SELECT agent_id, server, tool, max(at) FROM tool_calls WHERE decision = 'allow' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """).all { "\($0.string(0)) \($0.string(1))/\($0.string(2)) \($0.int(3))" }
        let kept = try s.db.prepare("SELECT agent_id, server, tool, last_at FROM tool_last_used ORDER BY 1, 2, 3")
            .all { "\($0.string(0)) \($0.string(1))/\($0.string(2)) \($0.int(3))" }
        #expect(kept == scanned)
    }
}
