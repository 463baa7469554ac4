import Foundation
import Glibc
import WardenHTTPClient
import WardenSystem

/// AuthZEN evaluations answered by a real `warden serve` (the built binary, a SQLite store in a
/// temporary folder) over loopback: a gate's credential asking about an agent's, one request in
/// flight. Latency is the client's round trip; CPU is the service process's own (utime + stime
/// across the run, from /proc), per evaluation: the figure that transfers to a bigger machine.
enum AuthZENBench {
    static func run(warden: String, evaluations: Int) throws -> [Metric] {
        let folder = NSTemporaryDirectory() + "warden-bench-authzen-" + String(getpid()) + "-" + String(WallClock.now())
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let db = folder + "/store/warden.db"
        func cli(_ args: String...) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: warden)
            p.arguments = ["--db", db] + args
            p.environment = ["HOME": folder, "PATH": "/usr/bin:/bin", "WARDEN_OPERATOR": "bench"]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw BenchFailure("warden \(args.joined(separator: " ")) failed (exit \(p.terminationStatus))") }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try cli("init", "--trust-domain", "bench.example")
        _ = try cli("principal", "add", "user:alice@bench.example")
        _ = try cli("agent", "register", "bot", "--by", "user:alice@bench.example", "--scopes", "github/get_*")
        let agent = try cli("token", "issue", "bot", "--ttl", "8h")
        _ = try cli("gate", "add", "edge")
        let gate = try cli("token", "issue", "--gate", "edge", "--ttl", "8h")
        let cfg = folder + "/serve.cfg"
        try "server.github.command = /bin/false\n".write(toFile: cfg, atomically: true, encoding: .utf8)

        let log = folder + "/serve.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: warden)
        serve.arguments = ["--db", db, "serve", "--listen", "127.0.0.1:0", "--config", cfg]
        serve.environment = ["HOME": folder, "PATH": "/usr/bin:/bin"]
        serve.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        serve.standardOutput = FileHandle.nullDevice
        try serve.run()
        defer {
            serve.terminate()
            serve.waitUntilExit()
        }
        var port = 0
        let deadline = MonotonicClock.millis() + 30_000
        while port == 0 && MonotonicClock.millis() < deadline && serve.isRunning {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let r = text.range(of: "listening on 127.0.0.1:") { port = Int(text[r.upperBound...].prefix { $0.isNumber }) ?? 0 }
            if port == 0 { usleep(20_000) }
        }
        guard port > 0 else { throw BenchFailure("warden serve did not start") }

        let client = HTTPClient()
        let body = Array(#"{"subject": {"type": "agent", "id": "\#(agent)"}, "action": {"name": "tools/call"}, "resource": {"type": "tool", "id": "github/get_issue"}}"#.utf8)
        let request = HTTPClient.Request(method: "POST", url: "http://127.0.0.1:\(port)/access/v1/evaluation",
                                         headers: [HTTPHeader("Authorization", "Bearer " + gate), HTTPHeader("Content-Type", "application/json")],
                                         body: body)
        func ask() throws {
            var answer: [UInt8] = []
            let head = try client.perform(request, onHead: { _ in true }, onBody: { answer += $0; return true })
            guard head.status == 200, String(decoding: answer, as: UTF8.self).hasPrefix(#"{"decision":true"#) else {
                throw BenchFailure("an evaluation answered \(head.status): \(String(decoding: answer, as: UTF8.self))")
            }
        }
        for _ in 0..<max(50, evaluations / 10) { try ask() }
        var samples = Samples()
        let cpuBefore = DashboardProcessBench.cpuTicks(serve.processIdentifier) ?? 0
        let start = MonotonicClock.nanos()
        for _ in 0..<evaluations {
            let t = MonotonicClock.nanos()
            try ask()
            samples.add(Double(MonotonicClock.nanos() - t) / 1000)
        }
        let wall = Double(MonotonicClock.nanos() - start) / 1e9
        let cpuTicks = (DashboardProcessBench.cpuTicks(serve.processIdentifier) ?? 0) - cpuBefore
        let cpuPerEvalUs = Double(cpuTicks) / Double(sysconf(Int32(_SC_CLK_TCK))) * 1e6 / Double(evaluations)
        return [
            .value("authzen_p50_us", "AuthZEN evaluation round trip over loopback, p50", "µs", samples.percentile(50)),
            .value("authzen_p99_us", "AuthZEN evaluation round trip over loopback, p99", "µs", samples.percentile(99), targets: [.atMost(1000, .value)]),
            .value("authzen_cpu_us", "warden serve CPU per evaluation (utime + stime)", "µs", cpuPerEvalUs,
                   note: String(format: "%d evaluations in %.2f s (%.0f/s, one in flight); CPU from /proc in clock ticks", evaluations, wall,
                                Double(evaluations) / wall)),
        ]
    }
}
