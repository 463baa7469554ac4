import Foundation
import Glibc
import WardenSystem

/// The real dashboard (`warden --db STORE`) on a pseudo-terminal: peak resident memory
/// (VmHWM) and CPU used while idle for 10 s once the first snapshot is drawn.
enum DashboardProcessBench {
    static func run(warden: String, path: String, home: String, idleSeconds: Double,
                    rssTargetMB: Double = 300, settleLimit: Double = 120) throws -> [Metric] {
        let pty = try PseudoTerminal()
        let p = try pty.spawn(warden, ["--db", path], environment: PseudoTerminal.environment(home: home))
        let pid = p.processIdentifier
        defer {
            if p.isRunning { kill(pid, SIGTERM) }
            p.waitUntilExit()
        }
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        // Settle: keep draining the terminal; loaded once a whole second used < 5 % of a core.
        let start = MonotonicClock.nanos()
        var bytes = 0
        var lastTicks = cpuTicks(pid) ?? 0
        var lastAt = MonotonicClock.nanos()
        var settled = 0.0
        var neverIdle = false
        while p.isRunning {
            bytes += pty.drain(timeoutMs: 100)
            let t = MonotonicClock.nanos()
            if t - lastAt >= 1_000_000_000 {
                let ticks = cpuTicks(pid) ?? lastTicks
                let busy = Double(ticks - lastTicks) / hz / (Double(t - lastAt) / 1e9)
                lastTicks = ticks
                lastAt = t
                let elapsed = Double(t - start) / 1e9
                if elapsed >= 3 && busy < 0.05 && bytes > 0 { settled = elapsed; break }
                if elapsed > settleLimit { settled = elapsed; neverIdle = true; break }
            }
        }
        guard p.isRunning else { throw BenchFailure("the dashboard exited (status \(p.terminationStatus))") }
        // Idle: nothing writes to the store, nobody types.
        let t0Ticks = cpuTicks(pid) ?? 0
        let t0 = MonotonicClock.nanos()
        while Double(MonotonicClock.nanos() - t0) / 1e9 < idleSeconds { bytes += pty.drain(timeoutMs: 100) }
        let idleCPU = Double((cpuTicks(pid) ?? 0) - t0Ticks) / hz / (Double(MonotonicClock.nanos() - t0) / 1e9) * 100
        let hwm = statusField(pid, "VmHWM") ?? .nan
        let rss = statusField(pid, "VmRSS") ?? .nan
        pty.send("q")
        let quitBy = MonotonicClock.nanos() + 3_000_000_000
        while p.isRunning && MonotonicClock.nanos() < quitBy { _ = pty.drain(timeoutMs: 50) }
        return [
            .value("dashboard_peak_rss_mb", "dashboard peak resident memory (VmHWM)", "MB", hwm / 1024, targets: [.atMost(rssTargetMB, .value)],
                   note: String(format: "VmRSS at the end %.0f MB; ", rss / 1024)
                    + (neverIdle ? "never idle: CPU stayed ≥ 5 % of a core for \(Int(settleLimit)) s, measured anyway"
                                 : String(format: "settled (CPU < 5 %% for a second) after %.1f s", settled))),
            .value("dashboard_idle_cpu_pct", "dashboard CPU while idle (\(Int(idleSeconds)) s)", "%", idleCPU, targets: [.atMost(2, .value)]),
            .value("dashboard_settle_s", "dashboard start → first snapshot drawn and idle", "s", settled),
        ]
    }

    /// utime + stime of a process, in clock ticks.
    static func cpuTicks(_ pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After "pid (comm)": state is field 3, utime 14, stime 15 → indices 11 and 12 here.
        guard fields.count > 13, let u = Int(fields[11]), let s = Int(fields[12]) else { return nil }
        return u + s
    }

    /// A `kB` field of /proc/PID/status.
    static func statusField(_ pid: Int32, _ name: String) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return Double(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "")
        }
        return nil
    }
}
