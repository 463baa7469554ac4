import Foundation
import Glibc
import WardenCore
import WardenMCP
import WardenStore
import WardenSystem

/// Added latency of the proxy per `tools/call`: the same echo server driven directly and through
/// `MCPProxy.run` (in this process, over pipes, with a real store in a temporary folder), one
/// call in flight at a time. Every call through the proxy is authorized against the store and
/// recorded, as in production.
enum ProxyBench {
    static func run(server: String, calls: Int) throws -> [Metric] {
        let f = try measure(serverCommand: [server], calls: calls, warmup: max(20, calls / 10))
        guard f.recorded == calls + f.warmup else {
            throw BenchFailure("the proxy recorded \(f.recorded) tool calls, expected \(calls + f.warmup)")
        }
        let added = (p50: f.proxied.percentile(50) - f.direct.percentile(50), p99: f.proxied.percentile(99) - f.direct.percentile(99))
        return [
            .value("proxy_added_p50_us", "mcp-proxy added latency per tools/call, p50", "µs", added.p50, targets: [.atMost(1000, .value)]),
            .value("proxy_added_p99_us", "mcp-proxy added latency per tools/call, p99", "µs", added.p99, targets: [.atMost(5000, .value)]),
            .value("proxy_calls_per_s", "calls/s through the proxy (one in flight)", "calls/s", f.proxiedCallsPerSecond,
                   note: String(format: "direct %.0f calls/s, p50 %.0f µs, p99 %.0f µs; through proxy p50 %.0f µs, p99 %.0f µs",
                                f.directCallsPerSecond, f.direct.percentile(50), f.direct.percentile(99),
                                f.proxied.percentile(50), f.proxied.percentile(99))),
        ]
    }

    struct Figures {
        var warmup: Int
        /// Microseconds per call.
        var direct: Samples
        var proxied: Samples
        var directCallsPerSecond: Double
        var proxiedCallsPerSecond: Double
        /// Tool calls the proxy recorded in the store (warmup + calls when all went well).
        var recorded: Int
    }

    /// `serverCommand`: a stdio MCP server with an `echo` tool (`warden-test-mcp-server`).
    static func measure(serverCommand: [String], calls: Int, warmup: Int, payloadBytes: Int = 64) throws -> Figures {
        let folder = NSTemporaryDirectory() + "warden-bench-mcp-" + String(getpid()) + "-" + String(WallClock.now())
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/warden.db"
        let secret = try makeStore(at: path)
        let payload = String(repeating: "x", count: payloadBytes)

        let direct = try self.direct(serverCommand: serverCommand, calls: calls, warmup: warmup, payload: payload)

        // Through the proxy.
        let toProxy = try Pipes(), fromProxy = try Pipes()
        defer { toProxy.close(); fromProxy.close() }
        var cfg = MCPProxyConfiguration(store: BenchStore.backend(path), token: secret, serverName: "bench", command: serverCommand)
        cfg.input = toProxy.read
        cfg.output = fromProxy.write
        cfg.forwardSignals = false
        let config = cfg
        let done = DispatchSemaphore(value: 0)
        let proxy = Thread {
            _ = MCPProxy.run(config)
            done.signal()
        }
        proxy.start()
        // The client's end of input ends the proxy, whether the calls went well or not.
        let proxied = Result { try roundTrips(write: toProxy.write, read: fromProxy.read, calls: calls, warmup: warmup, payload: payload) }
        toProxy.closeWrite()
        done.wait()
        let through = try proxied.get()

        let recorded = (try? BenchStore.backend(path).open(for: .operations(readOnly: true)).calls(CallQuery(limit: calls + warmup + 10)).count) ?? -1
        return Figures(warmup: warmup, direct: direct.micros, proxied: through.micros,
                       directCallsPerSecond: direct.callsPerSecond, proxiedCallsPerSecond: through.callsPerSecond,
                       recorded: recorded)
    }

    /// The server alone, over its pipes: the baseline each gateway's added latency is measured against.
    static func direct(serverCommand: [String], calls: Int, warmup: Int, payload: String) throws -> (micros: Samples, callsPerSecond: Double) {
        let toChild = try Pipes(), fromChild = try Pipes()
        defer { toChild.close(); fromChild.close() }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: serverCommand[0])
        child.arguments = Array(serverCommand.dropFirst())
        child.standardInput = FileHandle(fileDescriptor: toChild.read)
        child.standardOutput = FileHandle(fileDescriptor: fromChild.write)
        try child.run()
        let direct = try roundTrips(write: toChild.write, read: fromChild.read, calls: calls, warmup: warmup, payload: payload)
        toChild.closeWrite()
        child.waitUntilExit()
        return direct
    }

    /// A principal, a lead, a bot allowed `bench/echo`; returns the bot's credential secret.
    static func makeStore(at path: String) throws -> String {
        let store = try BenchStore.backend(path).create(trustDomain: "bench.example")
        let m = Mutation(operatorName: "bench", now: WallClock.now())
        _ = try store.addPrincipal(id: "workload:bench", kind: .workload, name: "bench", scopes: .everything, m)
        let lead = try store.registerAgent(name: "lead", delegator: "workload:bench", scopes: try ScopeSet(parsing: "bench/*"),
                                           ttlMs: 86_400_000, m)
        let agent = try store.registerAgent(name: "bot", delegator: lead.id, scopes: try ScopeSet(parsing: "bench/echo,bench/get_*"),
                                            ttlMs: 86_400_000 - 1, m)
        return try store.issueCredential(agentID: agent.id, ttlMs: 3_600_000, scopes: nil, instanceID: nil, m).secret
    }

    /// Initialize, then sequential echo calls; each timed from the write to its answer's newline.
    static func roundTrips(write: Int32, read: Int32, calls: Int, warmup: Int, payload: String) throws -> (micros: Samples, callsPerSecond: Double) {
        let lines = SyncLines(fd: read)
        func roundTrip(_ text: String) throws {
            guard FD.writeAll(write, Array((text + "\n").utf8)) else { throw BenchFailure("the server stopped reading") }
            guard let answer = lines.next() else { throw BenchFailure("the server stopped answering") }
            if answer.count < 20 { throw BenchFailure("unexpected answer: \(String(decoding: answer, as: UTF8.self))") }
        }
        try roundTrip(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#)
        guard FD.writeAll(write, Array(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8) + [10]) else {
            throw BenchFailure("the server stopped reading")
        }
        var micros = Samples()
        micros.values.reserveCapacity(calls)
        var start = MonotonicClock.nanos()
        for i in 0..<(warmup + calls) {
            if i == warmup { start = MonotonicClock.nanos() }
            let request = #"{"jsonrpc":"2.0","id":\#(i + 1),"method":"tools/call","params":{"name":"echo","arguments":{"text":"\#(payload)"}}}"#
            let t0 = MonotonicClock.nanos()
            try roundTrip(request)
            if i >= warmup { micros.add(Double(MonotonicClock.nanos() - t0) / 1000) }
        }
        let seconds = Double(MonotonicClock.nanos() - start) / 1e9
        return (micros, seconds > 0 ? Double(calls) / seconds : 0)
    }

    /// A pipe whose ends close on exec (a spawned server must not hold the client's end open).
    final class Pipes {
        let read: Int32
        private(set) var write: Int32

        init() throws {
            guard let fds = FD.pipe() else { throw BenchFailure("cannot create a pipe: \(FD.errorText)") }
            (read, write) = fds
        }

        func closeWrite() {
            FD.close(write)
            write = -1
        }

        func close() {
            closeWrite()
            FD.close(read)
        }
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
