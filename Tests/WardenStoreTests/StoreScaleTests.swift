import Foundation
import Testing
import WardenCore
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

@Suite("Store under load and at depth")
struct StoreScaleTests {
    /// Builds agents directly (bulk) in one transaction: the shapes are what matter here.
    func bulkAgents(_ s: SQLiteStore, count: Int, parentOf: (Int) -> Int?) throws -> [String] {
        _ = try s.addPrincipal(id: "user:root@acme.example", kind: .human, name: "root", scopes: .everything, m())
        var ids: [String] = []
        var depths: [Int] = []
        try s.write { () throws(StoreError) in
            for i in 0..<count {
                let parent = parentOf(i)
                let id = "spiffe://acme.example/agent/n\(i)/0000"
                let depth = parent.map { depths[$0] + 1 } ?? 1
                try s.insertAgent(Agent(id: id, name: "n\(i)", principalID: "user:root@acme.example", parentID: parent.map { ids[$0] },
                                        depth: depth, grant: .everything, createdAt: t0, expiresAt: nil))
                ids.append(id)
                depths.append(depth)
            }
        }
        return ids
    }

    @Test func revokesAChain10000DeepInOneTransaction() throws {
        let t = try TempStore()
        let ids = try bulkAgents(t.store, count: 10_000, parentOf: { $0 == 0 ? nil : $0 - 1 })
        let leafToken = try t.store.issueCredential(agentID: ids.last!, ttlMs: nil, scopes: nil, instanceID: nil, m())
        #expect(try t.store.chain(of: ids.last!).count == 10_000)
        #expect(try t.store.authorize(secret: leafToken.secret, serverTool: "a/b", now: t0).decision == .allow)
        let plan = try t.store.revokeAgent(ids[0], m())
        #expect(plan.agents.count == 10_000 && plan.credentials.count == 1)
        #expect(try t.store.agents().allSatisfy(\.isRevoked))
        #expect(try t.store.authorize(secret: leafToken.secret, serverTool: "a/b", now: t0).decision == .deny(.ancestorRevoked))
    }

    @Test func revokesAFanOutOf10000() throws {
        let t = try TempStore()
        let ids = try bulkAgents(t.store, count: 10_001, parentOf: { $0 == 0 ? nil : 0 })
        let plan = try t.store.disablePrincipal("user:root@acme.example", m())
        #expect(plan.agents.count == ids.count)
        #expect(try t.store.principal("user:root@acme.example")?.status == .disabled)
        #expect(try t.store.agents().allSatisfy(\.isRevoked))
    }

    /// Several connections writing at once: every write lands, no busy error surfaces.
    @Test func concurrentWritersNeverSeeBusy() async throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        let path = t.path, agentID = f.coder.id
        let writers = 4, batches = 40, perBatch = 25
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    let s = try SQLiteStore.open(path: path)
                    for b in 0..<batches {
                        let calls = (0..<perBatch).map { i in
                            ToolCall(at: t0 + Int64(b * perBatch + i), agentID: agentID, server: "w\(w)", tool: "t", decision: .allow)
                        }
                        try s.recordCalls(calls)
                        if b % 10 == 0 {
                            _ = try s.registerAgent(name: "w\(w)b\(b)", delegator: agentID, scopes: scopes("github/get_*"), ttlMs: nil, m())
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let n = try t.store.db.prepare("SELECT count(*) FROM tool_calls").first { $0.int(0) }
        #expect(n == Int64(writers * batches * perBatch))
        #expect(try t.store.agents().count == 4 + writers * 4)
        #expect(try t.store.verifyAudit().isIntact, "concurrent audited writes keep one unbroken chain")
    }

    /// Rule 6 at depth: narrowing the root cuts every descendant in one transaction.
    @Test func narrowsAChain10000DeepAndAFanOutOf10000() throws {
        for shape in ["chain", "fan"] {
            let t = try TempStore()
            let s = t.store
            let count = 10_000
            _ = try s.addPrincipal(id: "user:root@acme.example", kind: .human, name: "root", scopes: .everything, m())
            try s.write { () throws(StoreError) in
                var ids: [String] = []
                for i in 0..<count {
                    let parent: Int? = i == 0 ? nil : shape == "chain" ? i - 1 : 0
                    let id = "spiffe://acme.example/agent/n\(i)/0000"
                    try s.insertAgent(Agent(id: id, name: "n\(i)", principalID: "user:root@acme.example", parentID: parent.map { ids[$0] },
                                            depth: shape == "chain" ? i + 1 : (i == 0 ? 1 : 2), grant: scopes("github/*,slack/*"),
                                            createdAt: t0, expiresAt: nil))
                    ids.append(id)
                }
            }
            let root = "spiffe://acme.example/agent/n0/0000"
            let plan = try s.narrow(agentID: root, .drop(scopes("slack/*")), m(t0 + 1))
            #expect(plan.descendants.count == count - 1, "\(shape)")
            #expect(try s.agents().allSatisfy { $0.grant == scopes("github/*") }, "\(shape)")
        }
    }
}

typealias SplitMix = SplitMix64
