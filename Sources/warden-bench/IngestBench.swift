import Foundation
import WardenCore
import WardenIngest
import WardenStore
import WardenSystem

/// NDJSON ingest throughput: `warden ingest` end to end (read, decode, batched transactions)
/// against the store writing the same calls on its own (one `recordCalls` transaction, nothing
/// to read or decode), on two identical stores in a temporary folder.
enum IngestBench {
    /// `newBackend` gives each of the two stores a location (SQLite: the path; PostgreSQL: a
    /// fresh database), `target` the events/s the pipeline must reach on that backend.
    static func run(events: Int, target: Double = 100_000,
                    newBackend: (String) throws -> any StoreBackend = { BenchStore.backend($0) }) throws -> [Metric] {
        let folder = NSTemporaryDirectory() + "warden-ingest-bench-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let (store, agentIDs) = try makeStore(try newBackend(folder + "/ingest.db"))
        let (storeOnly, storeOnlyIDs) = try makeStore(try newBackend(folder + "/store-only.db"))
        note("ingest: writing \(events) events…")
        // Written and decoded a chunk at a time, so 10M events (XL, ~3 GB of NDJSON) never sit
        // in memory whole; the file and the work measured are the same as in one piece.
        let input = TelemetryInput(events: events)
        let inputPath = folder + "/events.ndjson"
        guard FileManager.default.createFile(atPath: inputPath, contents: nil),
              let out = FileHandle(forWritingAtPath: inputPath) else { throw BenchFailure("cannot write \(inputPath)") }
        var fileBytes = 0, decoded = 0, decodeMs = 0.0
        for lo in stride(from: 0, to: events, by: chunk) {
            let ndjson = input.ndjson(agentIDs: agentIDs, range: lo..<min(events, lo + chunk))
            try out.write(contentsOf: ndjson)
            fileBytes += ndjson.count
            let (n, ms) = try timed { try decodeAll(ndjson, firstLine: decoded + 1) }
            decoded += n
            decodeMs += ms
        }
        try out.close()

        note("ingest: ingesting…")
        let cpuBefore = (thread: CPUClock.threadNanos(), process: CPUClock.processNanos())
        var summary = "", errors = ""
        // The command applies batches on the calling thread: its CPU time is the writer's.
        let (code, ingestMs) = timed {
            IngestCommand.run(store: store, input: inputPath, operatorName: "bench", json: true,
                              stdout: { summary += $0 }, stderr: { errors += $0 }, progress: false)
        }
        let writerCPU = Double(CPUClock.threadNanos() - cpuBefore.thread) / 1e9
        let processCPU = Double(CPUClock.processNanos() - cpuBefore.process) / 1e9
        let stats = try? JSONParser.parse(summary)
        guard code == 0, stats?["events"]?.int64 == Int64(events), stats?["rejected"]?.int64 == 0 else {
            throw BenchFailure("benchmark ingest went wrong (exit \(code)): \(summary)\(errors)")
        }

        note("ingest: the store alone…")
        // One transaction per million calls (one at S, M and L), built outside the timing.
        var storeMs = 0.0
        for lo in stride(from: 0, to: events, by: 1_000_000) {
            let calls = input.toolCalls(agentIDs: storeOnlyIDs, range: lo..<min(events, lo + 1_000_000))
            storeMs += try timed { try storeOnly.recordCalls(calls) }.1
        }

        let ingestSeconds = ingestMs / 1000
        let ingestRate = Double(events) / ingestSeconds
        let storeRate = Double(events) / (storeMs / 1000)
        let perEvent = { (seconds: Double) in seconds * 1e6 / Double(events) }
        return [
            .value("ingest_events_per_s", "NDJSON ingest (warden ingest pipeline, \(events) events)", "events/s", ingestRate,
                   targets: [.atLeast(target, .value)],
                   note: String(format: "%.2f s, %d MB; CPU: writing thread %.2f µs/event (%.0f events/s with a core to itself), whole process %.2f µs/event",
                                ingestSeconds, fileBytes / 1_048_576, perEvent(writerCPU),
                                writerCPU > 0 ? Double(events) / writerCPU : 0, perEvent(processCPU))),
            .value("ingest_decode_events_per_s", "  decode only", "events/s", Double(decoded) / (decodeMs / 1000)),
            .value("ingest_store_events_per_s", "  the store alone: same calls, one recordCalls transaction per million", "events/s", storeRate),
            .value("ingest_ratio_to_store", "  ratio: store-alone rate / warden rate", "×", storeRate / ingestRate, targets: [.atMost(3, .value)]),
        ]
    }

