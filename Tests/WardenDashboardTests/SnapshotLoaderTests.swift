import Foundation
import Testing
import WardenCore
import WardenSQLite
import WardenStore
import WardenTestSupport
@testable import WardenDashboard

/// The incremental loader must end where a fresh full load ends, reading only what changed.
@Suite("Snapshot loader")
struct SnapshotLoaderTests {
    let t0: Timestamp = 1_800_000_000_000
    func m(_ dt: Int64 = 0) -> Mutation { Mutation(operatorName: "t", now: t0 + dt) }

    func store() throws -> TempStore { try TempStore(prefix: "warden-loader") }

    func same(_ a: FleetSnapshot, _ b: FleetSnapshot) {
        #expect(Set(a.principals.map(\.self)) == Set(b.principals.map(\.self)))
        #expect(Set(a.agents.map(\.self)) == Set(b.agents.map(\.self)))
        #expect(Set(a.credentials.map(\.self)) == Set(b.credentials.map(\.self)))
        #expect(Set(a.instances.map(\.self)) == Set(b.instances.map(\.self)))
        #expect(a.calls.map(\.seq) == b.calls.map(\.seq))
        #expect(a.audit.map(\.seq) == b.audit.map(\.seq))
        #expect(Set(a.minutes.map { "\($0.agentID) \($0.minute) \($0.calls) \($0.denied)" }) == Set(b.minutes.map { "\($0.agentID) \($0.minute) \($0.calls) \($0.denied)" }))
        #expect(a.index.effective.count == b.index.effective.count)
        #expect(a.index.liveUntil == b.index.liveUntil && a.index.instanceLiveUntil == b.index.instanceLiveUntil)
        #expect(a.index.instancesByAgent == b.index.instancesByAgent)
        #expect(a.index.rateCounts == b.index.rateCounts && a.index.deniedLastMinute == b.index.deniedLastMinute)
        #expect(a.index.deniedTotalLastMinute == b.index.deniedTotalLastMinute && a.index.lastCall == b.index.lastCall)
        #expect(a.index.deniedTimes == b.index.deniedTimes && a.index.deniedLast60s(now: a.loadedAt) == b.index.deniedLast60s(now: b.loadedAt))
    }

