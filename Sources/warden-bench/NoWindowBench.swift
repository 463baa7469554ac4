import WardenCore
import WardenStore
import WardenSystem

/// "No window", at full count: `revokes` credentials revoked one by one on another connection
/// (another thread) at random moments while a `DecisionCache` decides for the next one to go;
/// each decision that began after a revoke's commit returned must deny. Fails on one stale allow.
enum NoWindowBench {
    static func run(folder: String, revokes: Int) throws -> [Metric] {
        let path = folder + "/nowindow.db"
        defer { removeStore(path) }
        let backend = BenchStore.backend(path)
        let store = try backend.create(trustDomain: SyntheticFleet.trustDomain)
        let m = Mutation(operatorName: "bench", now: WallClock.now())
        _ = try store.addPrincipal(id: "user:bench@acme.example", kind: .human, name: "Bench", scopes: .everything, m)
        let agent = try store.registerAgent(name: "agent", delegator: "user:bench@acme.example",
                                            scopes: try ScopeSet(parsing: "github/*"), ttlMs: nil, m)
        var tokens: [IssuedCredential] = []
        for _ in 0..<revokes { tokens.append(try store.issueCredential(agentID: agent.id, ttlMs: nil, scopes: nil, instanceID: nil, m)) }

        let published = Published()
        let ids = tokens.map(\.credential.id)
        let writerDone = Published()
        let started = BackgroundThread.start(name: "revoker") {
            do {
                let op = try backend.open(for: .operations(readOnly: false))
                var rng = SeededRandom(seed: 99)
                for (i, id) in ids.enumerated() {
                    var spin = 0
                    for _ in 0..<rng.int(40_000) { spin &+= 1 }
                    _ = try op.revokeCredential(id, Mutation(operatorName: "bench", now: WallClock.now()))
                    published.set(i)
                }
                writerDone.set(1)
            } catch {
                writerDone.set(2)
                published.set(Int.max)
            }
        }
        guard started else { throw BenchFailure("cannot start the revoking thread") }
        let gate = try backend.open(for: .gate)
        let cache = DecisionCache()
        var stale = 0, checked = 0, decisions = 0, next = 0
        while next < revokes {
            let committed = published.get()
            if committed == Int.max { throw BenchFailure("the revoking thread failed") }
            let d = try cache.authorize(gate, secret: tokens[next].secret, serverTool: "github/get_issue", now: WallClock.now()).decision
            decisions += 1
            if committed >= next {
                checked += 1
                if d != .deny(.credentialRevoked) { stale += 1 }
                next += 1
            }
        }
        guard stale == 0 else { throw BenchFailure("\(stale) of \(checked) decisions after a committed revoke were stale") }
        return [.value("nowindow_stale", "decisions that missed a revoke committed before they began", "", Double(stale),
                       note: "\(checked) revokes on another connection, \(decisions) decisions, \(cache.reuses) reused")]
    }

    final class Published: @unchecked Sendable {
        private let lock = Lock()
        private var value = -1
        func set(_ v: Int) { lock.withLock { value = v } }
        func get() -> Int { lock.withLock { value } }
    }
}
