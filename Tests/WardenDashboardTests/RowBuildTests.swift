import Testing
import TerminalUI
import WardenCore
@testable import WardenDashboard

/// Rows too many for a frame are built off the UI thread, and a filter that extends the one
/// shown narrows the shown rows: both must give exactly the rows a full build on the UI thread
/// gives, and rows built for an older filter, sort or snapshot must never be shown.
@Suite("Dashboard rows built off the UI thread and narrowed")
struct RowBuildTests {
    /// A random fleet whose names share letters (so filters keep some and drop some), with
    /// agents and credentials active, revoked, expired and about to expire.
    static func snapshot(seed: UInt64, agents n: Int) -> FleetSnapshot {
        var rng = SplitMix64(seed: seed)
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        let now = Fixture.now
        var agents: [Agent] = []
        for i in 0..<n {
            let name = pick(["bot", "box", "tab", "ex"]) + pick(["-", "", "1"]) + pick(["a", "b", "1", "te"]) + "\(i)"
            let parent = i < 2 || rng.next() % 3 == 0 ? nil : agents[Int(rng.next() % UInt64(i))]
            let depth = min((parent?.depth ?? 0) + 1, 4)
            let expires = pick([now - 1_000, now + 500, now + 86_400_000, now + Int64(rng.next() % 9_000_000)])
            agents.append(Agent(id: Fixture.id(name), name: name, principalID: i % 2 == 0 ? "user:alice@acme.example" : "workload:ci/deploy",
                                parentID: depth > 1 ? parent?.id : nil, depth: depth, grant: Fixture.scopes("github/*"),
                                createdAt: now - 3_600_000, expiresAt: expires, revokedAt: rng.next() % 7 == 0 ? now - 60_000 : nil,
                                registered: rng.next() % 9 != 0))
        }
        let credentials = (0..<(n * 2)).map { k in
            Credential(id: "tok_" + pick(["ab", "bo", "xe"]) + "\(k)", agentID: agents[Int(rng.next() % UInt64(n))].id,
                       scopes: Fixture.scopes(pick(["github/*", "slack/post_message"])), issuedAt: now - Int64(rng.next() % 3_600_000),
                       expiresAt: pick([now - 1_000, now + 700, now + Int64(rng.next() % 3_600_000), nil]),
                       revokedAt: rng.next() % 6 == 0 ? now - 1_000 : nil)
        }
        return FleetSnapshot(trustDomain: "acme.example", principals: Fixture.principals, agents: agents, credentials: credentials,
                             instances: [], calls: [], minutes: [], audit: [], auditState: nil, counter: Int64(seed), loadedAt: now)
    }

    static func state(_ snap: FleetSnapshot, syncRowLimit: Int) -> DashboardState {
        var s = DashboardState(now: Fixture.now, width: 120, height: 40, readOnly: false, operatorName: "t", storeLocation: "/x", theme: .builtin)
        s.syncRowLimit = syncRowLimit
        _ = Update.update(&s, .snapshot(snap, findings: []))
        return s
    }

    /// What a full build on the UI thread gives for what the shown rows were built with.
    static func reference(_ s: DashboardState, _ v: ViewKind, now: Timestamp) -> [Int] {
        v.descriptor.rows(s.snapshot, now: now, filter: Filter(s.filters[v] ?? ""), sort: s.sort(v), within: nil)!
    }

    static func jobs(_ effects: [Effect]) -> [RowJob] {
        effects.compactMap { if case .buildRows(let j) = $0 { return j } else { return nil } }
    }

