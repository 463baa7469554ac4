import Testing
import TerminalUI
import WardenCore
import WardenSQLite
import WardenStore
import WardenTestSupport
@testable import WardenDashboard

/// A large store's first frame shows the first principals' subtrees only (`loadFirstScreen`);
/// the whole tree and the rest follow. What the operator ends up with must be what a load of
/// the whole tree at once gives, and what the first frame shows must be true as far as it goes.
@Suite("First screen of a large store")
struct FirstScreenTests {
    let t0: Timestamp = 1_800_000_000_000

    /// Principals `user:p0…` (ID order is the tree's root order) with random delegation trees,
    /// credentials, an instance and calls, so the completing load has something to read.
    func fleet(_ s: SQLiteStore, seed: UInt64, principals: Int, agents: Int) throws -> [String] {
        var rng = SplitMix64(seed: seed)
        var clock = t0 - 600_000
        func m() -> Mutation { clock += 1_000; return Mutation(operatorName: "t", now: clock) }
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        let ids = (0..<principals).map { "user:p\($0)@acme.example" }
        for p in ids.shuffled(using: &rng) { _ = try s.addPrincipal(id: p, kind: .human, name: p, scopes: .everything, m()) }
        let grants = try ["github/*", "github/*,slack/*", "slack/post_message"].map { try ScopeSet(parsing: $0) }
        var made: [Agent] = []
        for i in 0..<agents {
            let by = made.isEmpty || rng.next() % 3 == 0 ? pick(ids) : pick(made).id
            // A grant wider than the delegator's is refused: that agent is not made.
            guard let a = try? s.registerAgent(name: "a\(i)", delegator: by, scopes: pick(grants), ttlMs: rng.next() % 2 == 0 ? nil : 3_600_000, m()) else { continue }
            made.append(a)
            if rng.next() % 3 == 0 { _ = try s.issueCredential(agentID: a.id, ttlMs: 600_000, scopes: nil, instanceID: nil, m()) }
        }
        _ = try s.revokeAgent(pick(made).id, m())
        try s.recordInstanceEvents([.started(Instance(id: "i1", agentID: pick(made).id, host: "h", pid: 1, startedAt: clock, lastHeartbeat: clock))])
        try s.recordCalls((0..<5).map { k in ToolCall(at: clock + Int64(k), agentID: pick(made).id, server: "github", tool: "get_issue", decision: .allow) })
        return ids
    }

    func state(height: Int = 40) -> DashboardState {
        DashboardState(now: t0, width: 120, height: height, readOnly: false, operatorName: "t", storeLocation: "/tmp/w.db", theme: .builtin)
    }

    /// A tree row by what it shows: the node's ID, depth, shape and its parent row's ID.
    func treeRows(_ s: DashboardState) -> [String] {
        s.rows.tree.indices.map { r in
            let row = s.rows.tree[r]
            return "\(s.rowKey(.tree, r)!) \(row.depth) \(row.hasChildren) \(row.isExpanded) \(row.isLast) \(row.parentRow.flatMap { s.rowKey(.tree, $0) } ?? "-")"
        }
    }

    /// Loads until nothing is pending, each snapshot applied to `state` as the runner sends it.
    func complete(_ loader: SnapshotLoader, _ first: FleetSnapshot, into state: inout DashboardState) throws -> FleetSnapshot {
        var snap = first
        while !snap.pending.isEmpty {
            snap = try #require(try loader.load(now: t0))
            _ = Update.update(&state, .snapshot(snap, findings: []))
        }
        return snap
    }

