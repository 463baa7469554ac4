import Foundation
import Glibc
import WardenCore
import WardenSQLite
import WardenStore

/// Added latency of the proxy per `tools/call`: the same echo server driven directly and through
/// `MCPProxy.run` (in this process, over pipes, with a real store in a temporary folder), one
/// call in flight at a time. Every call through the proxy is authorized against the store and
/// recorded, as in production.
public enum ProxyBenchmark {
    public struct Figures: Sendable {
        public var calls: Int
        public var directP50Micros: Double
        public var directP99Micros: Double
        public var proxyP50Micros: Double
        public var proxyP99Micros: Double
        public var directCallsPerSecond: Double
        public var proxyCallsPerSecond: Double
        /// p50 through the proxy minus p50 direct (and likewise p99).
        public var addedP50Micros: Double { proxyP50Micros - directP50Micros }
        public var addedP99Micros: Double { proxyP99Micros - directP99Micros }
        /// Tool calls the proxy recorded in the store (should equal warmup + calls).
        public var recordedCalls: Int

        public var report: String {
            func f(_ v: Double) -> String { String(format: "%.1f", v) }
            return """
                mcp-proxy: \(calls) sequential tools/call (echo), one in flight
                  direct:       p50 \(f(directP50Micros)) µs   p99 \(f(directP99Micros)) µs   \(f(directCallsPerSecond)) calls/s
                  through proxy: p50 \(f(proxyP50Micros)) µs   p99 \(f(proxyP99Micros)) µs   \(f(proxyCallsPerSecond)) calls/s
                  added:        p50 \(f(addedP50Micros)) µs   p99 \(f(addedP99Micros)) µs   (target p50 < 1000 µs, p99 < 5000 µs)
                  recorded:     \(recordedCalls) tool calls in the store

                """
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `serverCommand`: a stdio MCP server with an `echo` tool (`warden-test-mcp-server`).
    public static func run(serverCommand: [String], calls: Int = 2_000, warmup: Int = 200,
                           payloadBytes: Int = 64) throws -> Figures {
        let folder = NSTemporaryDirectory() + "warden-bench-mcp-" + String(getpid()) + "-" + String(SystemClock.now())
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/warden.db"
        let now = SystemClock.now()
        let m = Mutation(operatorName: "bench", now: now)
        let secret: String
        do {
            let store = try SQLiteStore.create(path: path, trustDomain: "bench.example")
            _ = try store.addPrincipal(id: "workload:bench", kind: .workload, name: "bench", scopes: .everything, m)
            let lead = try store.registerAgent(name: "lead", delegator: "workload:bench", scopes: try ScopeSet(parsing: "bench/*"),
                                               ttlMs: 86_400_000, m)
            let agent = try store.registerAgent(name: "bot", delegator: lead.id, scopes: try ScopeSet(parsing: "bench/echo,bench/get_*"),
                                                ttlMs: 86_400_000 - 1, m)
            secret = try store.issueCredential(agentID: agent.id, ttlMs: 3_600_000, scopes: nil, instanceID: nil, m).secret
        } catch {
            throw Failure(description: "cannot build the bench store: \(error)")
        }
        let payload = String(repeating: "x", count: payloadBytes)

        // Direct.
        let child: ChildProcess
        do { child = try ChildProcess(command: serverCommand, environment: ProcessInfo.processInfo.environment) } catch {
            throw Failure(description: error.description)
        }
        let direct = try measure(write: child.stdinFD, read: child.stdoutFD, calls: calls, warmup: warmup, payload: payload)
        child.closeStdin()
        _ = child.wait()
        FD.close(child.stdoutFD)

        // Through the proxy.
        guard let toProxy = FD.pipe(), let fromProxy = FD.pipe() else { throw Failure(description: "cannot create pipes") }
        var cfg = MCPProxyConfiguration(store: SQLiteBackend(path: path), token: secret, serverName: "bench", command: serverCommand)
        cfg.input = toProxy.read
        cfg.output = fromProxy.write
        cfg.forwardSignals = false
        let config = cfg
        let done = DispatchSemaphore(value: 0)
        let t = Thread {
            _ = MCPProxy.run(config)
            done.signal()
        }
        t.start()
        let proxied: Measurement
        do {
            proxied = try measure(write: toProxy.write, read: fromProxy.read, calls: calls, warmup: warmup, payload: payload)
        } catch {
            FD.close(toProxy.write)
            throw error
        }
        FD.close(toProxy.write)
        done.wait()
        FD.close(toProxy.read)
        FD.close(fromProxy.write)
        FD.close(fromProxy.read)

        let recorded = (try? SQLiteStore.open(path: path).calls(CallQuery(limit: calls + warmup + 10)).count) ?? -1
        return Figures(calls: calls,
                       directP50Micros: direct.percentile(0.50), directP99Micros: direct.percentile(0.99),
                       proxyP50Micros: proxied.percentile(0.50), proxyP99Micros: proxied.percentile(0.99),
                       directCallsPerSecond: direct.callsPerSecond, proxyCallsPerSecond: proxied.callsPerSecond,
                       recordedCalls: recorded)
    }

    struct Measurement {
        var micros: [Double]
        var totalSeconds: Double
        func percentile(_ p: Double) -> Double {
            let sorted = micros.sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }
        var callsPerSecond: Double { totalSeconds > 0 ? Double(micros.count) / totalSeconds : 0 }
    }

    /// Initialize, then sequential echo calls; each timed from the write to its answer's newline.
    static func measure(write: Int32, read: Int32, calls: Int, warmup: Int, payload: String) throws -> Measurement {
        let lines = SyncLines(fd: read)
        func roundTrip(_ text: String) throws {
            FD.writeAll(write, Array((text + "\n").utf8))
            guard let answer = lines.next() else { throw Failure(description: "the server stopped answering") }
            if answer.count < 20 { throw Failure(description: "unexpected answer: \(String(decoding: answer, as: UTF8.self))") }
        }
        try roundTrip(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#)
        FD.writeAll(write, Array(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8) + [10])
        var micros: [Double] = []
        micros.reserveCapacity(calls)
        var start = Monotonic.nanos()
        for i in 0..<(warmup + calls) {
            if i == warmup { start = Monotonic.nanos() }
            let request = #"{"jsonrpc":"2.0","id":\#(i + 1),"method":"tools/call","params":{"name":"echo","arguments":{"text":"\#(payload)"}}}"#
            let t0 = Monotonic.nanos()
            try roundTrip(request)
            if i >= warmup { micros.append(Double(Monotonic.nanos() - t0) / 1000) }
        }
        return Measurement(micros: micros, totalSeconds: Double(Monotonic.nanos() - start) / 1e9)
    }

    /// Blocking line reads for the benchmark's one-call-at-a-time client.
    final class SyncLines {
        let fd: Int32
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        init(fd: Int32) { self.fd = fd }

        func next() -> [UInt8]? {
            var scanned = 0
            while true {
                if let nl = buffer[scanned...].firstIndex(of: 10) {
                    let line = Array(buffer[..<nl])
                    buffer.removeSubrange(...nl)
                    return line
                }
                scanned = buffer.count
                let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return nil }
                buffer.append(contentsOf: chunk[..<n])
            }
        }
    }
}
