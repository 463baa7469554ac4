import Testing
import WardenCore
import WardenStore
import WardenTestSupport
@testable import WardenPostgres

@Suite("PostgreSQL retention and telemetry", .enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
struct PostgresRetentionTelemetryTests {
    @Test("prune deletes old calls and long-stopped unbound instances batch by batch, and keeps the rest")
    func pruneInBatches() throws {
        let f = try PostgresFeedFixture()
        let s = try f.open()
        let a = f.agentIDs[0]
        try s.recordCalls((0..<7).map { PostgresFeedFixture.call(a, at: Int64($0) * 1_000) })
        try s.recordInstanceEvents([
            .started(Instance(id: "old", agentID: a, host: "h", pid: 1, startedAt: 0, lastHeartbeat: 0)),
            .stopped(instanceID: "old", at: 100),
            .started(Instance(id: "bound", agentID: a, host: "h", pid: 2, startedAt: 0, lastHeartbeat: 0)),
            .stopped(instanceID: "bound", at: 100),
            .started(Instance(id: "live", agentID: a, host: "h", pid: 3, startedAt: 0, lastHeartbeat: 0)),
        ])
        try s.connection.execute("""
            INSERT INTO credentials(id, agent_id, instance_id, secret_hash, scopes, issued_at)
            VALUES ('tok_bound', $1, 'bound', '\\x00'::bytea, '*', 0)
            """, [a])
        #expect(try s.prunable(callsBefore: 5_000, instancesStoppedBefore: 1_000) == PruneCounts(calls: 5, instances: 1))
        let read = try f.open(readOnly: true)
        #expect(throws: StoreError.readOnly) { try read.prune(callsBefore: 5_000, instancesStoppedBefore: 1_000, batch: 2) }
        let out = try s.prune(callsBefore: 5_000, instancesStoppedBefore: 1_000, batch: 2)
        #expect(out == PruneCounts(calls: 5, instances: 1, batches: 4))
        #expect(try s.connection.query("SELECT at FROM tool_calls ORDER BY seq").map { r throws(StoreError) in r.int64(0) } == [5_000, 6_000])
        #expect(try s.connection.query("SELECT id FROM instances ORDER BY id").map { r throws(StoreError) in r.string(0) } == ["bound", "live"])
        #expect(try s.connection.query("SELECT sum(calls) FROM call_minutes").first { $0.int64(0) } == 7, "aggregates are kept")
        #expect(try s.prune(callsBefore: 5_000, instancesStoppedBefore: 1_000, batch: 2) == PruneCounts())
    }

    @Test("a telemetry batch is one transaction: an unknown agent appears in the change feed with its call")
    func telemetry() throws {
        let f = try PostgresFeedFixture()
        let s = try f.open()
        let reader = try f.open(readOnly: true)
        let start = try reader.changedRows(after: .all(after: 0))
        let call = ToolCall(at: 1_000, agentID: "", server: "fs", tool: "read", decision: .allow)
        let out = try s.applyTelemetry([
            TelemetryEvent(at: 1_000, agent: "stranger", source: 1, body: .toolCall(call)),
            TelemetryEvent(at: 1_000, agent: "stranger", source: 2, body: .instanceStarted(instanceID: "st-0", host: "h", pid: 9)),
        ], session: TelemetrySession(operatorName: "ingest"), atomically: true)
        #expect(out.applied == 2 && out.rejected.isEmpty)
        let seen = try reader.changedRows(after: .all(after: start.version))
        #expect(seen.agents.map(\.name) == ["stranger"] && seen.agents.first?.registered == false)
        #expect(seen.instances.map(\.id) == ["st-0"])
        #expect(try reader.connection.query("SELECT agent_id FROM tool_calls").first { $0.string(0) } == seen.agents.first?.id)
        #expect(throws: StoreError.readOnly) {
            _ = try reader.applyTelemetry([TelemetryEvent(at: 1, agent: "x", source: 1, body: .toolCall(call))],
                                          session: TelemetrySession(operatorName: "ingest"), atomically: true)
        }
    }
}