    /// Events generated, written and decoded at a time.
    static let chunk = 200_000

    /// A store with a 24-agent fleet under one principal.
    static func makeStore(_ backend: any StoreBackend) throws -> (any FleetStore, [String]) {
        let store = try backend.create(trustDomain: "bench.example")
        let m = Mutation(operatorName: "bench", now: TelemetryInput.base)
        _ = try store.addPrincipal(id: "user:bench@bench.example", kind: .human, name: "Bench", scopes: .everything, m)
        var ids: [String] = []
        for i in 0..<24 {
            let parent = i < 6 ? "user:bench@bench.example" : ids[i % 6]
            ids.append(try store.registerAgent(name: "agent-\(i)", delegator: parent, scopes: .everything, ttlMs: nil, m).id)
        }
        return (store, ids)
    }

    /// Decoding alone (no store): every line through the NDJSON decoder.
    static func decodeAll(_ ndjson: [UInt8], firstLine: Int = 1) throws -> Int {
        let decoder = NDJSONDecoder()
        var decoded = 0
        try ndjson.withUnsafeBufferPointer { (all: UnsafeBufferPointer<UInt8>) throws in
            var start = 0
            for k in 0..<all.count where all[k] == 10 {
                _ = try decoder.decode(UnsafeBufferPointer(rebasing: all[start..<k]), source: firstLine + decoded)
                decoded += 1
                start = k + 1
            }
        }
        return decoded
    }
}

/// The benchmark's calls: realistic shapes, RFC 3339 times, varied tools and argument summaries,
/// given both as NDJSON lines and as the store's `ToolCall`s.
struct TelemetryInput {
    static let base: Timestamp = 1_795_939_200_000
    static let tools = [("github", "get_issue"), ("github", "search_issues"), ("slack", "post_message"), ("filesystem", "read_file"),
                        ("postgres", "query"), ("jira", "get_issue"), ("browser", "navigate"), ("kubernetes", "get_pods")]
    let events: Int

    func call(_ i: Int, agentIDs: [String]) -> ToolCall {
        let a = i % agentIDs.count
        let (server, tool) = Self.tools[(i / 3) % Self.tools.count]
        let deny = i % 17 == 0
        return ToolCall(at: Self.base + Int64(i) * 7, agentID: agentIDs[a], instanceID: "agent-\(a)-0", credentialID: "tok_bench_\(a)",
                        server: server, tool: tool, decision: deny ? .deny : .allow, reason: deny ? "out_of_scope" : nil,
                        durationMs: Int64(5 + (i * 37) % 900), result: deny ? nil : .ok,
                        args: "repo=acme/api issue=#\(1000 + i % 9000) q=\"flaky test \(i % 97)\"")
    }

    func toolCalls(agentIDs: [String], range: Range<Int>? = nil) -> [ToolCall] {
        (range ?? 0..<events).map { call($0, agentIDs: agentIDs) }
    }

    func ndjson(agentIDs: [String], range: Range<Int>? = nil) -> [UInt8] {
        let range = range ?? 0..<events
        var out = [UInt8]()
        out.reserveCapacity(range.count * 330)
        for i in range {
            let c = call(i, agentIDs: agentIDs)
            var line = #"{"type":"tool_call","time":"\#(UTC.rfc3339(c.at, millis: true))","agent":"\#(c.agentID)","#
            line += #""instance":"\#(c.instanceID!)","credential_id":"\#(c.credentialID!)","server":"\#(c.server)","tool":"\#(c.tool)","#
            line += #""decision":"\#(c.decision.rawValue)","#
            line += c.reason.map { #""reason":"\#($0)","# } ?? ""
            line += #""duration_ms":\#(c.durationMs!),"#
            line += c.result.map { #""result":"\#($0.rawValue)","# } ?? ""
            line += #""args":"\#(c.args!.replacingOccurrences(of: "\"", with: "\\\""))"}"# + "\n"
            out += Array(line.utf8)
        }
        return out
    }
}
