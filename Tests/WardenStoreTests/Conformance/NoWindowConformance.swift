import Foundation
import Testing
import WardenCore
import WardenStore
import WardenTestSupport

/// "No window": a revoke committed on another connection (another thread, as another process
/// would) is seen by the very next decision of a `DecisionCache` that had the credential's
/// allow in hand, revoke after revoke with random timing. The count here is kept small enough
/// for CI; `warden-bench --only nowindow` runs the full 10,000.
@Suite("Conformance: no window for reused decisions")
struct NoWindowConformance {
    /// Revokes committed so far (the writer publishes each after its commit returns).
    final class Published: @unchecked Sendable {
        private let lock = NSLock()
        private var value = -1
        func set(_ v: Int) { lock.lock(); value = v; lock.unlock() }
        func get() -> Int { lock.lock(); defer { lock.unlock() }; return value }
    }

    @Test(arguments: Backends.all)
    func aRevokeOnAnotherConnectionIsSeenByTheNextDecision(_ backend: BackendUnderTest) throws {
        let count = backend.name == "SQLite" ? 1_000 : 300
        let fresh = try backend.makeStore()
        let s = fresh.store
        let f = try SmallFleet(s)
        var tokens: [IssuedCredential] = []
        for _ in 0..<count { tokens.append(try s.issueCredential(agentID: f.coder.id, ttlMs: nil, scopes: nil, instanceID: nil, m())) }

        let published = Published()
        let writerFailed = Published()
        let operatorBackend = fresh.backend
        let ids = tokens.map(\.credential.id)
        let writer = Thread {
            do {
                let op = try operatorBackend.open(for: .operations(readOnly: false))
                var rng = SystemRandomNumberGenerator()
                for (i, id) in ids.enumerated() {
                    // Random timing: a revoke lands anywhere between two decisions, or during one.
                    var spin = 0
                    for _ in 0..<Int.random(in: 0..<20_000, using: &rng) { spin &+= 1 }
                    _ = try op.revokeCredential(id, m(t0 + 1))
                    published.set(i)
                }
            } catch {
                writerFailed.set(1)
                published.set(Int.max)
            }
        }
        let gate = try fresh.backend.open(for: .gate)
        let cache = DecisionCache()
        var stale = 0, checked = 0
        var next = 0
        writer.start()
        while next < count {
            let committed = published.get()
            if committed == Int.max { break }
            let d = try cache.authorize(gate, secret: tokens[next].secret, serverTool: "github/get_issue", now: t0 + 2).decision
            if committed >= next {
                // Committed before this decision began: it must be seen.
                checked += 1
                if d != .deny(.credentialRevoked) { stale += 1 }
                next += 1
            }
        }
        #expect(writerFailed.get() == -1)
        #expect(checked == count)
        #expect(stale == 0)
        // The allows in between were reused, not read: the window was exercised.
        #expect(cache.reuses > 0)
    }
}
