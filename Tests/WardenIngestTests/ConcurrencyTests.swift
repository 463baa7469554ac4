import Foundation
import Testing
import WardenCore
import WardenIngest
import WardenSimulator
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore
import WardenSystem

/// Several writers on one store at once, each with its own connection (as separate processes
/// would have), while a reader polls: every event lands exactly once and no busy error surfaces.
@Suite("Concurrent ingest")
struct ConcurrencyTests {
    @Test func fourIngestersAndASimulatorWhileAReaderPolls() throws {
        let t = try TempStore()
        _ = try Fleet(t.store)
        let perFile = 3000
        var paths: [String] = []
        for k in 0..<4 {
            var text = ""
            for i in 0..<perFile {
                // Every fourth line from an identity nobody registered: all four writers race to create it.
                let agent = i % 4 == 0 ? "shadow-\(i % 3)" : (i % 2 == 0 ? "planner" : "coder")
                text += #"{"type":"tool_call","time":\#(1_795_900_000_000 + Int64(i) * 10),"agent":"\#(agent)","server":"github","tool":"get_issue","decision":"allow","args":"w\#(k)-\#(i)"}"# + "\n"
            }
            paths.append(try t.file("w\(k).ndjson", text))
        }
        let dbPath = t.path
        let group = DispatchGroup()
        let results = Output()
        let errors = Output()
        // The simulator lives on the fixture's clock (t0 plus real elapsed time), so the fixture's
        // agents are alive for it whatever today's date is.
        let started = WallClock.now()
        let sim = SimulatorThread.start(store: t.backend, seed: 11, rate: 200, agents: 5, tickMs: 10,
                                        clock: { t0 + (WallClock.now() - started) })
        let stopReader = Atomic(false)
        let polls = Output()
        let reader = Thread {
            let store = try! SQLiteBackend(path: dbPath).open(for: .operations(readOnly: true))
            var last: Int64 = -1, n = 0
            while !stopReader.value {
                do {
                    let c = try store.changeSignal()
                    if c != last { last = c; _ = try store.calls(CallQuery(limit: 50)); n += 1 }
                } catch { errors.write("reader: \(error)\n") }
                usleep(2000)
            }
            polls.write("\(n)")
        }
        reader.start()
        for path in paths {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let store = try SQLiteBackend(path: dbPath).open(for: .operations(readOnly: false))
                    let code = IngestCommand.run(store: store, input: path, operatorName: "tester",
                                                 stdout: results.write, stderr: errors.write, progress: false)
                    results.write("exit \(code)\n")
                } catch { errors.write("open: \(error)\n") }
            }.start()
        }
        #expect(group.wait(timeout: .now() + 120) == .success)
        sim.stop()
        stopReader.value = true
        usleep(50_000)
        #expect(errors.value.isEmpty, "\(errors.value)")
        #expect(sim.error == nil)
        #expect(results.lines.filter { $0 == "exit 0" }.count == 4, "\(results.value)")
        #expect(results.lines.filter { $0.hasPrefix("\(perFile) lines: \(perFile) ingested") }.count == 4)
        #expect(Int(polls.value) ?? 0 > 1)
        // Exactly once: every tagged call is there, none twice.
        let calls = try t.calls()
        let tagged = calls.compactMap(\.args).filter { $0.wholeMatch(of: /w[0-9]-.*/) != nil }
        #expect(tagged.count == 4 * perFile && Set(tagged).count == 4 * perFile)
        // The simulator's calls landed too, and the per-minute counts agree with the rows.
        let perMinute = try t.open().callMinutes(since: 0).reduce(0) { $0 + $1.calls }
        #expect(calls.count == perMinute)
        #expect(calls.count > 4 * perFile)
        // Three unregistered identities, each created once.
        #expect(try t.agents().filter { !$0.registered }.count == 3)
    }
}

/// A flag shared between threads.
final class Atomic<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var v: T
    init(_ v: T) { self.v = v }
    var value: T {
        get { lock.withLock { v } }
        set { lock.withLock { v = newValue } }
    }
}