    @Test func narrowedAndOffThreadRowsEqualAFullBuildOverRandomKeysAndChangingData() {
        let keys: [Key] = [.char("/"), .char("b"), .char("o"), .char("t"), .char("-"), .char("1"), .char("e"), .char("x"), .char("a"),
                           .char("!"), .backspace, .enter, .escape, .char(">"), .char("<"), .char("I"), .char("2"), .char("3"), .char("j")]
        var narrowed = 0, offThread = 0
        for seed in UInt64(1)...6 {
            var rng = SplitMix64(seed: seed * 1_000)
            // Every build off the UI thread, none, or those over a few dozen rows.
            var s = Self.state(Self.snapshot(seed: seed, agents: 150), syncRowLimit: [0, 1_000_000, 100][Int(seed % 3)])
            _ = Update.update(&s, .key(.char("2")))
            var inFlight: [RowJob] = []
            for step in 0..<400 {
                let roll = rng.next() % 100
                if roll < 3 {
                    _ = Update.update(&s, .snapshot(Self.snapshot(seed: seed * 31 + UInt64(step), agents: 100 + Int(rng.next() % 100)), findings: []))
                } else if roll < 6 {
                    _ = Update.update(&s, .tick(s.now + 700))
                } else {
                    let k = keys[Int(rng.next() % UInt64(keys.count))]
                    let before = s.rowBasis[s.view]
                    let effects = Update.update(&s, .key(k))
                    for j in Self.jobs(effects) where j.within != nil { narrowed += 1 }
                    if before != nil, s.rowBasis[s.view] != before, s.building[s.view] == nil, case .filter = s.mode {
                        // A synchronous build after a key that extends the filter narrows too.
                        if let b = before, Filter(s.filters[s.view] ?? "").needle.count > Filter(b.filter).needle.count { narrowed += 1 }
                    }
                    inFlight += Self.jobs(effects)
                }
                // Answers land in any order, some only later.
                if !inFlight.isEmpty && rng.next() % 3 == 0 {
                    let j = inFlight.remove(at: Int(rng.next() % UInt64(inFlight.count)))
                    offThread += 1
                    _ = Update.update(&s, j.run())
                }
                if rng.next() % 5 == 0 || step == 399 {
                    for j in inFlight { _ = Update.update(&s, j.run()) }
                    inFlight = []
                    for v in [ViewKind.agents, .credentials] where !s.staleViews.contains(v) {
                        #expect(s.building[v] == nil, "seed \(seed) step \(step): \(v) still building after every answer landed")
                        guard let basis = s.rowBasis[v] else { continue }
                        #expect(basis.filter == s.filters[v] ?? "" && basis.sort == s.sort(v), "seed \(seed) step \(step): \(v) shows old rows")
                        let expected = Self.reference(s, v, now: basis.now)
                        #expect(s.rows[v] == expected, "seed \(seed) step \(step): \(v) filter \(basis.filter) sort \(basis.sort)")
                        if s.rows[v] != expected { return }
                    }
                }
            }
        }
        // The fast paths were taken, not only the full build.
        #expect(narrowed > 20 && offThread > 50, "narrowed \(narrowed), built off the UI thread \(offThread)")
    }

    @Test func statusRanksReadInPlaceNameTheStatusWords() {
        let snap = Self.snapshot(seed: 13, agents: 300)
        for now in [Fixture.now, Fixture.now + 600, Fixture.now + 10_000_000] {
            for i in snap.agents.indices {
                #expect(AgentsView.statusWords[Int(AgentsView.statusRank(snap, i, now: now))] == AgentsView.statusWord(snap.agents[i], now: now))
            }
            for i in snap.credentials.indices {
                #expect(CredentialsView.statusWords[CredentialsView.statusRank(snap, i, now: now)] == snap.credentials[i].status(at: now).rawValue)
            }
        }
    }

