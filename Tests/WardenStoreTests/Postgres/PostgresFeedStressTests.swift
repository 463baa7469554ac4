import Foundation
import Testing
import WardenCore
import WardenStore
import WardenTestSupport
@testable import WardenPostgres

/// Eight writers on their own connections and one reader polling the feed at the same time:
/// every call, every outcome and every instance row reaches the reader exactly once, whatever
/// order the writers' transactions commit in. Counts fit CI; the benchmark runs the full ones.
@Suite("PostgreSQL change feed under concurrent writers", .enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
struct PostgresFeedStressTests {
    static let writers = 8
    static let rounds = 15

    /// What the writers wrote and what the reader saw, shared by the threads under a lock.
    final class Ledger: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var written: Set<Int64> = []
        private(set) var finished: Set<Int64> = []
        private(set) var instances: Set<String> = []
        private(set) var errors: [String] = []
        private(set) var writersDone = 0

        func locked<T>(_ body: (Ledger) -> T) -> T { lock.lock(); defer { lock.unlock() }; return body(self) }
        func wrote(_ seqs: [Int64]) { locked { $0.written.formUnion(seqs) } }
        func finished(_ seq: Int64) { locked { _ = $0.finished.insert(seq) } }
        func started(_ id: String) { locked { _ = $0.instances.insert(id) } }
        func failed(_ e: Error) { locked { $0.errors.append(String(describing: e)) } }
        func writerDone() { locked { $0.writersDone += 1 } }
        var allWritersDone: Bool { locked { $0.writersDone == PostgresFeedStressTests.writers } }
    }

    /// The reader's view: what it was handed, in order, with each cursor it passed back.
    struct View {
        var callCursor: Int64 = 0, outcomeCursor: Int64 = 0, rowVersion: Int64 = 0
        var calls: [Int64] = [], outcomes: [Int64] = []
        var instanceVersions: [String: [Int64]] = [:]
        var heartbeats: [String: Timestamp] = [:]
        var problems: [String] = []

        /// One poll of all three cursors, as the dashboard reloads.
        mutating func poll(_ s: PostgresStore) throws(StoreError) {
            let newCalls = try s.connection.query("SELECT seq FROM tool_calls WHERE seq > $1 ORDER BY seq", [callCursor]).map { r throws(StoreError) in r.int64(0) }
            calls += newCalls
            callCursor = newCalls.last ?? callCursor
            while true {
                let page = try s.callOutcomes(after: outcomeCursor, limit: 7)
                if page.cursor < outcomeCursor { problems.append("the outcome cursor went back") }
                outcomes += page.calls.map(\.seq)
                outcomeCursor = page.cursor
                if page.calls.isEmpty { break }
            }
            let rows = try s.changedRows(after: RowVersions(structure: nil, credentials: nil, instances: rowVersion))
            if rows.version < rowVersion { problems.append("the row version went back") }
            rowVersion = rows.version
            for i in rows.instances {
                instanceVersions[i.id, default: []].append(rowVersion)
                heartbeats[i.id] = i.lastHeartbeat
            }
        }
    }

    @Test("8 writers and a reader: every call, outcome and instance change is seen exactly once")
    func eightWritersOneReader() throws {
        let f = try PostgresFeedFixture(agents: Self.writers)
        let ledger = Ledger()
        let group = DispatchGroup()
        let uri = f.db.uri
        for w in 0..<Self.writers {
            group.enter()
            let agent = f.agentIDs[w]
            Thread {
                defer { ledger.writerDone(); group.leave() }
                do { try Self.write(uri: uri, writer: w, agent: agent, ledger: ledger) } catch { ledger.failed(error) }
            }.start()
        }
        let reader = try f.open(readOnly: true)
        var view = View()
        var polls = 0
        while !ledger.allWritersDone {
            try view.poll(reader)
            polls += 1
        }
        group.wait()
        try view.poll(reader)  // what committed after the last poll during the run

        #expect(ledger.locked { $0.errors } == [])
        let finished = ledger.locked { $0.finished }
        // The store holds every call committed, by the activity path and by telemetry's rules path.
        let written = Set(try reader.connection.query("SELECT seq FROM tool_calls").map { r throws(StoreError) in r.int64(0) })
        #expect(ledger.locked { $0.written }.isSubset(of: written))
        let instances = ledger.locked { $0.instances }
        #expect(written.count == Self.writers * Self.rounds * 4, "every writer's calls committed")
        #expect(view.calls.count == Set(view.calls).count, "no call seen twice")
        #expect(written.subtracting(view.calls).sorted() == [], "no call skipped")
        #expect(Set(view.calls).subtracting(written).sorted() == [], "no call the writers did not make")
        #expect(view.outcomes.count == Set(view.outcomes).count, "no outcome seen twice")
        #expect(finished.subtracting(view.outcomes).sorted() == [], "no outcome skipped")
        #expect(finished.count == Self.writers * Self.rounds, "every outcome committed")
        #expect(instances.subtracting(view.instanceVersions.keys).sorted() == [], "every instance seen")
        for (id, versions) in view.instanceVersions where versions != versions.sorted() || Set(versions).count != versions.count {
            view.problems.append("instance \(id) came back at versions \(versions)")
        }
        let final = try reader.connection.query("SELECT id, last_heartbeat FROM instances").map { r throws(StoreError) in (r.string(0), r.int64(1)) }
        for (id, beat) in final where view.heartbeats[id] != beat {
            view.problems.append("instance \(id): the reader holds heartbeat \(view.heartbeats[id] ?? -1), the store \(beat)")
        }
        #expect(view.problems == [])
        #expect(polls > 0)
    }

    /// One writer's rounds: a batch of calls; a keyed call and, in a later transaction, its
    /// outcome; a new instance and a heartbeat of an earlier one in one transaction; a call
    /// reported as telemetry.
    static func write(uri: String, writer w: Int, agent: String, ledger: Ledger) throws {
        let s = try PostgresStore.open(uri: uri)
        for r in 0..<rounds {
            let at = Timestamp(r * 1_000 + w)
            let batch = try s.recordCalls([PostgresFeedFixture.call(agent, at: at), PostgresFeedFixture.call(agent, at: at + 1, decision: .deny)])
            ledger.wrote(batch)
            let key = CallKey(session: "w\(w)", toolUse: "r\(r)")
            let keyed = try s.recordCall(PostgresFeedFixture.call(agent, at: at, credential: "tok_w\(w)"), key: key)
            ledger.wrote([keyed])
            let done = try s.recordOutcome(key: key, credentialID: "tok_w\(w)", result: .ok, at: at + 5)
            if let done { ledger.finished(done.seq) }
            let id = "w\(w)-i\(r)"
            var events: [InstanceEvent] = [.started(Instance(id: id, agentID: agent, host: "host\(w)", pid: Int64(r), startedAt: at, lastHeartbeat: at))]
            if r > 0 { events.append(.heartbeat(instanceID: "w\(w)-i\(r - 1)", at: at + 2)) }
            try s.recordInstanceEvents(events)
            ledger.started(id)
            // A call reported as telemetry: written by the rules' transaction, on the same cursor.
            let reported = ToolCall(at: at + 3, agentID: "", server: "fs", tool: "list", decision: .allow)
            let out = try s.applyTelemetry([TelemetryEvent(at: at + 3, agent: agent, source: r, body: .toolCall(reported))],
                                           session: TelemetrySession(operatorName: "ingest"), atomically: true)
            if out.applied != 1 { ledger.failed(StoreError.invalid("telemetry refused: \(out.rejected)")) }
        }
    }
}
