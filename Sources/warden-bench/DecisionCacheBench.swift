import WardenCore
import WardenStore
import WardenSystem

/// `authorize` through `DecisionCache` (what the proxy and the gateway decide with): every call
/// reads the governance version from the store; a repeated decision (same credential and tool,
/// nothing governed changed: the proxy's steady state) is then reused, a first decision reads
/// the facts as well.
enum DecisionCacheBench {
    /// `prefix`: "" on SQLite, "pg_" on PostgreSQL. `targets` only where the issue sets them (SQLite).
    static func run(gate: any GateStore, secrets: [String], tools: [String], calls: Int, prefix: String = "",
                    withTargets: Bool = true) throws -> [Metric] {
        var rng = SeededRandom(seed: 4321)
        // First decisions: a cache per call would measure nothing else; one cache, and each
        // call a credential it has not seen (random across the fleet, no repeats).
        var order = Array(secrets.indices)
        for i in order.indices.reversed() where i > 0 { order.swapAt(i, rng.int(i + 1)) }
        let firstCache = DecisionCache(capacity: calls + 1)
        var first = Samples(), firstCPU = Samples()
        for n in 0..<min(calls, order.count) {
            let secret = secrets[order[n]], tool = tools[rng.int(tools.count)]
            let c0 = CPUClock.threadNanos(), t0 = MonotonicClock.nanos()
            _ = try firstCache.authorize(gate, secret: secret, serverTool: tool, now: WallClock.now())
            first.add(Double(MonotonicClock.nanos() - t0) / 1e3)
            firstCPU.add(Double(CPUClock.threadNanos() - c0) / 1e3)
        }
        // Repeated decisions: 500 (credential, tool) pairs decided once, then asked at random.
        let cache = DecisionCache()
        let pairs = (0..<500).map { _ in (secrets[rng.int(secrets.count)], tools[rng.int(tools.count)]) }
        for (s, t) in pairs { _ = try cache.authorize(gate, secret: s, serverTool: t, now: WallClock.now()) }
        let before = cache.reuses
        var repeated = Samples(), repeatedCPU = Samples()
        for _ in 0..<calls {
            let (s, t) = pairs[rng.int(pairs.count)]
            let c0 = CPUClock.threadNanos(), t0 = MonotonicClock.nanos()
            _ = try cache.authorize(gate, secret: s, serverTool: t, now: WallClock.now())
            repeated.add(Double(MonotonicClock.nanos() - t0) / 1e3)
            repeatedCPU.add(Double(CPUClock.threadNanos() - c0) / 1e3)
        }
        let reused = cache.reuses - before
        guard reused == calls else { throw BenchFailure("only \(reused) of \(calls) repeated decisions were reused") }
        return [
            .dist("\(prefix)authorize_first_us", "authorize, first decision for a credential (version + facts; random across \(secrets.count))",
                  "µs", first, targets: withTargets ? [.atMost(60, .p99)] : [], note: "\(first.count) calls"),
            .dist("\(prefix)authorize_first_cpu_us", "  same calls, thread CPU time", "µs", firstCPU),
            .dist("\(prefix)authorize_repeat_us", "authorize, repeated decision (version read, decision reused)", "µs", repeated,
                  targets: withTargets ? [.atMost(20, .p99)] : [], note: "\(calls) calls over 500 credential/tool pairs, all reused"),
            .dist("\(prefix)authorize_repeat_cpu_us", "  same calls, thread CPU time", "µs", repeatedCPU),
        ]
    }

    /// The same, at the bottom of a chain `depth` deep: a repeated decision does not walk it.
    static func deepRepeat(gate: any GateStore, secret: String, depth: Int, calls: Int) throws -> [Metric] {
        let cache = DecisionCache()
        let (_, firstMs) = try timed { try cache.authorize(gate, secret: secret, serverTool: "github/get_issue", now: WallClock.now()) }
        var s = Samples()
        for _ in 0..<calls {
            let t0 = MonotonicClock.nanos()
            let out = try cache.authorize(gate, secret: secret, serverTool: "github/get_issue", now: WallClock.now())
            s.add(Double(MonotonicClock.nanos() - t0) / 1e3)
            guard out.decision == .allow else { throw BenchFailure("chain authorize denied: \(out.decision)") }
        }
        return [.dist("authorize_chain_\(depth)_repeat_us", "authorize at the bottom of a \(depth)-deep chain, repeated", "µs", s,
                      targets: [.atMost(20, .p99)], note: "first decision \(fmt(firstMs * 1000)) µs")]
    }
}