    @Test func incrementalLoadsMatchAFreshLoadAndSayWhatChanged() throws {
        let temp = try store()
        let s = temp.store
        _ = try s.addPrincipal(id: "user:a@acme.example", kind: .human, name: "a", scopes: .everything, m())
        let root = try s.registerAgent(name: "root", delegator: "user:a@acme.example", scopes: try ScopeSet(parsing: "github/*"), ttlMs: nil, m())
        let loader = SnapshotLoader(store: s)
        let tree = try #require(try loader.load(now: t0 + 1))
        #expect(tree.pending == [.credentials, .instances, .activity, .audit, .tools], "the first frame gets the tree alone")
        #expect(tree.agents.map(\.name) == ["root"] && tree.audit.isEmpty && tree.index.nameOrder.isEmpty)
        let first = try #require(try loader.load(now: t0 + 1), "the rest comes on the next load, changed or not")
        IncrementalIndexTests.expectRebuilt(first, "completed without changes")
        #expect(first.pending.isEmpty && first.changed == .all)
        #expect(first.audit.count == 2 && first.index.nameOrder == [0] && first.index.effective.count == 1)
        // The first findings do not wait for a whole check of the state: the journal and the
        // state are verified by the load right after the one that completed the snapshot.
        #expect(first.auditState == nil && first.stateCheck == nil && loader.checksDue)
        let verified = try #require(try loader.load(now: t0 + 2), "checks due: loaded without a change")
        #expect(verified.changed == [.audit] && !loader.checksDue)
        #expect(verified.auditState?.isIntact == true && verified.stateCheck?.isConsistent == true)
        let unchanged = try loader.load(now: t0 + 3)
        #expect(unchanged == nil, "nothing changed, nothing loaded")

        let child = try s.registerAgent(name: "child", delegator: root.id, scopes: try ScopeSet(parsing: "github/get_*"), ttlMs: nil, m(10))
        let second = try #require(try loader.load(now: t0 + 20))
        #expect(second.changed.contains(.structure) && second.changed.contains(.audit))
        #expect(second.agents.map(\.name) == ["root", "child"])
        // The new record's change shows first; the journal and state are verified a load later.
        #expect(loader.checksDue && second.auditState == verified.auditState)
        let checked = try #require(try loader.load(now: t0 + 21), "checks due: loaded without a change")
        #expect(checked.changed == [.audit] && !loader.checksDue)
        #expect(checked.auditState?.isIntact == true && checked.stateCheck?.isConsistent == true)
        #expect(checked.auditState != verified.auditState, "the new record is verified")
        #expect(try loader.load(now: t0 + 22) == nil)

        try s.recordInstanceEvents([.started(Instance(id: "i1", agentID: child.id, host: "h", pid: 1, startedAt: t0, lastHeartbeat: t0 + 30))])
        let third = try #require(try loader.load(now: t0 + 40))
        #expect(third.changed == [.instances])

        try s.recordCalls([ToolCall(at: t0 + 50, agentID: child.id, server: "github", tool: "get_repo", decision: .allow)])
        let fourth = try #require(try loader.load(now: t0 + 60))
        #expect(fourth.changed == [.activity])
        #expect(fourth.index.callsPerMinute(fourth.index.forest.index[child.id]!) == 1)
        // More calls, a denial, in the same minute: the rates are patched, not rebuilt.
        try s.recordCalls([ToolCall(at: t0 + 61, agentID: child.id, server: "github", tool: "get_repo", decision: .allow),
                           ToolCall(at: t0 + 62, agentID: child.id, server: "github", tool: "delete_repo", decision: .deny, reason: "scope_not_granted")])
        let patched = try #require(try loader.load(now: t0 + 65))
        #expect(patched.index.callsPerMinute(1) == 3 && patched.index.deniedLastMinute[1] == 1 && patched.index.deniedTotalLastMinute == 1)
        #expect(patched.index.rates(1)?.last == 3 && patched.index.lastCall[1] == t0 + 62)
        same(patched, try full(SnapshotLoader(store: s), now: t0 + 65))

        _ = try s.issueCredential(agentID: child.id, ttlMs: 60_000, scopes: nil, instanceID: "i1", m(70))
        _ = try s.revokeAgent(root.id, m(80))
        try s.recordInstanceEvents([.heartbeat(instanceID: "i1", at: t0 + 90)])
        let fifth = try #require(try loader.load(now: t0 + 100))
        #expect(fifth.changed.isSuperset(of: [.structure, .credentials, .instances, .audit]))
        #expect(fifth.agents.map(\.name) == ["root", "child"], "an updated agent keeps its place")
        #expect(fifth.agents.allSatisfy { $0.isRevoked })
        #expect(fifth.instances.first?.lastHeartbeat == t0 + 90)

        same(fifth, try full(SnapshotLoader(store: s), now: t0 + 100))

        // Heartbeats and a stop alone: the instance index is patched in place.
        try s.recordInstanceEvents([.started(Instance(id: "i2", agentID: child.id, host: "h", pid: 2, startedAt: t0, lastHeartbeat: t0 + 100))])
        _ = try loader.load(now: t0 + 110)
        try s.recordInstanceEvents([.heartbeat(instanceID: "i1", at: t0 + 120), .stopped(instanceID: "i2", at: t0 + 120)])
        let sixth = try #require(try loader.load(now: t0 + 130))
        #expect(sixth.changed == [.instances])
        #expect(sixth.index.liveCount(now: t0 + 130) == 1 && sixth.index.liveInstances(1, now: t0 + 130) == 1)
        same(sixth, try full(SnapshotLoader(store: s), now: t0 + 130))
    }

    /// Where the bytes of `s` live (nil for a small string held inline).
    static func storage(_ s: String) -> UInt? {
        s.utf8.withContiguousStorageIfAvailable { UInt(bitPattern: $0.baseAddress) } ?? nil
    }

