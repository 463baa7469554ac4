import Testing
import TerminalUI
import WardenCore
@testable import WardenDashboard

/// The structures that keep keystrokes cheap at 100k agents must give exactly what the plain
/// ways give: the tree spliced on a toggle equals the tree flattened anew, the radix sort
/// equals a stable comparison sort, one pass over the search buffer equals a search per row.
@Suite("Dashboard scale structures")
struct ScaleStructureTests {
    /// A random forest of `n` agents under two principals, up to 6 deep.
    static func state(agents n: Int, seed: UInt64) -> DashboardState {
        var rng = SplitMix64(seed: seed)
        var agents: [Agent] = []
        for i in 0..<n {
            let parent = i < 2 || rng.next() % 4 == 0 ? nil : agents[Int(rng.next() % UInt64(i))]
            let depth = parent.map { $0.depth + 1 } ?? 1
            if depth > 6 {
                agents.append(Fixture.agent("a\(i)", parent: nil, depth: 1, grant: "github/*"))
            } else {
                agents.append(Fixture.agent("a\(i)", parent: parent?.name, principal: i % 2 == 0 ? "user:alice@acme.example" : "workload:ci/deploy", depth: depth, grant: "github/*"))
            }
        }
        var s = DashboardState(now: Fixture.now, width: 120, height: 40, readOnly: false, operatorName: "t",
                               storeLocation: "/x", theme: .builtin)
        _ = Update.update(&s, .snapshot(Fixture.snapshot(agents: agents), findings: []))
        return s
    }

    @Test func togglingATreeRowSplicesWhatAFullFlattenGives() {
        for seed in UInt64(1)...4 {
            var s = Self.state(agents: 300, seed: seed)
            var rng = SplitMix64(seed: seed * 77)
            for step in 0..<200 {
                let row = Int(rng.next() % UInt64(s.rows.tree.count))
                Update.select(&s, .tree, row: row)
                _ = Update.update(&s, .key(.char(" ")))
                let rebuilt = FleetTreeView.rows(s, Filter(""))
                #expect(s.rows.tree == rebuilt, "seed \(seed) step \(step): toggled row \(row)")
                if s.rows.tree != rebuilt { return }
            }
        }
    }

    @Test func radixOrderIsAStableSortAscendingAndDescending() {
        var rng = SplitMix64(seed: 9)
        // 70,000 rows take the 16-bit digit passes.
        for n in [0, 1, 2, 17, 1000, 70_000] {
            let rows = (0..<n).map { _ in Int(rng.next() % 5000) }
            // Few distinct keys (many ties) and extremes of Int64, among keys of any size.
            let pool: [Int64] = [.min, -5, 0, 3, 3, 1_796_000_000_000, .max]
            let keys = rows.map { _ in
                rng.next() % 2 == 0 ? pool[Int(rng.next() % UInt64(pool.count))] : Int64(bitPattern: rng.next()) >> (rng.next() % 64)
            }
            for descending in [false, true] {
                let expected = zip(keys, rows).enumerated().sorted { a, b in
                    if a.element.0 != b.element.0 { return descending ? a.element.0 > b.element.0 : a.element.0 < b.element.0 }
                    return a.offset < b.offset
                }.map(\.element.1)
                // Compared as a Bool: 70,000 rows would flood the log if they differed.
                let same = RadixSort.order(rows, keys: keys, descending: descending) == expected
                #expect(same, "n \(n) descending \(descending)")
            }
        }
    }

    @Test func oneScanMarksExactlyTheRowsContainingTheNeedle() {
        let texts = ["triage-bot spiffe://x/a", "", "aaa", "ab", "b", "xa", "a", "bot-bot", "ébot", "zz"]
        let search = SearchText(texts)
        for needle in ["a", "aa", "ab", "bot", "b", "é", "zz", "nothing", "x/a", "a\u{0}x"] {
            var hits = [Bool](repeating: false, count: texts.count)
            search.mark(Array(needle.utf8), into: &hits)
            #expect(hits == texts.map { $0.contains(needle) }, "needle \(needle)")
        }
    }

    @Test func agentFilterMatchesTextOrStatusAndInverts() {
        var s = Fixture.state()
        s.type("2/revoked")
        #expect(s.rows[.agents].map { s.snapshot.agents[$0].name } == ["dup-finder"])
        s.press(.escape)
        s.type("/!o")
        let names = Set(s.rows[.agents].map { s.snapshot.agents[$0].name })
        #expect(!names.isEmpty)
        #expect(names.allSatisfy { !$0.contains("o") }, "\(names)")
    }
}

@Suite("First frame before the whole store")
struct FirstFrameTests {
    @Test func aSnapshotWithTheTreeAloneDrawsTheTreeAndSaysTheRestIsLoading() {
        var tree = Fixture.snapshot()
        (tree.credentials, tree.instances, tree.calls, tree.minuteBuckets, tree.audit) = ([], [], [], [:], [])
        tree.pending = [.credentials, .instances, .activity, .audit]
        tree.reindex(.all)
        var s = DashboardState(now: Fixture.now, width: 120, height: 40, readOnly: false, operatorName: "t",
                               storeLocation: "/x", theme: .builtin)
        _ = Update.update(&s, .snapshot(tree, findings: []))
        #expect(s.rows.tree.count == 9, "the whole tree, as a full snapshot shows it")
        #expect(s.screen[0].contains("7 agents · loading credentials, instances, activity…"))
        #expect(!s.screen.joined().contains("no credential"), "no claim about what is not read yet")
        s.type("2")
        #expect(s.screen.contains { $0.contains("loading the store…") })
        s.type("5")
        #expect(s.screen.contains { $0.contains("loading the store…") })

        // The rest arrives: every view is built, the header counts.
        _ = Update.update(&s, .snapshot(Fixture.snapshot(), findings: []))
        #expect(s.screen.contains { $0.contains("checking the fleet…") }, "findings not computed yet")
        _ = Update.update(&s, .findings(Fixture.findings(Fixture.snapshot())))
        s.type("2")
        #expect(s.rows[.agents].count == Fixture.agents.count)
        #expect(s.screen[0].contains("live ") && !s.screen[0].contains("loading"))
    }
}

