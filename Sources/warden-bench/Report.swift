import Foundation

/// The figures of one run: a table for people, JSON (stable keys) for comparing commits.
struct Report {
    let size: BenchSize
    let quick: Bool
    let seed: UInt64
    let build: [Metric]
    let sections: [(Section, [Metric])]
    let failures: [(Section, String)]
    let skipped: [(Section, String)]
    let loadAtStart: String
    /// The store measured: "sqlite" (the synthetic file) or "postgres".
    var backend = "sqlite"

    static var machine: [String: String] {
        var m: [String: String] = ["nproc": String(ProcessInfo.processInfo.activeProcessorCount), "loadavg_end": loadAverage()]
        if let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = cpu.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":") {
            m["cpu"] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if let mem = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = mem.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal") }),
           let kb = Double(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") {
            m["memory"] = String(format: "%.1f GB", kb / 1_048_576)
        }
        return m
    }

    func table() -> String {
        let backendFlag = backend == "sqlite" ? "" : " --backend \(backend)"
        var out = "warden-bench\(backendFlag) --size \(size.rawValue)\(quick ? " --quick" : "")  (seed \(seed))\n"
        let mach = Self.machine
        out += "machine: \(mach["nproc"] ?? "?") cores, \(mach["cpu"] ?? "?"), \(mach["memory"] ?? "?"); load average \(loadAtStart) at start, \(mach["loadavg_end"] ?? "?") at the end\n"
        let all = (build.isEmpty ? [] : [("Store", build)]) + sections.map { ($0.0.title, $0.1) }
        let labelWidth = max(60, all.flatMap { $0.1 }.map { $0.label.count }.max() ?? 0)
        func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
            let c = s.count
            if c >= n { return s }
            return right ? String(repeating: " ", count: n - c) + s : s + String(repeating: " ", count: n - c)
        }
        out += "\n" + pad("figure", labelWidth) + pad("median", 11, right: true) + pad("p99", 11, right: true) + "  "
            + pad("unit", 9) + pad("target", 26) + "met\n"
        for (title, metrics) in all {
            out += "\n" + title + "\n"
            for m in metrics {
                let met = m.met.map { $0 ? "yes" : "NO" } ?? ""
                out += pad(m.label, labelWidth) + pad(fmt(m.median), 11, right: true) + pad(m.p99.map(fmt) ?? "", 11, right: true) + "  "
                    + pad(m.unit, 9) + pad(m.targets.map(\.text).joined(separator: ", "), 26) + met + "\n"
                if let n = m.note { out += "    " + n + "\n" }
            }
        }
        for (s, why) in skipped { out += "\nskipped \(s.rawValue): \(why)\n" }
        for (s, why) in failures { out += "\nFAILED \(s.rawValue): \(why)\n" }
        let targets = (build + sections.flatMap { $0.1 }).filter { $0.met != nil }
        let missed = targets.filter { $0.met == false }
        out += "\ntargets: \(targets.count - missed.count) of \(targets.count) met"
        if !missed.isEmpty { out += "; missed: " + missed.map(\.key).joined(separator: ", ") }
        return out + "\n"
    }

    func json() -> String {
        func num(_ v: Double?) -> Any { guard let v, v.isFinite else { return NSNull() }; return v }
        var metrics: [String: Any] = [:]
        for (s, list) in [(nil as Section?, build)] + sections.map({ (Optional($0.0), $0.1) }) {
            for m in list {
                var o: [String: Any] = ["label": m.label, "unit": m.unit, "median": num(m.median), "samples": m.samples,
                                        "section": s?.rawValue ?? "store"]
                if let p = m.p99 { o["p99"] = num(p) }
                if !m.targets.isEmpty { o["target"] = m.targets.map(\.text).joined(separator: ", "); o["met"] = m.met! }
                if let n = m.note { o["note"] = n }
                metrics[m.key] = o
            }
        }
        let doc: [String: Any] = [
            "schema": 1, "backend": backend, "size": size.rawValue, "loadavg_start": loadAtStart, "quick": quick, "seed": seed, "machine": Self.machine,
            "counts": ["agents": size.agents, "calls": size.calls], "metrics": metrics,
            "failures": Dictionary(failures.map { ($0.0.rawValue, $0.1) }, uniquingKeysWith: { a, _ in a }),
            "skipped": Dictionary(skipped.map { ($0.0.rawValue, $0.1) }, uniquingKeysWith: { a, _ in a }),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