    /// Every agent's principal and delegator IDs are the held principal's and parent's own
    /// strings (one string per ID), and the rows are what the store holds.
    func expectSharedIDs(_ snap: FleetSnapshot, _ s: SQLiteStore, _ what: String) throws {
        #expect(Set(snap.agents) == Set(try s.agents()), "\(what): the rows as stored")
        let forest = snap.index.forest
        var parents = 0
        for (i, a) in snap.agents.enumerated() {
            let p = try #require(snap.principals.first { $0.id == a.principalID })
            #expect(Self.storage(a.principalID) == Self.storage(p.id), "\(what): agent \(i)'s principal ID")
            guard let parentID = a.parentID else { continue }
            let up = try #require(forest.index[parentID])
            #expect(Self.storage(parentID) == Self.storage(snap.agents[up].id), "\(what): agent \(i)'s delegator ID")
            #expect(forest.agents[i] == a && forest.parent[i] == up)
            parents += 1
        }
        #expect(parents > 10, "\(what): delegated agents checked")
    }

    @Test(arguments: [UInt64(5), 6, 7])
    func rowsShareTheHeldIDStringsAndLoadAsStored(seed: UInt64) throws {
        let temp = try store()
        let s = temp.store
        var rng = SplitMix64(seed: seed)
        var ids: [String] = []
        for p in 0..<3 {
            ids.append(try s.addPrincipal(id: "user:p\(p)@acme.example", kind: .human, name: "p\(p)", scopes: .everything, m()).id)
        }
        let scopes = try ScopeSet(parsing: "github/*")
        for i in 0..<40 {
            let delegator = ids[Int(rng.next() % UInt64(ids.count))]
            ids.append(try s.registerAgent(name: "a\(i)", delegator: delegator, scopes: scopes, ttlMs: nil, m(Int64(i))).id)
        }
        let loader = SnapshotLoader(store: s)
        try expectSharedIDs(try full(loader, now: t0 + 100), s, "first load")
        // Later rows: new agents beneath held ones, and a revocation's replaced subtree.
        for i in 40..<60 {
            let delegator = ids[3 + Int(rng.next() % 40)]
            _ = try s.registerAgent(name: "a\(i)", delegator: delegator, scopes: scopes, ttlMs: nil, m(Int64(100 + i)))
        }
        _ = try s.revokeAgent(ids[3 + Int(rng.next() % 40)], m(200))
        let later = try #require(try loader.load(now: t0 + 300))
        #expect(later.changed.contains(.structure) && later.agents.count == 60)
        try expectSharedIDs(later, s, "later load")
        same(later, try full(SnapshotLoader(store: s), now: t0 + 300))
    }

    func full(_ loader: SnapshotLoader, now: Timestamp) throws -> FleetSnapshot {
        var snap = try #require(try loader.load(now: now))
        while !snap.pending.isEmpty { snap = try #require(try loader.load(now: now)) }
        return snap
    }

    @Test func writesBetweenTheTwoStepsOfAFirstLoadArePickedUp() throws {
        let temp = try store()
        let s = temp.store
        _ = try s.addPrincipal(id: "user:a@acme.example", kind: .human, name: "a", scopes: .everything, m())
        let root = try s.registerAgent(name: "root", delegator: "user:a@acme.example", scopes: try ScopeSet(parsing: "github/*"), ttlMs: nil, m())
        let loader = SnapshotLoader(store: s)
        let tree = try #require(try loader.load(now: t0 + 1))
        #expect(!tree.pending.isEmpty)
        // Between the tree and the rest: a new agent, a renamed-by-revocation root, a credential.
        let child = try s.registerAgent(name: "child", delegator: root.id, scopes: try ScopeSet(parsing: "github/get_*"), ttlMs: nil, m(10))
        _ = try s.issueCredential(agentID: child.id, ttlMs: 60_000, scopes: nil, instanceID: nil, m(20))
        _ = try s.revokeAgent(child.id, m(30))
        let rest = try #require(try loader.load(now: t0 + 40))
        #expect(rest.pending.isEmpty)
        #expect(rest.agents.map(\.name) == ["root", "child"])
        #expect(rest.agents[1].isRevoked && rest.credentials.count == 1 && rest.credentials[0].revokedAt != nil)
        same(rest, try full(SnapshotLoader(store: s), now: t0 + 40))
        IncrementalIndexTests.expectRebuilt(rest, "completed after writes between the steps")
    }
}