@Suite("Tree open and closed nodes")
struct TreeOpenTests {
    @Test func aCollapseSticksAcrossSnapshotsAndNewArrivalsFollowTheRule() {
        var s = Fixture.state()
        s.type("j")  // triage-bot, depth 1: open by default
        s.press(.left)
        #expect(s.rows.tree.count == 7)
        // A new snapshot with a new agent under alice at depth 1 with a child at depth 2.
        var agents = Fixture.agents
        agents.append(Fixture.agent("new-root", parent: nil, depth: 1, grant: "github/*"))
        agents.append(Fixture.agent("new-child", parent: "new-root", depth: 2, grant: "github/*"))
        agents.append(Fixture.agent("deep", parent: "new-child", depth: 3, grant: "github/*"))
        agents.append(Fixture.agent("deeper", parent: "deep", depth: 4, grant: "github/*"))
        var snap = Fixture.snapshot(agents: agents, counter: 2)
        snap.changed = [.structure]
        _ = Update.update(&s, .snapshot(snap, findings: []))
        let names = s.rows.tree.compactMap { row -> String? in
            if case .agent(let i) = row.id { return s.snapshot.agents[i].name }
            return nil
        }
        #expect(!names.contains("issue-labeler"), "triage-bot stays collapsed")
        #expect(names.contains("new-child") && names.contains("deep"), "new nodes above depth 3 open")
        #expect(!names.contains("deeper"), "depth 3 and below start closed")
        let deep = s.rows.tree.firstIndex { if case .agent(let i) = $0.id { return s.snapshot.agents[i].name == "deep" }; return false }!
        Update.select(&s, .tree, row: deep)
        s.press(.right)
        #expect(s.rows.tree.count == names.count + 2 + 1, "an opened deep node shows its child")
        _ = Update.update(&s, .snapshot(snap, findings: []))
        #expect(s.rows.tree.contains { if case .agent(let i) = $0.id { return s.snapshot.agents[i].name == "deeper" }; return false },
                "and stays open")
    }
}

@Suite("Views rebuilt when shown")
struct StaleViewTests {
    @Test func anUnseenViewIsRebuiltWhenShownWithItsSelectionKept() {
        var s = Fixture.state()
        s.type("4")
        s.type("jj")  // the third newest call
        let picked = s.rowKey(.calls, s.currentList.selected!)
        s.type("1")
        var snap = Fixture.snapshot(counter: 2)
        snap.calls.append(ToolCall(seq: 99, at: Fixture.now, agentID: Fixture.id("deployer"), server: "k8s", tool: "apply", decision: .allow))
        snap.changed = [.activity]
        _ = Update.update(&s, .snapshot(snap, findings: s.findings))
        #expect(s.staleViews.contains(.calls), "the Calls rows wait while the tree is shown")
        #expect(s.rows[.calls].count == Fixture.calls.count)
        s.type("4")
        #expect(!s.staleViews.contains(.calls) && s.rows[.calls].count == Fixture.calls.count + 1, "\(s.staleViews)")
        #expect(s.snapshot.calls[s.rows[.calls][0]].seq == 99, "newest first")
        #expect(s.rowKey(.calls, s.currentList.selected!) == picked, "the selection stays on its call")
    }
}

@Suite("Credentials filter")
struct CredentialFilterTests {
    @Test func matchesOwnTextTheAgentsTextOrTheStatus() {
        var s = Fixture.state()
        let snap = s.snapshot
        func shown() -> [String] { s.rows[.credentials].map { s.snapshot.credentials[$0].id } }
        s.type("3/triage")
        #expect(Set(shown()) == Set(snap.credentials.filter { $0.agentID == Fixture.id("triage-bot") }.map(\.id)), "by agent name")
        s.press(.escape)
        let one = snap.credentials[0]
        s.type("/" + String(one.id.suffix(6)))
        #expect(shown() == [one.id], "by its own ID")
        s.press(.escape)
        s.type("/revoked")
        #expect(Set(shown()) == Set(snap.credentials.filter { $0.status(at: Fixture.now) == .revoked }.map(\.id)), "by status")
        #expect(!shown().isEmpty)
    }
}

@Suite("Index lists")
struct IndexListsTests {
    @Test func groupItemsByOwnerAsArraysOfArraysDo() {
        var rng = SplitMix64(seed: 3)
        for owners in [0, 1, 7, 100] {
            let owner = (0..<500).map { _ -> Int? in owners == 0 || rng.next() % 5 == 0 ? nil : Int(rng.next() % UInt64(owners)) }
            var expected = [[Int]](repeating: [], count: owners)
            for (k, o) in owner.enumerated() { if let o { expected[o].append(k) } }
            let lists = IndexLists(owners: owners, itemCount: owner.count) { owner[$0] }
            #expect(lists.count == owners)
            #expect((0..<owners).map { Array(lists[$0]) } == expected, "owners \(owners)")
        }
    }
}

@Suite("Relative times")
struct AgoTests {
    @Test func withinASecondEitherWayIsNow() {
        #expect(Ago.text(-300) == "now" && Ago.text(0) == "now" && Ago.text(999) == "now")
        #expect(Ago.text(-5_000) == "in 5s" && Ago.text(5_000) == "5s ago")
    }
}
