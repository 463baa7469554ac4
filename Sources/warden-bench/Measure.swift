import Foundation
import Glibc
import WardenSystem

/// The 1-minute load average (other work on the machine distorts the tails).
func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
}

/// Runs `body` and returns its result and the time it took in milliseconds.
@inline(__always)
func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let t0 = MonotonicClock.nanos()
    let r = try body()
    return (r, Double(MonotonicClock.nanos() - t0) / 1e6)
}

/// A set of samples (in the metric's unit) with order statistics.
struct Samples {
    var values: [Double] = []
    mutating func add(_ v: Double) { values.append(v) }
    var count: Int { values.count }
    /// Nearest-rank percentile (p in 0...100).
    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
    }
    var median: Double {
        guard !values.isEmpty else { return .nan }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
    var p99: Double { percentile(99) }
    var max: Double { values.max() ?? .nan }
    var mean: Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }
}

/// How a figure compares with its target.
enum Target {
    /// The figure (median or p99 as named) must be at most this.
    case atMost(Double, Stat)
    case atLeast(Double, Stat)
    enum Stat: String { case median, p99, value }

    func met(_ m: Metric) -> Bool {
        switch self {
        case .atMost(let limit, let s): return m.stat(s) <= limit
        case .atLeast(let limit, let s): return m.stat(s) >= limit
        }
    }

    var text: String {
        switch self {
        case .atMost(let v, let s): return "\(s == .value ? "" : s.rawValue + " ")≤ \(fmt(v))"
        case .atLeast(let v, let s): return "\(s == .value ? "" : s.rawValue + " ")≥ \(fmt(v))"
        }
    }
}

/// One reported figure.
struct Metric {
    /// Stable key for `--json` (snake_case; never renamed between commits).
    var key: String
    var label: String
    var unit: String
    var median: Double
    var p99: Double?
    var samples: Int
    var targets: [Target] = []
    var note: String?

    func stat(_ s: Target.Stat) -> Double {
        switch s {
        case .median, .value: return median
        case .p99: return p99 ?? median
        }
    }

    var met: Bool? { targets.isEmpty ? nil : targets.allSatisfy { $0.met(self) } }

    static func dist(_ key: String, _ label: String, _ unit: String, _ s: Samples, targets: [Target] = [], note: String? = nil) -> Metric {
        Metric(key: key, label: label, unit: unit, median: s.median, p99: s.p99, samples: s.count, targets: targets, note: note)
    }

    static func value(_ key: String, _ label: String, _ unit: String, _ v: Double, targets: [Target] = [], note: String? = nil) -> Metric {
        Metric(key: key, label: label, unit: unit, median: v, p99: nil, samples: 1, targets: targets, note: note)
    }
}

func fmt(_ v: Double) -> String {
    if v.isNaN { return "-" }
    let a = abs(v)
    if a >= 100_000 { return String(Int(v.rounded())) }
    if a >= 100 { return String(format: "%.0f", v) }
    if a >= 10 { return String(format: "%.1f", v) }
    if a >= 1 { return String(format: "%.2f", v) }
    return String(format: "%.3f", v)
}

/// Progress notes on stderr (the table and JSON go to stdout or --out).
func note(_ s: String) {
    FileHandle.standardError.write(Data(("· " + s + "\n").utf8))
}

/// CPU time (user + system, ms) this process has spent in all its threads, those that have
/// ended included: less the calling thread's own, what the threads it started (a dashboard's
/// effect runner and its helpers) spent, which under load is steadier than wall time.
func processCPUms() -> Double {
    var u = rusage()
    _ = getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000 + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000
}
