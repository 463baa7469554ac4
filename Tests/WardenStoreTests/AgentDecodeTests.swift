import Testing
import WardenCore
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

/// The first read of a large fleet decodes agents without a string per repeated principal or
/// grant (`sharedText`, `scopes(bytes:)`) into an array sized up front: it must give exactly
/// the agents a plain decode of every column gives.
@Suite("SQLite agent decode")
struct AgentDecodeTests {
    /// The decode before the shared path: every text column read as its own string.
    static func plainAgents(_ s: SQLiteStore) throws -> [Agent] {
        try s.db.prepare("SELECT \(SQLiteStore.agentSelectColumns) FROM agents ORDER BY rowid").all { r in
            Agent(id: r.string(0), name: r.string(1), principalID: r.string(2), parentID: r.optString(3),
                  depth: Int(r.int(4)), grant: s.scopes(r.string(5)), createdAt: r.int(6), expiresAt: r.optInt(7),
                  revokedAt: r.optInt(8), revokeReason: r.optString(9), registered: r.int(10) != 0, revokedBy: r.optString(11))
        }
    }

    @Test func sharedDecodeEqualsPlainDecodeOverRandomFleets() throws {
        for seed in UInt64(1)...4 {
            let temp = try TempStore(prefix: "warden-decode")
            let s = temp.store
            var rng = SplitMix64(seed: seed)
            var clock: Timestamp = 1_800_000_000_000
            func m() -> Mutation { clock += 1_000; return Mutation(operatorName: "t", now: clock) }
            func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
            // Short IDs (held inline in the string), long ones and non-ASCII ones.
            let principals = ["user:a", "user:zoë@acme.example", "workload:a-rather-long-principal-identifier@acme.example", "user:b"]
            for p in principals { _ = try s.addPrincipal(id: p, kind: .human, name: p, scopes: .everything, m()) }
            let grants = try ["github/*", "github/*,slack/*", "slack/post_message", "github/get_issue,github/get_repo"].map { try ScopeSet(parsing: $0) }
            var agents: [Agent] = []
            for i in 0..<200 {
                let parent = agents.isEmpty || rng.next() % 3 == 0 ? pick(principals) : pick(agents).id
                let name = rng.next() % 5 == 0 ? "a-longer-agent-name-\(i)-ü" : "a\(i)"
                if let a = try? s.registerAgent(name: name, delegator: parent, scopes: pick(grants), ttlMs: rng.next() % 2 == 0 ? nil : 3_600_000, m()) {
                    agents.append(a)
                }
                if i % 40 == 39 { _ = try? s.revokeAgent(pick(agents).id, m()) }
            }
            let first = try s.changedRows(after: RowVersions(structure: 0, credentials: nil, instances: nil))
            let plain = try Self.plainAgents(s)
            #expect(plain.count == agents.count, "seed \(seed): every registered agent stored")
            #expect(first.agents == plain, "seed \(seed): shared decode == plain decode")
            #expect(try s.agents() == plain, "seed \(seed): agents() == plain decode")
            #expect(Set(first.principals.map(\.id)) == Set(principals), "seed \(seed): principals")
        }
    }
}
