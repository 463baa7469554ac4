import Foundation
import Testing
import WardenCore
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

/// Telemetry in bulk on the SQLite file: checkpoints beside the writer while a reader reads.
@Suite("Telemetry bulk writes on SQLite")
struct TelemetryBulkTests {
    func call(_ agent: String, at: Timestamp = t0, source: Int = 0, decision: ToolCall.Decision = .allow) -> TelemetryEvent {
        TelemetryConformance.call(agent, at: at, source: source, decision: decision)
    }

    @Test func bulkWritesCheckpointBesideTheWriterAndCountEveryCall() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        let session = TelemetrySession(operatorName: "ingest")
        let reader = try t.open()
        t.store.beginBulkWrites()
        // The same agent by name and by ID (two references, one agent), several minutes.
        for b in 0..<12 {
            let events = (0..<1000).map { i in
                call(i % 2 == 0 ? "coder" : f.coder.id, at: t0 + Int64(b * 1000 + i) * 30, decision: i % 10 == 0 ? .deny : .allow)
            }
            let out = try t.store.applyTelemetry(events, session: session, atomically: false)
            #expect(out.applied == 1000 && out.rejected.isEmpty)
            #expect(try reader.calls(CallQuery(limit: 1)).count == 1)
        }
        t.store.endBulkWrites()
        t.store.endBulkWrites()  // unbalanced: ignored
        let minutes = try reader.callMinutes(since: 0)
        #expect(minutes.reduce(0) { $0 + $1.calls } == 12_000)
        #expect(minutes.reduce(0) { $0 + $1.denied } == 1_200)
        #expect(Set(minutes.map(\.agentID)) == [f.coder.id])
        #expect(try t.store.integrityProblems().isEmpty)
        // Writes after the bulk go on with SQLite's own checkpoints.
        _ = try t.store.applyTelemetry([call("coder", at: t0)], session: session, atomically: false)
        #expect(try reader.callMinutes(since: 0).reduce(0) { $0 + $1.calls } == 12_001)
    }
}
