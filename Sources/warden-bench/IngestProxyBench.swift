import Foundation
import WardenIngest
import WardenMCP

/// NDJSON ingest rate (IngestBenchmark) and proxy added latency (ProxyBenchmark).
enum IngestProxyBench {
    static func ingest(events: Int) throws -> [Metric] {
        let r = try IngestBenchmark.run(events: events) { note("ingest: " + $0) }
        var out: [Metric] = [
            .value("ingest_events_per_s", "NDJSON ingest (warden ingest pipeline, \(events) events)", "events/s", r.ingestEventsPerSecond,
                   targets: [.atLeast(100_000, .value)],
                   note: String(format: "%.2f s, %d MB; CPU: writing thread %.2f µs/event (%.0f events/s with a core to itself), whole process %.2f µs/event",
                                r.ingestSeconds, r.fileBytes / 1_048_576, r.writerCPUSeconds * 1e6 / Double(events),
                                r.writerBoundEventsPerSecond, r.processCPUSeconds * 1e6 / Double(events))),
            .value("ingest_decode_events_per_s", "  decode only", "events/s", r.decodeEventsPerSecond),
        ]
        if let q = r.sqliteEventsPerSecond, let ratio = r.ratio {
            out.append(.value("ingest_sqlite3_events_per_s", "  sqlite3 shell, same rows, one transaction", "events/s", q))
            out.append(.value("ingest_ratio_to_sqlite3", "  ratio: sqlite3 rate / warden rate", "×", ratio, targets: [.atMost(3, .value)]))
        }
        return out
    }

    static func proxy(server: String, calls: Int) throws -> [Metric] {
        let f = try ProxyBenchmark.run(serverCommand: [server], calls: calls, warmup: max(20, calls / 10))
        return [
            .value("proxy_added_p50_us", "mcp-proxy added latency per tools/call, p50", "µs", f.addedP50Micros, targets: [.atMost(1000, .value)]),
            .value("proxy_added_p99_us", "mcp-proxy added latency per tools/call, p99", "µs", f.addedP99Micros, targets: [.atMost(5000, .value)]),
            .value("proxy_calls_per_s", "calls/s through the proxy (one in flight)", "calls/s", f.proxyCallsPerSecond,
                   note: String(format: "direct %.0f calls/s, p50 %.0f µs, p99 %.0f µs; through proxy p50 %.0f µs, p99 %.0f µs",
                                f.directCallsPerSecond, f.directP50Micros, f.directP99Micros, f.proxyP50Micros, f.proxyP99Micros)),
        ]
    }
}
