import Testing
import WardenCore
import WardenStore
import WardenTestSupport

/// The change feed's cursors: a reader polling while writers on other connections commit, and
/// passing back the cursor it was last given, never misses a committed change and never sees one
/// twice. Each writer's rows change exactly once, so each must be seen exactly once.
@Suite("Conformance: change feed cursors")
struct ChangeFeedConformance {
    static let writers = 4, perWriter = 12
    static let alice = "user:alice@acme.example"

    /// Runs the writers (each on a connection opened for `writers`) and one reader (the
    /// dashboard's connection) at once; the reader polls until every writer finished, then once
    /// more. Returns what the reader collected.
    func race<Writer, Seen: Sendable>(_ fresh: FreshStore, writers purpose: StorePurpose<Writer>, initial: Seen,
                                      write: @escaping @Sendable (Writer, Int) throws -> Void,
                                      poll: @escaping @Sendable (any FleetStore, inout Seen) throws -> Void) throws -> Seen {
        let finished = Locked(0)
        let seen = Locked(initial)
        let errors = onThreads(Self.writers + 1) { i in
            if i < Self.writers {
                defer { finished.update { $0 += 1 } }
                try write(try fresh.backend.open(for: purpose), i)
                return
            }
            let reader = try fresh.backend.open(for: .dashboard(readOnly: true))
            var mine = initial
            var last = false
            while !last {
                last = finished.value == Self.writers  // read before the poll: the last poll sees every commit
                try poll(reader, &mine)
            }
            seen.update { $0 = mine }
        }
        #expect(errors.isEmpty, "\(errors)")
        return seen.value
    }

    @Test(arguments: Backends.all)
    func rowVersions(_ backend: BackendUnderTest) throws {
        let fresh = try backend.makeStore()
        _ = try fresh.store.addPrincipal(id: Self.alice, kind: .human, name: "Alice", scopes: .everything, m())
        let start = try fresh.store.changedRows(afterVersion: 0).version
        struct Seen: Sendable { var cursor: Int64; var agents: [String] = []; var credentials: [String] = [] }
        let seen = try race(fresh, writers: .operations(readOnly: false), initial: Seen(cursor: start)) { s, w in
            for j in 0..<Self.perWriter {
                let a = try s.registerAgent(name: "w\(w)-\(j)", delegator: Self.alice, scopes: scopes("github/*"), ttlMs: nil, m())
                _ = try s.issueCredential(agentID: a.id, ttlMs: nil, scopes: nil, instanceID: nil, m())
            }
        } poll: { s, seen in
            let changes = try s.changedRows(after: .all(after: seen.cursor))
            try check(changes.version >= seen.cursor, "a cursor never goes back")
            seen.agents += changes.agents.map(\.name)
            seen.credentials += changes.credentials.map(\.id)
            seen.cursor = changes.version
        }
        let agents = try fresh.store.agents()
        #expect(seen.agents.count == agents.count, "each agent seen once")
        #expect(Set(seen.agents) == Set(agents.map(\.name)))
        let credentials = try fresh.store.credentials(agentID: nil)
        #expect(seen.credentials.count == credentials.count, "each credential seen once")
        #expect(Set(seen.credentials) == Set(credentials.map(\.id)))
        #expect(agents.count == Self.writers * Self.perWriter)
    }

    @Test(arguments: Backends.all)
    func toolCallSequence(_ backend: BackendUnderTest) throws {
        let fresh = try backend.makeStore()
        let f = try SmallFleet(fresh.store)
        let agentID = f.coder.id
        struct Seen: Sendable { var cursor: Int64 = 0; var args: [String] = [] }
        let seen = try race(fresh, writers: .ingest, initial: Seen()) { s, w in
            for b in 0..<Self.perWriter {
                _ = try s.recordCalls((0..<5).map { i in
                    ToolCall(at: t0 + Int64(b), agentID: agentID, server: "github", tool: "get_issue", decision: .allow, args: "w\(w)-\(b)-\(i)")
                })
            }
        } poll: { s, seen in
            let calls = try s.calls(CallQuery(afterSeq: seen.cursor, limit: 1_000_000))
            try check(calls.allSatisfy { $0.seq > seen.cursor }, "only calls above the cursor")
            seen.args += calls.compactMap(\.args)
            seen.cursor = calls.map(\.seq).max() ?? seen.cursor
        }
        #expect(seen.args.count == Self.writers * Self.perWriter * 5, "each call seen once")
        #expect(Set(seen.args).count == seen.args.count)
    }

    @Test(arguments: Backends.all)
    func callOutcomeCursor(_ backend: BackendUnderTest) throws {
        let fresh = try backend.makeStore()
        let f = try SmallFleet(fresh.store)
        let credentials = try (0..<Self.writers).map { _ in
            try fresh.store.issueCredential(agentID: f.coder.id, ttlMs: nil, scopes: nil, instanceID: nil, m()).credential.id
        }
        let agentID = f.coder.id
        let recorded = Locked<[Int64]>([])
        struct Seen: Sendable { var cursor: Int64 = 0; var seqs: [Int64] = [] }
        let start = try fresh.store.callOutcomes(after: 0, limit: 1).cursor
        let seen = try race(fresh, writers: .ingest, initial: Seen(cursor: start)) { s, w in
            for j in 0..<Self.perWriter {
                let key = CallKey(session: "w\(w)", toolUse: "\(j)")
                let seq = try s.recordCall(ToolCall(at: t0 + Int64(j), agentID: agentID, credentialID: credentials[w], server: "github",
                                                    tool: "get_issue", decision: .allow), key: key)
                recorded.update { $0.append(seq) }
                try check(try s.recordOutcome(key: key, credentialID: credentials[w], result: .ok, at: t0 + Int64(j) + 5) != nil, "outcome recorded")
            }
        } poll: { s, seen in
            let out = try s.callOutcomes(after: seen.cursor, limit: 1_000)
            try check(out.cursor >= seen.cursor, "a cursor never goes back")
            seen.seqs += out.calls.map(\.seq)
            seen.cursor = out.cursor
        }
        #expect(seen.seqs.count == Self.writers * Self.perWriter, "each outcome seen once")
        #expect(Set(seen.seqs) == Set(recorded.value))
    }

    /// Equal signals mean nothing changed; a commit on another connection changes the signal.
    @Test(arguments: Backends.all)
    func changeSignalMovesWhenAnotherConnectionCommits(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let reader = try t.open()
        let before = try reader.changeSignal()
        #expect(try reader.changeSignal() == before, "nothing committed, nothing changed")
        _ = try t.store.addPrincipal(id: "user:x@y", kind: .human, name: "x", scopes: .everything, m())
        #expect(try reader.changeSignal() != before)
    }
}
