import Foundation
import Glibc
import WardenStore
import WardenSystem

/// `warden serve` measured as deployed: the real binary on loopback, a SQLite store in a
/// temporary folder, the Swift stdio test server as the upstream `bench`, driven over raw
/// keep-alive HTTP/1.1 from this process (so no client library's costs are in the figures).
/// Every call is authorized against the store and recorded, as in production; the recorded
/// count is checked at the end.
enum ServeBench {
    struct Shape {
        var calls: Int
        var warmup: Int
        var sessions: Int
        var callsPerSession: Int
        var idleSessions: Int
    }

    static func run(warden: String, server: String, quick: Bool) throws -> [Metric] {
        let shape = quick ? Shape(calls: 200, warmup: 20, sessions: 8, callsPerSession: 20, idleSessions: 8)
                          : Shape(calls: 2_000, warmup: 200, sessions: 32, callsPerSession: 200, idleSessions: 32)
        let folder = NSTemporaryDirectory() + "warden-bench-serve-" + String(getpid()) + "-" + String(WallClock.now())
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = folder + "/warden.db"
        let token = try ProxyBench.makeStore(at: store)
        let config = folder + "/serve.cfg"
        // Sessions beyond the default per-agent cap: the concurrent sessions share one agent.
        try """
            serve.max_sessions_per_agent = \(shape.sessions + shape.idleSessions + 8)
            server.bench.command = \(server)

            """.write(toFile: config, atomically: true, encoding: .utf8)
        let payload = String(repeating: "x", count: 64)

        let serve = try ServeProcess(warden: warden, store: store, config: config, logPath: folder + "/serve.log")
        defer { serve.stop() }
        let one = try oneSession(serve, server: server, token: token, shape: shape, payload: payload)
        let idle = try idleSessions(serve, token: token, count: shape.idleSessions)
        let load = try concurrent(serve, token: token, shape: shape)
        serve.stop()

        let expected = shape.warmup + 3 * shape.calls + shape.sessions * shape.callsPerSession
        let recorded = (try? BenchStore.backend(store).open(for: .operations(readOnly: true)).calls(CallQuery(limit: expected + 100)).count) ?? -1
        guard recorded == expected else {
            throw BenchFailure("the service recorded \(recorded) tool calls, expected \(expected)")
        }

        let added = (p50: one.allowed.percentile(50) - one.direct.percentile(50),
                     p99: one.allowed.percentile(99) - one.direct.percentile(99))
        return [
            .value("serve_added_p50_us", "warden serve added latency per tools/call vs the server direct, p50", "µs", added.p50,
                   targets: [.atMost(1000, .value)],
                   note: String(format: "through the gateway p50 %.0f µs, p99 %.0f µs; the same stdio server direct over its pipes, calls alternating with the gateway's, p50 %.0f µs, p99 %.0f µs",
                                one.allowed.percentile(50), one.allowed.percentile(99),
                                one.direct.percentile(50), one.direct.percentile(99))),
            .value("serve_added_p99_us", "warden serve added latency per tools/call, p99", "µs", added.p99, targets: [.atMost(5000, .value)]),
            .value("serve_cpu_per_call_us", "warden serve CPU per allowed tools/call (one session)", "µs", one.cpuPerAllowed,
                   targets: [.atMost(150, .value)],
                   note: String(format: "the service's utime + stime over %d calls back to back; a denied call (answered by the gateway) %.0f µs",
                                shape.calls, one.cpuPerDenied)),
            .dist("serve_denied_us", "warden serve denied tools/call round trip (gateway alone)", "µs", one.denied),
            .value("serve_calls_per_s", "warden serve calls/s with \(shape.sessions) concurrent sessions", "calls/s", load.callsPerSecond,
                   note: String(format: "%d calls; %.0f µs of the service's CPU per call; round trip p50 %.0f µs, p99 %.0f µs",
                                shape.sessions * shape.callsPerSession, load.cpuPerCall, load.micros.percentile(50), load.micros.percentile(99))),
            .value("serve_idle_session_kib", "warden serve memory per idle session (the service's RSS)", "KiB", idle.serviceKiB,
                   note: String(format: "%d idle sessions; each also has its stdio server process (this one: %.0f KiB RSS)",
                                shape.idleSessions, idle.childKiB)),
        ]
    }

    /// A session over its own connection: `initialize`, `notifications/initialized`.
    final class Client: @unchecked Sendable {
        let port: UInt16
        var http: LoopbackHTTP
        var headers: [(String, String)]

