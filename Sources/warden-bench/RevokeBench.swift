import Foundation
import WardenCore
import WardenStore
import WardenSystem

/// Revoke a 10,000-agent subtree and a 10,000-deep chain; a fresh copy of the store each run
/// (revocation is final), timing only the `revokeAgent` call.
enum RevokeBench {
    static func run(folder: String, agents: Int, repeats: Int) throws -> [Metric] {
        let now = WallClock.now()
        let subPath = folder + "/subtree.db", chainPath = folder + "/chain.db"
        let root = try SyntheticFleet.buildSubtree(at: subPath, agents: agents, now: now)
        let (top, _) = try SyntheticFleet.buildChain(at: chainPath, depth: agents, now: now)
        defer { removeStore(subPath); removeStore(chainPath) }
        /// Wall time of the revoke, the revoking thread's CPU time in it (what the load of a shared
        /// machine does not inflate), and the close after it (the last WAL checkpoint, which a large
        /// cascade leaves to a background thread, runs there at the latest).
        func measure(_ template: String, _ id: String, expect: Int) throws -> (wall: Samples, cpu: Samples, close: Samples) {
            var wall = Samples(), cpu = Samples(), close = Samples()
            for r in 0..<repeats {
                let copy = folder + "/revoke-\(r).db"
                removeStore(copy)
                try FileManager.default.copyItem(atPath: template, toPath: copy)
                defer { removeStore(copy) }
                var store = Optional(try BenchStore.backend(copy).open(for: .operations(readOnly: false)))
                let c0 = CPUClock.threadNanos()
                let (plan, ms) = try timed { try store!.revokeAgent(id, Mutation(operatorName: "bench", now: WallClock.now(), reason: "bench")) }
                cpu.add(Double(CPUClock.threadNanos() - c0) / 1e6)
                guard plan.agents.count == expect else { throw BenchFailure("revoked \(plan.agents.count) agents, expected \(expect)") }
                wall.add(ms)
                let t0 = MonotonicClock.nanos()
                store = nil
                close.add(Double(MonotonicClock.nanos() - t0) / 1e6)
            }
            return (wall, cpu, close)
        }
        let sub = try measure(subPath, root, expect: agents)
        let chain = try measure(chainPath, top, expect: agents)
        return [
            .dist("revoke_subtree_ms", "revoke a \(agents)-agent subtree (+\(2 * agents) credentials)", "ms", sub.wall,
                  targets: [.atMost(150, .median)]),
            .dist("revoke_subtree_cpu_ms", "  same revokes, the revoking thread's CPU time", "ms", sub.cpu),
            .dist("revoke_subtree_close_ms", "  closing the store after it (the last checkpoint)", "ms", sub.close),
            .dist("revoke_chain_ms", "revoke a \(agents)-deep chain (+\(2 * agents) credentials)", "ms", chain.wall,
                  targets: [.atMost(150, .median)]),
            .dist("revoke_chain_cpu_ms", "  same revokes, the revoking thread's CPU time", "ms", chain.cpu),
            .dist("revoke_chain_close_ms", "  closing the store after it (the last checkpoint)", "ms", chain.close),
        ]
    }
}
