import Testing
import WardenCore
import WardenStore
import WardenTestSupport

/// Cascades are all or nothing: one that fails changes nothing and journals nothing, and no
/// reader ever sees a descendant standing after its ancestor fell.
@Suite("Conformance: cascade atomicity")
struct CascadeConformance {
    @Test(arguments: Backends.all)
    func aRefusedCascadeChangesNothing(_ backend: BackendUnderTest) throws {
        let fresh = try backend.makeStore()
        let s = fresh.store
        let f = try SmallFleet(s)
        let before = try StoreContents(s)

        let readOnly = try fresh.open(readOnly: true)
        #expect(throws: StoreError.readOnly) { try readOnly.revokeAgent(f.planner.id, m()) }
        #expect(throws: StoreError.readOnly) { try readOnly.disablePrincipal("user:alice@acme.example", m()) }
        #expect(throws: StoreError.readOnly) { try readOnly.narrow(agentID: f.planner.id, .keep(scopes("github/*")), m()) }
        #expect(try StoreContents(s) == before)

        // A conflicting revoke: the coder fell with the planner; revoking it again is refused whole.
        _ = try s.revokeAgent(f.planner.id, m(reason: "incident"))
        let afterRevoke = try StoreContents(s)
        #expect(throws: StoreError.self) { try s.revokeAgent(f.coder.id, m()) }
        #expect(throws: StoreError.self) { try s.narrow(agentID: f.tester.id, .keep(scopes("github/get_repo")), m()) }
        #expect(throws: StoreError.self) { try s.revokeCredential(f.coderToken.credential.id, m()) }
        #expect(try StoreContents(s) == afterRevoke)
    }

    /// Two operators revoke overlapping subtrees at once while a reader watches the tree: one
    /// cascade wins each agent, a refused one leaves no trace, and every read is whole.
    @Test(arguments: Backends.all)
    func overlappingCascadesRaceWithoutTornReads(_ backend: BackendUnderTest) throws {
        let fresh = try backend.makeStore()
        let s = fresh.store
        let alice = "user:alice@acme.example"
        _ = try s.addPrincipal(id: alice, kind: .human, name: "Alice", scopes: .everything, m())
        let root = try s.registerAgent(name: "root", delegator: alice, scopes: scopes("github/*"), ttlMs: nil, m())
        var level = [root]
        for depth in 0..<3 {
            level = try level.flatMap { parent in
                try (0..<3).map { i in
                    let a = try s.registerAgent(name: "\(parent.name)-\(depth)\(i)", delegator: parent.id, scopes: scopes("github/*"), ttlMs: nil, m())
                    _ = try s.issueCredential(agentID: a.id, ttlMs: nil, scopes: nil, instanceID: nil, m())
                    return a
                }
            }
        }
        let inner = try #require(try s.agents().first { $0.parentID == root.id })
        let journalBefore = try s.auditRecords(afterSeq: 0, limit: Int.max).count

        let finished = Locked(0)
        let succeeded = Locked(0)
        let errors = onThreads(3) { i in
            let c = try fresh.open()
            if i < 2 {
                defer { finished.update { $0 += 1 } }
                do {
                    _ = try c.revokeAgent(i == 0 ? root.id : inner.id, m(reason: "operator \(i)"))
                    succeeded.update { $0 += 1 }
                } catch let error as StoreError {
                    // Only the inner revoke may lose, and only because the root's cascade took it first.
                    try check(i == 1, "the root's revoke failed: \(error)")
                }
                return
            }
            var last = false
            while !last {
                last = finished.value == 2
                let agents = try c.agents()
                let byID = Dictionary(uniqueKeysWithValues: agents.map { ($0.id, $0) })
                for a in agents where !a.isRevoked {
                    var parent = a.parentID.flatMap { byID[$0] }
                    while let p = parent {
                        try check(!p.isRevoked, "\(a.name) still stands under fallen \(p.name)")
                        parent = p.parentID.flatMap { byID[$0] }
                    }
                }
            }
        }
        #expect(errors.isEmpty, "\(errors)")
        #expect(try s.agents().allSatisfy(\.isRevoked), "the root's cascade reached every agent")
        #expect(try s.credentials(agentID: nil).allSatisfy { $0.revokedAt != nil })
        let records = try s.auditRecords(afterSeq: 0, limit: Int.max)
        #expect(records.count == journalBefore + succeeded.value, "one record per cascade that happened, none for a refused one")
        #expect(try s.verifyAudit(expectedHead: nil).isIntact)
    }
}