    @Test func aFilterThatExtendsTheShownOneNarrowsTheShownRows() {
        var s = Self.state(Self.snapshot(seed: 3, agents: 200), syncRowLimit: 0)
        _ = Update.update(&s, .key(.char("2")))
        var jobs = Self.jobs(s.press(.char("/"), .char("b")))
        // Every agent's grant (github) holds a b: a scan, not a search of the rows shown.
        #expect(jobs.count == 1 && jobs[0].within == nil, "the first letter scans every agent")
        _ = Update.update(&s, jobs[0].run())
        for c in "ot" { _ = Update.update(&s, Self.jobs(s.type(String(c)))[0].run()) }
        let shownForB = s.rows[.agents]
        #expect(shownForB.count * 2 <= s.snapshot.agents.count, "bot keeps at most half")
        jobs = Self.jobs(s.type("-"))
        #expect(jobs.count == 1 && jobs[0].within == shownForB, "bot- narrows the rows shown for bot")
        _ = Update.update(&s, jobs[0].run())
        #expect(s.rows[.agents] == Self.reference(s, .agents, now: s.now))
        #expect(s.rows[.agents].count < shownForB.count && !s.rows[.agents].isEmpty)
    }

    @Test func aFilterNarrowsOnlyWhereTheShownRowsHoldEveryMatch() {
        var s = Fixture.state()
        _ = s.press(.char("2"), .char("/"), .char("x"), .char("p"))
        #expect(s.rows[.agents].isEmpty, "no agent is expired yet")
        // test-runner expires as the clock moves: "xpi" now matches it through "expired",
        // which the rows shown for "xp" (built before) cannot hold.
        _ = Update.update(&s, .tick(Fixture.now + 700_000))
        _ = s.type("i")
        let testRunner = s.snapshot.agents.firstIndex { $0.name == "test-runner" }!
        #expect(s.rows[.agents] == [testRunner])
        // An inverted filter keeps rows the shown ones lack.
        _ = s.press(.escape, .char("/"), .char("r"), .char("u"))
        let sort = s.sort(.agents)
        #expect(s.rows[.agents] == [testRunner])
        #expect(RowBuilder.narrowing(s, .agents, Filter("run"), sort) == [testRunner])
        #expect(RowBuilder.narrowing(s, .agents, Filter("!run"), sort) == nil)
        #expect(RowBuilder.narrowing(s, .agents, Filter("a"), sort) == nil, "a does not extend ru")
        #expect(RowBuilder.narrowing(s, .agents, Filter("run"), SortState(column: 3, ascending: true)) == nil, "another order")
    }

    @Test func rowsForAnOlderFilterAreDroppedAndTheNewestShown() {
        var s = Self.state(Self.snapshot(seed: 5, agents: 200), syncRowLimit: 0)
        _ = Update.update(&s, .key(.char("2")))
        let unfiltered = s.rows[.agents]
        let first = Self.jobs(s.press(.char("/"), .char("t")))
        let second = Self.jobs(s.type("a"))
        #expect(first.count == 1 && second.count == 1 && second[0].generation > first[0].generation)
        // Nothing landed yet: the old rows stay, and the list says it is filtering.
        #expect(s.rows[.agents] == unfiltered)
        #expect(s.screen.contains { $0.contains("/ta filtering…") })
        // The older answer is dropped, even though it arrives first.
        _ = Update.update(&s, first[0].run())
        #expect(s.rows[.agents] == unfiltered && s.building[.agents] != nil)
        _ = Update.update(&s, second[0].run())
        #expect(s.building[.agents] == nil)
        #expect(s.rows[.agents] == Self.reference(s, .agents, now: s.now))
        #expect(!s.screen.contains { $0.contains("filtering…") })
        // And if the older arrives after the newer, it changes nothing.
        let shown = s.rows[.agents]
        _ = Update.update(&s, first[0].run())
        #expect(s.rows[.agents] == shown)
    }

    @Test func aSnapshotDropsTheRowsBuiltForTheDataBeforeIt() {
        var s = Self.state(Self.snapshot(seed: 7, agents: 200), syncRowLimit: 0)
        _ = Update.update(&s, .key(.char("2")))
        let sortJob = Self.jobs(s.press(.char(">")))
        #expect(sortJob.count == 1)
        // New data lands first: the view on screen is rebuilt with it at once.
        _ = Update.update(&s, .snapshot(Self.snapshot(seed: 8, agents: 120), findings: []))
        let rebuilt = Self.reference(s, .agents, now: s.now)
        #expect(s.rows[.agents] == rebuilt && s.building[.agents] == nil)
        _ = Update.update(&s, sortJob[0].run())
        #expect(s.rows[.agents] == rebuilt, "rows of the old snapshot (indices into it) must not be shown")
    }