    @Test func theFirstScreenThenTheWholeTreeEndsAsAWholeLoadAtOnce() throws {
        for seed in UInt64(1)...4 {
            let temp = try TempStore(prefix: "warden-firstscreen")
            let ids = try fleet(temp.store, seed: seed, principals: 5 + Int(seed), agents: 60)
            let paged = SnapshotLoader(store: temp.store)
            (paged.firstScreenAbove, paged.firstScreenAgents) = (0, 12)
            let first = try #require(try paged.load(now: t0))
            #expect(first.pending.contains(.structure) && first.principals.map(\.id) == ids)

            let whole = SnapshotLoader(store: temp.store)
            let wholeFirst = try #require(try whole.load(now: t0))
            #expect(!wholeFirst.pending.contains(.structure), "a small store loads its whole tree first")
            // Whole principals in ID order, each with every agent it has, until 12 agents.
            let read = first.principalsRead
            let mine = { (p: String) in wholeFirst.agents.filter { $0.principalID == p } }
            #expect(read >= 1 && read < ids.count, "seed \(seed)")
            #expect(first.agents == ids.prefix(read).flatMap(mine), "seed \(seed)")
            #expect(ids.prefix(read - 1).flatMap(mine).count < 12 && first.agents.count >= 12)
            #expect((0..<ids.count).map { first.agentsUnread(principal: $0) } == (0..<ids.count).map { $0 >= read })

            // The first frame's tree rows for the principals read are the whole tree's rows for them.
            var paging = state(), once = state()
            _ = Update.update(&paging, .snapshot(first, findings: []))
            _ = Update.update(&once, .snapshot(wholeFirst, findings: []))
            let shown = treeRows(paging)
            let firstUnread = try #require(paging.rows.tree.firstIndex { $0.id == .principal(read) })
            #expect(Array(shown.prefix(firstUnread)) == Array(treeRows(once).prefix(firstUnread)), "seed \(seed)")
            #expect(shown.count == firstUnread + ids.count - read, "unread principals are one row each")

            // The next load is the whole tree; the rest follows as for any store.
            let tree = try #require(try paged.load(now: t0))
            _ = Update.update(&paging, .snapshot(tree, findings: []))
            #expect(!tree.pending.contains(.structure) && !tree.pending.isEmpty && tree.principalsRead == ids.count)
            let a = try complete(paged, tree, into: &paging), b = try complete(whole, wholeFirst, into: &once)
            #expect(a.principals == b.principals && a.agents == b.agents && a.credentials == b.credentials)
            #expect(Array(a.instances) == Array(b.instances) && a.calls == b.calls && a.audit.map(\.seq) == b.audit.map(\.seq))
            IncrementalIndexTests.expectRebuilt(a, "seed \(seed): paged load")
            #expect(a.index.forest.parent == b.index.forest.parent && a.index.subtreeSize == b.index.subtreeSize)
            #expect(a.index.nameOrder == b.index.nameOrder && a.index.effective == b.index.effective)
            #expect(a.index.credentialsByAgent == b.index.credentialsByAgent && a.index.rateCounts == b.index.rateCounts)
            // Rows of every view, by the identity of what each row shows.
            RowBuilder.rebuildAll(&paging)
            RowBuilder.rebuildAll(&once)
            for v in ViewKind.allCases {
                let keys = { (s: DashboardState) in (0..<s.rowCount(v)).map { s.rowKey(v, $0) } }
                #expect(keys(paging) == keys(once), "seed \(seed): \(v.descriptor.title)")
            }
            // The whole tree set the row versions: a later change is read incrementally.
            _ = try temp.store.registerAgent(name: "late", delegator: ids[0], scopes: try ScopeSet(parsing: "github/*"), ttlMs: nil,
                                             Mutation(operatorName: "t", now: t0 + 1))
            let late = try #require(try paged.load(now: t0 + 2))
            #expect(late.changed.contains(.structure) && late.agents.count == a.agents.count + 1 && paged.structurePatches == 1)
        }
    }

    /// 4 principals with 5 agents each (a root, two children, two grandchildren); 6 agents ask
    /// for the first two principals.
    func smallFleet() throws -> (TempStore, SnapshotLoader, FleetSnapshot) {
        let temp = try TempStore(prefix: "warden-firstscreen")
        let s = temp.store
        let g = try ScopeSet(parsing: "github/*")
        func m() -> Mutation { Mutation(operatorName: "t", now: t0 - 1_000) }
        for p in 0..<4 {
            let id = "user:p\(p)@acme.example"
            _ = try s.addPrincipal(id: id, kind: .human, name: "P\(p)", scopes: .everything, m())
            let root = try s.registerAgent(name: "root\(p)", delegator: id, scopes: g, ttlMs: nil, m())
            for c in 0..<2 {
                let child = try s.registerAgent(name: "child\(p)-\(c)", delegator: root.id, scopes: g, ttlMs: nil, m())
                if c == 0 { for k in 0..<2 { _ = try s.registerAgent(name: "leaf\(p)-\(k)", delegator: child.id, scopes: g, ttlMs: nil, m()) } }
            }
        }
        let loader = SnapshotLoader(store: s)
        (loader.firstScreenAbove, loader.firstScreenAgents) = (0, 6)
        let first = try #require(try loader.load(now: t0))
        return (temp, loader, first)
    }

