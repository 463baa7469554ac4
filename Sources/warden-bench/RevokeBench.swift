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
        func measure(_ template: String, _ id: String, expect: Int) throws -> Samples {
            var s = Samples()
            for r in 0..<repeats {
                let copy = folder + "/revoke-\(r).db"
                removeStore(copy)
                try FileManager.default.copyItem(atPath: template, toPath: copy)
                defer { removeStore(copy) }
                let store = try BenchStore.backend(copy).open(for: .operations(readOnly: false))
                let (plan, ms) = try timed { try store.revokeAgent(id, Mutation(operatorName: "bench", now: WallClock.now(), reason: "bench")) }
                guard plan.agents.count == expect else { throw BenchFailure("revoked \(plan.agents.count) agents, expected \(expect)") }
                s.add(ms)
            }
            return s
        }
        let sub = try measure(subPath, root, expect: agents)
        let chain = try measure(chainPath, top, expect: agents)
        return [
            .dist("revoke_subtree_ms", "revoke a \(agents)-agent subtree (+\(2 * agents) credentials)", "ms", sub,
                  targets: [.atMost(150, .median)]),
            .dist("revoke_chain_ms", "revoke a \(agents)-deep chain (+\(2 * agents) credentials)", "ms", chain,
                  targets: [.atMost(150, .median)]),
        ]
    }
}
