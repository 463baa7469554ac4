import Foundation
import Glibc
import WardenSystem

/// `warden serve` as a child of the benchmark, on loopback (port 0: the system picks), its
/// stderr (the access log and notes) in a file; and what the kernel says it spent.
final class ServeProcess {
    let process = Process()
    let port: UInt16
    let logPath: String

    init(warden: String, store: String, config: String, logPath: String) throws {
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: warden)
        process.arguments = ["--db", store, "serve", "--listen", "127.0.0.1:0", "--config", config]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
        // The service says where it listens once it does (a bounded wait: a service that does
        // not start is a failure of the benchmark, with its own words).
        let deadline = MonotonicClock.nanos() + 30_000_000_000
        var found: UInt16?
        while found == nil {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let r = log.range(of: "listening on 127.0.0.1:") {
                found = UInt16(log[r.upperBound...].prefix { $0.isNumber })
            } else if !process.isRunning || MonotonicClock.nanos() > deadline {
                process.terminate()
                throw BenchFailure("warden serve did not start: \(log.suffix(500))")
            } else {
                usleep(20_000)
            }
        }
        port = found!
    }

    var pid: Int32 { process.processIdentifier }

    /// The service's own CPU time so far (user + system, every thread), in microseconds. Its
    /// children (the stdio servers) are not in it.
    func cpuMicros() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return .nan }
        // After "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { return .nan }
        return (u + s) * 1e6 / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident memory of a process in KiB (VmRSS).
    static func rssKiB(_ pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return .nan }
        return Double(line.split(separator: " ").dropFirst().first ?? "") ?? .nan
    }

    /// The service's direct children (the stdio servers it started).
    func children() -> [Int32] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        var all = text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        // Children of the service's other threads are listed under those threads.
        if let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") {
            for t in tasks where t != String(pid) {
                let more = (try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/children", encoding: .utf8)) ?? ""
                all += more.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
        }
        return all
    }

    /// SIGTERM and the wait: the service drains, stops its servers and flushes its recorder.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}
