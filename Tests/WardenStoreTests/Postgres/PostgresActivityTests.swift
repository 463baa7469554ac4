import Testing
import WardenCore
import WardenStore
import WardenTestSupport
@testable import WardenPostgres

@Suite("PostgreSQL activity and change feed", .enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
struct PostgresActivityTests {
    @Test("a batch of calls is one insert with consecutive sequence numbers, counted by minute and tool")
    func recordCalls() throws {
        let f = try PostgresFeedFixture()
        let s = try f.open()
        let a = f.agentIDs[0]
        let calls = [PostgresFeedFixture.call(a, at: 60_000), PostgresFeedFixture.call(a, at: 61_000, decision: .deny),
                     PostgresFeedFixture.call(a, at: 125_000)]
        let seqs = try s.recordCalls(calls)
        #expect(seqs == [1, 2, 3])
        let more = try s.recordCalls([calls[0]])
        #expect(more == [4])
        #expect(try s.connection.query("SELECT count(*) FROM tool_calls").first { $0.int(0) } == 4)
        let minutes = try s.connection.query("SELECT minute, calls, denied FROM call_minutes ORDER BY minute").map { r throws(StoreError) in
            [r.int64(0), r.int64(1), r.int64(2)]
        }
        #expect(minutes == [[1, 3, 1], [2, 1, 0]])
        #expect(try s.connection.query("SELECT last_at FROM tool_last_used").first { $0.int64(0) } == 125_000)
        #expect(try s.recordCalls([]) == [])
    }

    @Test("a text with quotes, backslashes, commas and braces survives the array encoding")
    func awkwardText() throws {
        let f = try PostgresFeedFixture()
        let s = try f.open()
        var call = PostgresFeedFixture.call(f.agentIDs[0], at: 1)
        call.args = #"{"path": "C:\\x, y", "q": "NULL"} é"#
        let seq = try s.recordCalls([call])[0]
        let stored = try s.connection.query("SELECT \(PostgresStore.callColumns) FROM tool_calls WHERE seq = $1", [seq]).first { s.callRow($0) }
        #expect(stored?.args == call.forRecording().args)
        #expect(stored?.instanceID == nil && stored?.reason == nil)
    }

    @Test("an outcome finishes the keyed call once, by its own credential, and advances the outcome cursor")
    func outcomes() throws {
        let f = try PostgresFeedFixture()
        let s = try f.open()
        let a = f.agentIDs[0]
        let key = CallKey(session: "s1", toolUse: "t1")
        let seq = try s.recordCall(PostgresFeedFixture.call(a, at: 1_000, credential: "tok_1"), key: key)
        #expect(try s.callOutcomes(after: 0, limit: 10).calls.isEmpty)
        let wrong = try s.recordOutcome(key: key, credentialID: "tok_2", result: .ok, at: 1_500)
        #expect(wrong == nil, "another credential cannot finish the call")
        let done = try s.recordOutcome(key: key, credentialID: "tok_1", result: .error, at: 1_250)
        #expect(done?.seq == seq && done?.result == .error && done?.durationMs == 250)
        let again = try s.recordOutcome(key: key, credentialID: "tok_1", result: .ok, at: 9_000)
        #expect(again?.result == .error && again?.durationMs == 250, "the first outcome stands")
        let outcomes = try s.callOutcomes(after: 0, limit: 10)
        #expect(outcomes.calls.map(\.seq) == [seq] && outcomes.cursor == 1)
        #expect(try s.callOutcomes(after: outcomes.cursor, limit: 10).calls.isEmpty)
        #expect(try s.callOutcomes(after: outcomes.cursor, limit: 10).cursor == outcomes.cursor)
    }

    @Test("instance events write rows the change feed returns by version; an unknown agent is refused")
    func instances() throws {
        let f = try PostgresFeedFixture()
        let s = try f.open()
        let a = f.agentIDs[0]
        let first = try s.changedRows(after: .all(after: 0))
        #expect(first.agents.map(\.id) == f.agentIDs, "a first read lists agents in registration order")
        #expect(first.principals.count == 1 && first.instances.isEmpty)
        try s.recordInstanceEvents([
            .started(Instance(id: "i1", agentID: a, host: "h1", pid: 7, startedAt: 10, lastHeartbeat: 10)),
            .heartbeat(instanceID: "i1", at: 20),
        ])
        let after = try s.changedRows(after: .all(after: first.version))
        #expect(after.agents.isEmpty && after.principals.isEmpty)
        #expect(after.instances.map(\.id) == ["i1"] && after.instances.first?.lastHeartbeat == 20)
        try s.recordInstanceEvents([.stopped(instanceID: "i1", at: 30), .heartbeat(instanceID: "i1", at: 25)])
        let stopped = try s.changedRows(after: RowVersions(structure: nil, credentials: nil, instances: after.version))
        #expect(stopped.instances.first?.stoppedAt == 30 && stopped.instances.first?.lastHeartbeat == 30)
        #expect(try s.changedRows(after: .all(after: stopped.version)).isEmpty)
        #expect(throws: StoreError.notFound("no agent 'nobody' for instance 'i2'")) {
            try s.recordInstanceEvents([.started(Instance(id: "i2", agentID: "nobody", host: "h", pid: nil, startedAt: 0, lastHeartbeat: 0))])
        }
    }

    @Test("the change signal moves when another connection commits")
    func changeSignal() throws {
        let f = try PostgresFeedFixture()
        let reader = try f.open(), writer = try f.open()
        for i in 0..<3 {
            let before = try reader.changeSignal()
            try writer.recordCalls([PostgresFeedFixture.call(f.agentIDs[0], at: Int64(i))])
            // The signal is cluster-wide, so other databases may move it too: only a move is asserted.
            #expect(try reader.changeSignal() != before)
        }
    }

    @Test("a read-only connection records nothing")
    func readOnly() throws {
        let f = try PostgresFeedFixture()
        let s = try f.open(readOnly: true)
        #expect(throws: StoreError.readOnly) { try s.recordCalls([PostgresFeedFixture.call(f.agentIDs[0], at: 1)]) }
        #expect(throws: StoreError.readOnly) { try s.recordInstanceEvents([.heartbeat(instanceID: "i1", at: 1)]) }
        #expect(try s.changedRows(after: .all(after: 0)).agents.count == 2, "and still reads the feed")
    }
}