        init(port: UInt16, token: String) throws {
            self.port = port
            http = try LoopbackHTTP(port: port)
            headers = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream"),
                       ("Authorization", "Bearer " + token)]
            let r = try post(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#)
            guard r.status == 200, let sid = r.headers["mcp-session-id"] else { throw BenchFailure("initialize: HTTP \(r.status) \(r.text.prefix(200))") }
            headers += [("Mcp-Session-Id", sid), ("MCP-Protocol-Version", "2025-06-18")]
            let n = try post(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            guard n.status == 202 else { throw BenchFailure("notifications/initialized: HTTP \(n.status)") }
        }

        func post(_ json: String) throws -> LoopbackHTTP.Response {
            try send("POST", Array(json.utf8))
        }

        /// On a connection the service cut while it sat idle (its header deadline: opening 32
        /// sessions, each starting a server, can take longer than that here), once more on a new one.
        func send(_ method: String, _ body: [UInt8]) throws -> LoopbackHTTP.Response {
            do { return try http.request(method, "/mcp/bench", headers: headers, body: body) } catch is LoopbackHTTP.Closed {
                http = try LoopbackHTTP(port: port)
                return try http.request(method, "/mcp/bench", headers: headers, body: body)
            }
        }

        /// A `tools/call`, checked: its answer names its id and carries `expect`.
        func call(id: Int, tool: String, text: String, expect: String) throws -> Double {
            let t0 = MonotonicClock.nanos()
            let r = try post(#"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"\#(tool)","arguments":{"text":"\#(text)"}}}"#)
            let micros = Double(MonotonicClock.nanos() - t0) / 1000
            let body = r.text
            guard r.status == 200, body.contains(#""id":\#(id)"#), body.contains(expect) else {
                throw BenchFailure("\(tool) call \(id): HTTP \(r.status) \(body.prefix(200))")
            }
            return micros
        }

        func end() throws { _ = try send("DELETE", []) }
    }

    struct OneSession {
        var direct: Samples
        var allowed: Samples
        var denied: Samples
        var cpuPerAllowed: Double
        var cpuPerDenied: Double
    }

    /// One call in flight: allowed echoes (relayed), each after the same echo sent to the server
    /// directly, then denied calls (out of scope, answered by the gateway).
    static func oneSession(_ serve: ServeProcess, server: String, token: String, shape: Shape, payload: String) throws -> OneSession {
        let c = try Client(port: serve.port, token: token)
        let d = try DirectServer(command: [server])
        defer { d.close() }
        for i in 0..<shape.warmup {
            _ = try d.call(id: i + 1, text: payload)
            _ = try c.call(id: i + 1, tool: "echo", text: payload, expect: payload)
        }
        var direct = Samples(), allowed = Samples(), denied = Samples()
        for i in 0..<shape.calls {
            direct.add(try d.call(id: shape.warmup + i + 1, text: payload))
            allowed.add(try c.call(id: shape.warmup + i + 1, tool: "echo", text: payload, expect: payload))
        }
        // The CPU per call over calls back to back, as a client with work to do sends them (a
        // service idle between calls pays more per call in wake-ups and cold caches).
        let cpu0 = serve.cpuMicros()
        for i in 0..<shape.calls { _ = try c.call(id: 50_000 + i, tool: "echo", text: payload, expect: payload) }
        let cpu1 = serve.cpuMicros()
        for i in 0..<shape.calls { denied.add(try c.call(id: 100_000 + i, tool: "delete_repo", text: "acme/prod", expect: "out_of_scope")) }
        let cpu2 = serve.cpuMicros()
        try c.end()
        return OneSession(direct: direct, allowed: allowed, denied: denied, cpuPerAllowed: (cpu1 - cpu0) / Double(shape.calls),
                          cpuPerDenied: (cpu2 - cpu1) / Double(shape.calls))
    }

    /// The service's RSS grown per idle session (opened, then left alone), and one stdio server's RSS.
    static func idleSessions(_ serve: ServeProcess, token: String, count: Int) throws -> (serviceKiB: Double, childKiB: Double) {
        let before = ServeProcess.rssKiB(serve.pid)
        let clients = try (0..<count).map { _ in try Client(port: serve.port, token: token) }
        let after = ServeProcess.rssKiB(serve.pid)
        let child = serve.children().map(ServeProcess.rssKiB).filter { !$0.isNaN }
        for c in clients { try c.end() }
        return ((after - before) / Double(count), Samples(values: child).median)
    }

    struct Load {
        var callsPerSecond: Double
        var cpuPerCall: Double
        var micros: Samples
    }

    /// `sessions` clients, each on its own thread and connection, all released at once.
    static func concurrent(_ serve: ServeProcess, token: String, shape: Shape) throws -> Load {
        let clients = try (0..<shape.sessions).map { _ in try Client(port: serve.port, token: token) }
        let go = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        let results = ResultSlots(count: shape.sessions)
        for (s, c) in clients.enumerated() {
            group.enter()
            Thread {
                go.wait()
                results.set(s, Result {
                    try (0..<shape.callsPerSession).map { k in
                        let text = "s\(s)-c\(k)"
                        return try c.call(id: k + 1, tool: "echo", text: text, expect: text)
                    }
                })
                group.leave()
            }.start()
        }
        let cpu0 = serve.cpuMicros()
        let t0 = MonotonicClock.nanos()
        for _ in clients { go.signal() }
        group.wait()
        let seconds = Double(MonotonicClock.nanos() - t0) / 1e9
        let cpu1 = serve.cpuMicros()
        var micros = Samples()
        for r in results.all { micros.values += try r.get() }
        for c in clients { try c.end() }
        let total = Double(shape.sessions * shape.callsPerSession)
        return Load(callsPerSecond: total / seconds, cpuPerCall: (cpu1 - cpu0) / total, micros: micros)
    }

    final class ResultSlots: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [Result<[Double], Error>]
        init(count: Int) { slots = Array(repeating: .success([]), count: count) }
        func set(_ i: Int, _ r: Result<[Double], Error>) { lock.lock(); slots[i] = r; lock.unlock() }
        var all: [Result<[Double], Error>] { lock.lock(); defer { lock.unlock() }; return slots }
    }
}
