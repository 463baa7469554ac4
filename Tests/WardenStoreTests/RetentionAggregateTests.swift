import Foundation
import Testing
import WardenCore
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

/// The tool-usage aggregate on SQLite: back-filled by its migration, kept by every writer
/// including the bulk loader, and equal to a scan of the calls.
@Suite("Retention aggregate on SQLite")
struct RetentionAggregateTests {
    @Test func migrationBackfillsToolUsageFromStoredCalls() throws {
        let t = try TempStore()
        let s = t.store
        let f = try RetentionConformance.Fleet(s)
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
        #expect(try reopened.toolUsage(since: RetentionConformance.now - 39 * RetentionConformance.day) == [f.worker.id: ["github/get_issue"]])
    }

    @Test func everyCallWriterKeepsTheAggregate() throws {
        let t = try TempStore()
        let s = t.store
        let f = try RetentionConformance.Fleet(s)
        // recordCalls (in Fleet), telemetry, and the bulk loader: the latest allowed call only.
        let session = TelemetrySession(operatorName: "ingest")
        let events = [(RetentionConformance.now, ToolCall.Decision.allow), (RetentionConformance.now - 5, .allow), (RetentionConformance.now + 5, .deny)].map { at, d in
            TelemetryEvent(at: at, agent: f.worker.id, source: 0, body: .toolCall(
                ToolCall(at: at, agentID: "", server: "jira", tool: "get_ticket", decision: d)))
        }
        _ = try s.applyTelemetry(events, session: session, atomically: true)
        #expect(try s.toolUsage(since: RetentionConformance.now)[f.worker.id] == ["jira/get_ticket"])
        #expect(try s.toolUsage(since: RetentionConformance.now + 1)[f.worker.id] == nil, "a denial is no use")
        try s.bulkLoad(principals: [], agents: [], credentials: [], instances: [], callCount: 2, call: { i in
            ToolCall(at: RetentionConformance.now + 10, agentID: f.worker.id, server: "pagerduty", tool: i == 0 ? "ack" : "page",
                     decision: i == 0 ? .allow : .deny)
        }, now: RetentionConformance.now)
        #expect(try s.toolUsage(since: RetentionConformance.now + 10)[f.worker.id] == ["pagerduty/ack"])
        // What the writers keep is what a scan of the calls finds.
        let scanned = try s.db.prepare("""
            SELECT agent_id, server, tool, max(at) FROM tool_calls WHERE decision = 'allow' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """).all { "\($0.string(0)) \($0.string(1))/\($0.string(2)) \($0.int(3))" }
        let kept = try s.db.prepare("SELECT agent_id, server, tool, last_at FROM tool_last_used ORDER BY 1, 2, 3")
            .all { "\($0.string(0)) \($0.string(1))/\($0.string(2)) \($0.int(3))" }
        #expect(kept == scanned)
    }
}
