import Foundation
import WardenCore
import WardenSQLite
import WardenStore

/// NDJSON ingest throughput against the physical limit on the same machine: the `sqlite3`
/// shell inserting the same rows into the same schema in one transaction.
public enum IngestBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        public var events: Int
        /// Decoding alone (no store), events per second.
        public var decodeEventsPerSecond: Double
        /// `warden ingest` end to end (read, decode, batched transactions), events per second.
        public var ingestSeconds: Double
        public var ingestEventsPerSecond: Double
        /// CPU time of the ingest: the writing thread (store transactions) alone, and the whole
        /// process (with decoding). On a loaded machine these, not the wall clock, compare runs:
        /// `events / writerCPUSeconds` is the rate with a core to itself.
        public var writerCPUSeconds: Double = 0
        public var processCPUSeconds: Double = 0
        public var writerBoundEventsPerSecond: Double { writerCPUSeconds > 0 ? Double(events) / writerCPUSeconds : 0 }
        /// The `sqlite3` shell, one transaction of INSERTs; nil when sqlite3 is missing.
        public var sqliteSeconds: Double?
        public var sqliteEventsPerSecond: Double?
        public var fileBytes: Int

        /// How many times slower than the sqlite3 limit.
        public var ratio: Double? { sqliteEventsPerSecond.map { $0 / ingestEventsPerSecond } }

        public var description: String {
            var s = "NDJSON ingest, \(events) tool-call events (\(fileBytes / 1_048_576) MB):\n"
            s += "  decode only        \(Int(decodeEventsPerSecond)) events/s\n"
            s += "  warden ingest      \(Int(ingestEventsPerSecond)) events/s (\(String(format: "%.2f", ingestSeconds)) s)\n"
            s += "  CPU                writer thread \(String(format: "%.2f", writerCPUSeconds)) s (\(Int(writerBoundEventsPerSecond)) events/s with a core to itself), "
            s += "whole process \(String(format: "%.2f", processCPUSeconds)) s\n"
            if let q = sqliteEventsPerSecond, let secs = sqliteSeconds, let r = ratio {
                s += "  sqlite3 limit      \(Int(q)) events/s (\(String(format: "%.2f", secs)) s, one transaction)\n"
                s += "  ratio              \(String(format: "%.2f", r))x the limit"
            } else {
                s += "  sqlite3 limit      (sqlite3 not found)"
            }
            return s
        }
    }

    /// Runs the benchmark in a temporary folder (removed afterwards).
    /// - Parameters:
    ///   - events: how many tool-call lines to ingest (1,000,000 for the published figure).
    ///   - batchSize: events per transaction.
    ///   - sqlite3: the shell to measure the limit with.
    ///   - log: progress notes.
    public static func run(events: Int = 1_000_000, batchSize: Int = 2000, sqlite3: String = "/usr/bin/sqlite3",
                           log: (String) -> Void = { _ in }) throws -> Result {
        let folder = NSTemporaryDirectory() + "warden-ingest-bench-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        // Two identical stores with a 24-agent fleet.
        func makeStore(_ name: String) throws -> (SQLiteStore, [String]) {
            let store = try SQLiteStore.create(path: "\(folder)/\(name).db", trustDomain: "bench.example")
            let m = Mutation(operatorName: "bench", now: 1_795_939_200_000)
            _ = try store.addPrincipal(id: "user:bench@bench.example", kind: .human, name: "Bench", scopes: .everything, m)
            var ids: [String] = []
            for i in 0..<24 {
                let parent = i < 6 ? "user:bench@bench.example" : ids[i % 6]
                ids.append(try store.registerAgent(name: "agent-\(i)", delegator: parent, scopes: .everything, ttlMs: nil, m).id)
            }
            return (store, ids)
        }
        let (store, agentIDs) = try makeStore("ingest")
        let (limitStore, limitIDs) = try makeStore("limit")

        // The input: realistic lines, RFC 3339 times, varied tools and argument summaries.
        log("writing \(events) events…")
        let tools = [("github", "get_issue"), ("github", "search_issues"), ("slack", "post_message"), ("filesystem", "read_file"),
                     ("postgres", "query"), ("jira", "get_issue"), ("browser", "navigate"), ("kubernetes", "get_pods")]
        var ndjson = [UInt8]()
        ndjson.reserveCapacity(events * 330)
        var sql = [UInt8]()
        sql.reserveCapacity(events * 300)
        sql += Array("PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\nBEGIN;\n".utf8)
        let base: Int64 = 1_795_939_200_000
        for i in 0..<events {
            let a = i % agentIDs.count
            let (server, tool) = tools[(i / 3) % tools.count]
            let at = base + Int64(i) * 7
            let deny = i % 17 == 0
            let duration = 5 + (i * 37) % 900
            let args = "repo=acme/api issue=#\(1000 + i % 9000) q=\"flaky test \(i % 97)\""
            let time = UTC.rfc3339(at, millis: true)
            var line = #"{"type":"tool_call","time":"\#(time)","agent":"\#(agentIDs[a])","instance":"agent-\#(a)-0","credential_id":"tok_bench_\#(a)","server":"\#(server)","tool":"\#(tool)","decision":"\#(deny ? "deny" : "allow")","#
            line += deny ? #""reason":"out_of_scope","duration_ms":\#(duration),"# : #""duration_ms":\#(duration),"result":"ok","#
            line += #""args":"\#(args.replacingOccurrences(of: "\"", with: "\\\""))"}"# + "\n"
            ndjson += Array(line.utf8)
            let sqlArgs = args.replacingOccurrences(of: "'", with: "''")
            var row = "INSERT INTO tool_calls(at, agent_id, instance_id, credential_id, server, tool, decision, reason, duration_ms, result, args) VALUES ("
            row += "\(at),'\(limitIDs[a])','agent-\(a)-0','tok_bench_\(a)','\(server)','\(tool)','\(deny ? "deny" : "allow")',"
            row += deny ? "'out_of_scope',\(duration),NULL," : "NULL,\(duration),'ok',"
            row += "'\(sqlArgs)');\n"
            sql += Array(row.utf8)
        }
        sql += Array("COMMIT;\n".utf8)
        let inputPath = "\(folder)/events.ndjson"
        try Data(ndjson).write(to: URL(fileURLWithPath: inputPath))
        let sqlPath = "\(folder)/limit.sql"
        try Data(sql).write(to: URL(fileURLWithPath: sqlPath))
        let fileBytes = ndjson.count

        // Decoding alone.
        log("decoding…")
        let decoder = NDJSONDecoder()
        var decodeStart = Date()
        var decoded = 0
        try ndjson.withUnsafeBufferPointer { (all: UnsafeBufferPointer<UInt8>) throws in
            var start = 0
            var lineNo = 0
            for k in 0..<all.count where all[k] == 10 {
                lineNo += 1
                _ = try decoder.decode(UnsafeBufferPointer(rebasing: all[start..<k]), source: lineNo)
                decoded += 1
                start = k + 1
            }
        }
        let decodeSeconds = Date().timeIntervalSince(decodeStart)
        ndjson = []

        // The real thing.
        log("ingesting…")
        decodeStart = Date()
        let cpuBefore = (thread: CPUTime.thread(), process: CPUTime.process())
        var summary = ""
        let pipeline = IngestPipeline(store: store, options: IngestOptions(batchSize: batchSize, operatorName: "bench"),
                                      sourceName: inputPath) { summary += $0 + "\n" }
        let fd = open(inputPath, O_RDONLY)
        defer { close(fd) }
        guard try IngestCommand.readAll(fd: fd, pipeline: pipeline, bar: nil) else { throw StoreError.io("cannot read \(inputPath)") }
        let stats = try pipeline.finish()
        let ingestSeconds = Date().timeIntervalSince(decodeStart)
        let writerCPU = CPUTime.thread() - cpuBefore.thread, processCPU = CPUTime.process() - cpuBefore.process
        guard stats.events == events, stats.rejected == 0 else {
            throw StoreError.io("benchmark ingest went wrong: \(stats.summary)\n\(summary)")
        }

        // The limit: the sqlite3 shell, same schema and indexes, one transaction.
        var sqliteSeconds: Double?
        if FileManager.default.isExecutableFile(atPath: sqlite3) {
            log("sqlite3…")
            _ = limitStore  // keep the store (and its schema) open as the ingest side is
            let p = Process()
            p.executableURL = URL(fileURLWithPath: sqlite3)
            p.arguments = ["\(folder)/limit.db"]
            p.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: sqlPath))
            p.standardOutput = FileHandle.nullDevice
            let start = Date()
            try p.run()
            p.waitUntilExit()
            sqliteSeconds = Date().timeIntervalSince(start)
            let check = Process()
            check.executableURL = URL(fileURLWithPath: sqlite3)
            check.arguments = ["\(folder)/limit.db", "SELECT count(*) FROM tool_calls"]
            let pipe = Pipe()
            check.standardOutput = pipe
            try check.run()
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            check.waitUntilExit()
            if out.trimmingCharacters(in: .whitespacesAndNewlines) != String(events) {
                throw StoreError.io("sqlite3 inserted \(out) rows, expected \(events)")
            }
        }
        return Result(events: events, decodeEventsPerSecond: Double(decoded) / decodeSeconds,
                      ingestSeconds: ingestSeconds, ingestEventsPerSecond: Double(events) / ingestSeconds,
                      writerCPUSeconds: writerCPU, processCPUSeconds: processCPU,
                      sqliteSeconds: sqliteSeconds, sqliteEventsPerSecond: sqliteSeconds.map { Double(events) / $0 },
                      fileBytes: fileBytes)
    }
}

/// CPU seconds (user + system) used so far.
enum CPUTime {
    /// By the calling thread (the ingest's writing thread: `readAll` applies batches on it).
    static func thread() -> Double { used(CLOCK_THREAD_CPUTIME_ID) }
    /// By the whole process.
    static func process() -> Double { used(CLOCK_PROCESS_CPUTIME_ID) }

    private static func used(_ clock: clockid_t) -> Double {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