    @Test func newActivityResortsALargeListOffTheUIThreadKeepingTheShownRows() {
        var s = Self.state(Self.snapshot(seed: 11, agents: 200), syncRowLimit: 0)
        _ = Update.update(&s, .key(.char("2")))
        s.sorts[.agents] = SortState(column: 6, ascending: false)  // by calls per minute
        RowBuilder.rebuild(&s, .agents)
        let shown = s.rows[.agents]
        var next = s.snapshot
        next.minuteBuckets = [Fixture.now / 60_000: (0..<40).map { k in
            CallMinute(agentID: next.agents[k * 5].id, minute: Fixture.now / 60_000, calls: k + 1, denied: 0)
        }]
        next.reindex(.activity)
        next.changed = [.activity]
        let jobs = Self.jobs(Update.update(&s, .snapshot(next, findings: [])))
        #expect(jobs.count == 1 && s.rows[.agents] == shown, "the old order stays up while the new one is built")
        _ = Update.update(&s, jobs[0].run())
        #expect(s.rows[.agents] == Self.reference(s, .agents, now: s.now) && s.rows[.agents] != shown)
        // New agents replace the items: rebuilt at once, never shown through old indices.
        var grown = s.snapshot
        grown.changed = [.structure]
        #expect(Self.jobs(Update.update(&s, .snapshot(grown, findings: []))).isEmpty)
    }

    @Test func theRowWorkerBuildsOnlyTheNewestJobQueuedForAView() {
        let snap = Self.snapshot(seed: 17, agents: 100)
        let sort = SortState(column: 1, ascending: true)
        func job(_ v: ViewKind, _ generation: Int, _ filter: String) -> RowJob {
            RowJob(view: v, generation: generation, snapshot: snap, now: Fixture.now, filter: filter, sort: sort, within: nil)
        }
        let worker = RowWorker()
        // Queued before its thread starts, so the first wait takes all three at once.
        worker.submit(job(.agents, 1, "b"))
        worker.submit(job(.agents, 2, "bo"))
        worker.submit(job(.credentials, 3, "x"))
        worker.start()
        defer { worker.stop() }
        var answers: [(ViewKind, Int, [Int])] = []
        for _ in 0..<100 where answers.count < 2 {
            for case .rowsBuilt(let v, let g, let rows) in worker.outbox.wait(ms: 100) { answers.append((v, g, rows)) }
        }
        #expect(answers.map(\.1).sorted() == [2, 3], "the agents' older job is skipped")
        let agents = answers.first { $0.0 == .agents }
        #expect(agents?.2 == AgentsView().rows(snap, now: Fixture.now, filter: Filter("bo"), sort: sort, within: nil))
    }

    @Test func openingALargeStaleViewShowsSortingUntilItsRowsLand() {
        var s = Self.state(Self.snapshot(seed: 9, agents: 100), syncRowLimit: 50)
        let jobs = Self.jobs(s.press(.char("3")))
        #expect(jobs.count == 1 && s.rows[.credentials].isEmpty)
        #expect(s.screen.contains { $0.contains("sorting…") })
        _ = Update.update(&s, jobs[0].run())
        #expect(s.rows[.credentials] == Self.reference(s, .credentials, now: s.now) && s.rows[.credentials].count == 200)
        // Exporting while a build runs exports what the view will show, not what it showed.
        _ = s.press(.char("I"))
        #expect(s.building[.credentials] != nil)
        _ = ColonCommand.run(&s, "export /nonexistent/x.csv")
        #expect(s.building[.credentials] == nil && s.rows[.credentials] == Self.reference(s, .credentials, now: s.now))
    }
}
