import Testing
import WardenCore
import WardenSQLite
import WardenStore
import WardenTestSupport
@testable import WardenDashboard

/// The index the loader patches after a change (a revocation, a narrowed grant, new agents and
/// credentials) must be exactly the index a full rebuild gives over the same rows.
@Suite("Incremental fleet index")
struct IncrementalIndexTests {
    let t0: Timestamp = 1_800_000_000_000

    /// Every figure of the index, compared field by field with a rebuild over the same rows.
    static func expectRebuilt(_ s: FleetSnapshot, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        var full = s
        full.reindex(.all)
        let (a, b) = (s.index, full.index)
        func check(_ ok: Bool, _ what: String) { #expect(ok, "\(context): \(what)", sourceLocation: sourceLocation) }
        check(a.forest.agents == b.forest.agents && a.forest.principals == b.forest.principals, "forest rows")
        check(a.forest.index == b.forest.index && a.forest.parent == b.forest.parent, "forest index and parents")
        check(a.forest.children == b.forest.children && a.forest.roots == b.forest.roots, "forest children and roots")
        check(a.subtreeSize == b.subtreeSize, "subtree sizes")
        check(a.principalIndex == b.principalIndex && a.principalOfAgent == b.principalOfAgent, "principals")
        check(a.effective == b.effective, "effective scopes")
        check(a.agentText == b.agentText, "agents' search text")
        check(a.nameOrder == b.nameOrder && a.agentNameRank == b.agentNameRank, "name order")
        check(a.credentialsByAgent == b.credentialsByAgent && a.credentialAgent == b.credentialAgent, "credentials by agent")
        check(a.credentialText == b.credentialText && a.credentialIndex == b.credentialIndex, "credentials' search text and index")
        check(a.credentialIDWidth == b.credentialIDWidth, "credential ID width")
        check(a.expiries == b.expiries && a.credentialExpiry == b.credentialExpiry, "expiries")
        check(a.instancesByAgent == b.instancesByAgent && a.instanceAgent == b.instanceAgent, "instances by agent")
        check(a.instanceLiveUntil == b.instanceLiveUntil && a.liveUntil == b.liveUntil, "live instances")
        check(a.rateCounts == b.rateCounts && a.deniedLastMinute == b.deniedLastMinute && a.lastCall == b.lastCall, "activity")
        check(s.tools.coverage == full.tools.coverage, "tool coverage \(s.tools.coverage) vs \(full.tools.coverage)")
    }

    @Test func randomChangesPatchTheIndexAsARebuildWould() throws {
        for seed in UInt64(1)...3 {
            let temp = try TempStore(prefix: "warden-patch")
            let s = temp.store
            var rng = SplitMix64(seed: seed)
            var clock = t0
            func m() -> Mutation { clock += 1_000; return Mutation(operatorName: "t", now: clock) }
            func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
            var principals = ["user:a@acme.example", "user:b@acme.example"]
            for p in principals { _ = try s.addPrincipal(id: p, kind: .human, name: p, scopes: .everything, m()) }
            // Pinned tools, so tool coverage (which follows statuses and scopes) is compared too.
            let tools = try ["get_issue", "post_message"].map { try ToolHash.observe(.object([("name", .string($0)), ("description", .string("d"))])) }
            _ = try s.observeTools(server: "github", tools: [tools[0]], observer: "t", at: clock)
            _ = try s.observeTools(server: "slack", tools: [tools[1]], observer: "t", at: clock)
            var agents: [Agent] = []
            let grants = try ["github/*", "github/*,slack/*", "slack/post_message", "github/get_issue,github/get_repo"].map { try ScopeSet(parsing: $0) }
            for i in 0..<30 {
                let parent = agents.isEmpty || rng.next() % 3 == 0 ? pick(principals) : pick(agents).id
                if let a = try? s.registerAgent(name: "a\(i)", delegator: parent, scopes: pick(grants), ttlMs: nil, m()) { agents.append(a) }
            }
            let loader = SnapshotLoader(store: s)
            var snap = try #require(try loader.load(now: clock))
            while !snap.pending.isEmpty { snap = try #require(try loader.load(now: clock)) }
            var credentials: [String] = []
            var structural = 0
            for step in 0..<60 {
                // One to three changes between loads, as several writers would commit them.
                for _ in 0...(rng.next() % 3) {
                    switch rng.next() % 9 {
                    case 0, 1:
                        let parent = rng.next() % 4 == 0 ? pick(principals) : pick(agents).id
                        if let a = try? s.registerAgent(name: "n\(step)-\(rng.next() % 1000)", delegator: parent, scopes: pick(grants), ttlMs: 3_600_000, m()) { agents.append(a) }
                    case 2: _ = try? s.revokeAgent(pick(agents).id, m())
                    case 3: _ = try? s.narrow(agentID: pick(agents).id, .drop(try ScopeSet(parsing: "github/get_repo")), m())
                    case 4, 5:
                        if let c = try? s.issueCredential(agentID: pick(agents).id, ttlMs: rng.next() % 2 == 0 ? 60_000 : nil, scopes: nil, instanceID: nil, m()) {
                            credentials.append(c.credential.id)
                        }
                    case 6: if !credentials.isEmpty { _ = try? s.revokeCredential(pick(credentials), m()) }
                    case 7:
                        let p = "user:p\(step)@acme.example"
                        if (try? s.addPrincipal(id: p, kind: .human, name: p, scopes: .everything, m())) != nil { principals.append(p) }
                    default:
                        try s.recordInstanceEvents([.started(Instance(id: "i\(step)", agentID: pick(agents).id, host: "h", pid: 1, startedAt: clock, lastHeartbeat: clock))])
                    }
                }
                // Nil when every change of the step was refused (revoking a revoked agent).
                if let next = try loader.load(now: clock) {
                    snap = next
                    if next.changed.contains(.structure) { structural += 1 }
                }
                Self.expectRebuilt(snap, "seed \(seed) step \(step)")
            }
            #expect(structural > 20 && loader.structurePatches == structural, "seed \(seed): every change to agents was patched, not rebuilt")
        }
    }

    @Test func replacingSearchRowsEqualsBuildingThemAnew() {
        var rng = SplitMix64(seed: 9)
        for round in 0..<50 {
            var rows = (0..<Int(rng.next() % 20 + 1)).map { "row \($0) " + String(repeating: "x", count: Int(rng.next() % 5)) }
            var text = SearchText(rows)
            var changes: [Int: String] = [:]
            for _ in 0..<Int(rng.next() % 5) {
                let i = Int(rng.next() % UInt64(rows.count))
                changes[i] = "new \(i) " + String(repeating: "y", count: Int(rng.next() % 9))
                rows[i] = changes[i]!
            }
            text.replace(changes)
            #expect(text == SearchText(rows), "round \(round)")
        }
    }

    @Test func anAgentArrivingAfterTheAgentsItDelegatedIsPlacedByARebuild() {
        let root = Fixture.agent("root", parent: nil, depth: 1, grant: "github/*")
        let orphan = Fixture.agent("orphan", parent: "late", depth: 2, grant: "github/*")
        var forest = DelegationForest(principals: [], agents: [root, orphan])
        #expect(forest.parent == [-1, -1])
        let late = Fixture.agent("late", parent: "root", depth: 1, grant: "github/*")
        let appended = forest.appendAgent(late)
        #expect(!appended, "it would re-parent the orphan: refused, so the caller rebuilds")
        #expect(forest.agents.count == 2)
        let moved = forest.replaceAgent(at: 0, with: Fixture.agent("root", parent: "orphan", depth: 3, grant: "github/*"))
        #expect(!moved, "moving an agent is refused")
    }
}

/// The structure's figures take shortcuts at a million agents: principal positions by runs of
/// one principal's agents (not a hash per agent), subtree sizes in reverse array order when
/// delegators precede delegates. Each must equal the plain computation over random inputs.
@Suite("Fleet index: structure shortcuts")
struct StructureShortcutTests {
    @Test func subtreeSizesEqualCountingEachAgentsAncestors() {
        for seed in UInt64(1)...6 {
            var rng = SplitMix64(seed: seed)
            var agents: [Agent] = []
            for i in 0..<400 {
                let parent = agents.isEmpty || rng.next() % 4 == 0 ? nil : agents[Int(rng.next() % UInt64(agents.count))].id
                agents.append(Agent(id: "spiffe://acme.example/agent/a\(i)", name: "a\(i)", principalID: "user:a", parentID: parent,
                                    depth: 1, grant: .everything, createdAt: 0, expiresAt: nil))
            }
            // Odd seeds: delegates may come before their delegators (the walk's path).
            if seed % 2 == 1 { agents.shuffle(using: &rng) }
            var index = FleetIndex()
            index.rebuildStructure(principals: [], agents: &agents)
            var expected = [Int](repeating: 1, count: agents.count)
            for i in agents.indices {
                var up = index.forest.parent[i]
                while up >= 0 { expected[up] += 1; up = index.forest.parent[up] }
            }
            #expect(index.subtreeSize == expected, "seed \(seed)")
        }
    }

    @Test func runsGiveTheSamePositionsAsALookUpPerAgent() {
        for seed in UInt64(1)...5 {
            var rng = SplitMix64(seed: seed)
            let ids = ["user:a", "user:b@acme.example", "workload:c@acme.example"]
            let principals = ids.map { Principal(id: $0, kind: .human, name: $0, scopes: .everything, status: .active, createdAt: 0) }
            // Runs of one principal, fresh string copies of its ID, and IDs no principal has.
            var agents = (0..<300).map { i in
                let id = rng.next() % 7 == 0 ? "user:unknown\(rng.next() % 3)" : String(decoding: Array(ids[Int(rng.next() % 3)].utf8), as: UTF8.self)
                return Agent(id: "spiffe://acme.example/agent/a\(i)", name: "a\(i)", principalID: id, parentID: nil, depth: 1,
                             grant: .everything, createdAt: 0, expiresAt: nil)
            }
            var index = FleetIndex()
            index.rebuildStructure(principals: principals, agents: &agents)
            let expected = agents.map { a in ids.firstIndex(of: a.principalID) ?? -1 }
            #expect(index.principalOfAgent == expected, "seed \(seed)")
        }
    }
}