    @Test func principalsNotReadYetSayLoadingAndNoFalseTotalIsShown() throws {
        let (_, _, first) = try smallFleet()
        #expect(first.principalsRead == 2 && first.agents.count == 10)
        var s = state()
        _ = Update.update(&s, .snapshot(first, findings: []))
        let lines = s.screen
        #expect(lines[0].contains("4 principals · loading the tree…"), "\(lines[0])")
        #expect(!lines[0].contains("agent"), "no agent total while the tree loads: \(lines[0])")
        for p in 0..<4 {
            let line = try #require(lines.first { $0.contains("user:p\(p)@acme.example") })
            #expect(line.contains("loading…") == (p >= 2), "\(line)")
        }
        #expect(lines.contains { $0.contains("leaf1-1") }, "the read principals' subtrees are shown whole")
        // Opening a principal not read yet is harmless: no rows, no crash.
        let unread = try #require(s.rows.tree.firstIndex { $0.id == .principal(3) })
        Update.select(&s, .tree, row: unread)
        _ = Update.perform(&s, .expand)
        _ = Update.perform(&s, .toggle)
        #expect(s.rowCount(.tree) == 10 + 4)
        #expect(s.screen.joined().contains("loading…"))
        // Its detail says its agents are loading, not that it has none.
        s.detailOpen = true
        #expect(s.screen.contains { $0.contains("agents") && $0.contains("loading…") })
        // Agent-wide lists wait for the whole tree, whatever the sort.
        Update.switchView(&s, .agents)
        for _ in 0..<3 {
            #expect(s.rowCount(.agents) == 0)
            #expect(s.screen.contains { $0.contains("loading the store…") })
            _ = Update.perform(&s, .sortNext)
        }
        // And so does an export.
        let effects = ColonCommand.run(&s, "export /tmp/never-written.csv")
        #expect(effects.isEmpty && s.flash?.isError == true)
    }

    @Test func selectionCollapsedNodesAndScrollSurviveTheWholeTree() throws {
        let (_, loader, first) = try smallFleet()
        var s = state(height: 10)
        _ = Update.update(&s, .snapshot(first, findings: []))
        // Collapse principal 0's first child (two leaves below it), select a leaf of principal 1
        // far enough down that the list scrolls.
        func row(_ name: String) -> Int? { (0..<s.rowCount(.tree)).first { s.rowKey(.tree, $0)?.contains("/agent/\(name)/") == true } }
        let child = try #require(row("child0-0"))
        Update.select(&s, .tree, row: child)
        _ = Update.perform(&s, .collapse)
        let leaf = try #require(row("leaf1-1"))
        Update.select(&s, .tree, row: leaf)
        _ = Screen.render(&s)
        let before = (rows: treeRows(s), list: s.list(.tree), key: s.selectedKeys[.tree])
        #expect(before.list.offset > 0, "the list scrolled")

        let tree = try #require(try loader.load(now: t0))
        _ = Update.update(&s, .snapshot(tree, findings: []))
        _ = Screen.render(&s)
        #expect(s.selectedKeys[.tree] == before.key && s.rowKey(.tree, s.list(.tree).selected!) == before.key)
        #expect(s.list(.tree) == before.list, "same row, same scroll")
        #expect(Array(treeRows(s).prefix(before.rows.count - 2)) == Array(before.rows.prefix(before.rows.count - 2)))
        let childRow = try #require(row("child0-0"))
        #expect(!s.rows.tree[childRow].isExpanded && s.rows.tree[childRow].hasChildren, "still collapsed")
        #expect(s.rowCount(.tree) == 4 + 20 - 2, "every principal's agents, less the collapsed leaves")
        #expect(!s.screen.joined().contains("loading…"))
        _ = try complete(loader, tree, into: &s)
        #expect(s.selectedKeys[.tree] == before.key && s.list(.tree) == before.list)
    }
}
