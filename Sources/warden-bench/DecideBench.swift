import Foundation
import Glibc
import WardenCore
import WardenMCP
import WardenStore
import WardenSystem

/// `mcp-proxy --decide` against the local-store proxy: the same echo server behind both, one
/// call in flight at a time. Through the service each call costs one POST /v1/decide on a kept
/// connection (plain HTTP on loopback; `warden serve` a separate process on the same store), and
/// its record goes to /v1/calls off the call path.
enum DecideBench {
    static func run(warden: String, server: String, calls: Int) throws -> [Metric] {
        let warmup = max(20, calls / 10)
        let folder = NSTemporaryDirectory() + "warden-bench-decide-" + String(getpid()) + "-" + String(WallClock.now())
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/warden.db"
        let secret = try ProxyBench.makeStore(at: path)

        let local = try through(MCPProxyConfiguration(store: BenchStore.backend(path), token: secret, serverName: "bench", command: [server]),
                                calls: calls, warmup: warmup)
        let (serve, port) = try startServe(warden: warden, path: path, folder: folder)
        defer {
            serve.terminate()
            serve.waitUntilExit()
        }
        let remote = try through(MCPProxyConfiguration(service: DecideService(url: "http://127.0.0.1:\(port)"), token: secret,
                                                        serverName: "bench", command: [server]),
                                 calls: calls, warmup: warmup)
        let added = (p50: remote.micros.percentile(50) - local.micros.percentile(50), p99: remote.micros.percentile(99) - local.micros.percentile(99))
        return [
            .value("decide_added_p50_us", "mcp-proxy --decide vs the local-store proxy, added per tools/call, p50", "µs", added.p50),
            .value("decide_added_p99_us", "mcp-proxy --decide vs the local-store proxy, added per tools/call, p99", "µs", added.p99,
                   note: String(format: "local-store proxy p50 %.0f µs, p99 %.0f µs; --decide p50 %.0f µs, p99 %.0f µs; %.0f vs %.0f calls/s",
                                local.micros.percentile(50), local.micros.percentile(99), remote.micros.percentile(50),
                                remote.micros.percentile(99), local.callsPerSecond, remote.callsPerSecond)),
        ]
    }

    private static func through(_ config: MCPProxyConfiguration, calls: Int, warmup: Int) throws -> (micros: Samples, callsPerSecond: Double) {
        let toProxy = try ProxyBench.Pipes(), fromProxy = try ProxyBench.Pipes()
        defer { toProxy.close(); fromProxy.close() }
        var cfg = config
        cfg.input = toProxy.read
        cfg.output = fromProxy.write
        cfg.forwardSignals = false
        let fixed = cfg
        let done = DispatchSemaphore(value: 0)
        let proxy = Thread {
            _ = MCPProxy.run(fixed)
            done.signal()
        }
        proxy.start()
        let result = Result { try ProxyBench.roundTrips(write: toProxy.write, read: fromProxy.read, calls: calls, warmup: warmup,
                                                        payload: String(repeating: "x", count: 64)) }
        toProxy.closeWrite()
        done.wait()
        return try result.get()
    }

    /// `warden --db PATH serve --listen 127.0.0.1:0`; the port from the line it prints.
    private static func startServe(warden: String, path: String, folder: String) throws -> (Process, Int) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: warden)
        p.arguments = ["--db", path, "serve", "--listen", "127.0.0.1:0"]
        p.environment = ["PATH": "/usr/bin:/bin", "HOME": folder]
        let err = folder + "/serve.err"
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        p.standardError = FileHandle(forWritingAtPath: err)
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let deadline = MonotonicClock.nanos() + 30_000_000_000
        while MonotonicClock.nanos() < deadline && p.isRunning {
            let text = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
            if let r = text.range(of: "listening on 127.0.0.1:"), let port = Int(text[r.upperBound...].prefix { $0.isNumber }) {
                return (p, port)
            }
            usleep(20_000)
        }
        p.terminate()
        throw BenchFailure("warden serve did not start: \((try? String(contentsOfFile: err, encoding: .utf8)) ?? "")")
    }
}
