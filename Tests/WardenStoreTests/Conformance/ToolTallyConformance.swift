import Testing
import WardenCore
import WardenPostgres
import WardenSQLite
import WardenTestSupport
@testable import WardenStore

/// The per-tool reads behind unused scopes (`toolUsage`) and the Tools view's hour of calls
/// (`toolActivity`) give what the calls themselves say, however the backend tallies them and
/// whichever writer recorded the calls.
@Suite("Conformance: tool usage and activity tallies")
struct ToolTallyConformance {
    /// Names of several lengths (past a short string's 15 bytes), one not ASCII.
    static let tools = [("github", "get_issue"), ("github", "create_pull_request"), ("slack", "post"),
                        ("k8s", "rollout_restart_deployment"), ("jira", "tâche")]

    /// Calls and denials per `server/tool` of the calls from the minute `since` falls in on.
    static func activity(_ calls: [ToolCall], since: Timestamp) -> [String: [Int64]] {
        var out: [String: [Int64]] = [:]
        for c in calls where c.at / 60_000 >= since / 60_000 {
            out[c.server + "/" + c.tool, default: [0, 0]][0] += 1
            if c.decision == .deny { out[c.server + "/" + c.tool, default: [0, 0]][1] += 1 }
        }
        return out
    }

    static func read(_ s: any FleetStore, since: Timestamp) throws -> [String: [Int64]] {
        try s.toolActivity(since: since).mapValues { [$0.calls, $0.denied] }
    }

    /// Two hours of calls in time order, agents, tools and denials at random.
    static func calls(agents: [String], count: Int, seed: UInt64) -> [ToolCall] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { i in
            let (server, tool) = tools[Int(rng.next() % UInt64(tools.count))]
            let deny = rng.next() % 4 == 0
            return ToolCall(at: t0 + Int64(i) * 7_200_000 / Int64(count), agentID: agents[Int(rng.next() % UInt64(agents.count))],
                            server: server, tool: tool, decision: deny ? .deny : .allow, reason: deny ? "scope_not_granted" : nil)
        }
    }

    static func fleet(_ s: any FleetStore) throws -> [String] {
        _ = try s.addPrincipal(id: "user:alice@acme.example", kind: .human, name: "Alice", scopes: .everything, m())
        return try (0..<6).map { i in
            try s.registerAgent(name: "worker-\(i)", delegator: "user:alice@acme.example", scopes: .everything, ttlMs: nil, m()).id
        }
    }

    @Test(arguments: Backends.all)
    func usageAndActivityMatchACountOverTheCalls(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let s = t.store
        let calls = Self.calls(agents: try Self.fleet(s), count: 2_000, seed: 17)
        try s.recordCalls(calls)
        for since in [t0, t0 + 3_600_000, t0 + 7_000_000, t0 + 8_000_000] {
            var usage: [String: Set<String>] = [:]
            for c in calls where c.at >= since && c.decision == .allow { usage[c.agentID, default: []].insert(c.server + "/" + c.tool) }
            #expect(try s.toolUsage(since: since) == usage, "since \(since - t0)")
            #expect(try Self.read(s, since: since) == Self.activity(calls, since: since), "since \(since - t0)")
        }
        // Agents that used the same tools share one set, not a copy each.
        let usage = try s.toolUsage(since: t0)
        let held = Set(usage.values.map { withUnsafeBytes(of: $0) { $0.load(as: UInt.self) } })
        #expect(held.count == Set(usage.values).count && held.count < usage.count)
    }

    /// Every path that records calls keeps the per-minute tally: batches, keyed calls (a
    /// runtime's hook), telemetry and the bulk loader, interleaved within minutes; a prune takes
    /// the minutes whose calls all went and leaves the later ones as they were.
    @Test(arguments: Backends.all)
    func everyWriterKeepsTheTallyAndAPruneBoundsIt(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let s = t.store
        let calls = Self.calls(agents: try Self.fleet(s), count: 800, seed: 23)
        let session = TelemetrySession(operatorName: "ingest")
        for (n, start) in stride(from: 0, to: calls.count, by: 20).enumerated() {
            let chunk = Array(calls[start..<min(start + 20, calls.count)])
            switch n % 4 {
            case 0:
                try s.recordCalls(chunk)
            case 1:
                for (i, c) in chunk.enumerated() { _ = try s.recordCall(c, key: CallKey(session: "s\(n)", toolUse: "u\(i)")) }
            case 2:
                let events = chunk.map { c in
                    TelemetryEvent(at: c.at, agent: c.agentID, source: 0, body: .toolCall(
                        ToolCall(at: c.at, agentID: "", server: c.server, tool: c.tool, decision: c.decision, reason: c.reason)))
                }
                let out = try s.applyTelemetry(events, session: session, atomically: true)
                #expect(out.applied == chunk.count)
            default:
                let load = { (i: Int) in chunk[i] }
                if let sqlite = s as? SQLiteStore {
                    _ = try sqlite.bulkLoad(principals: [], agents: [], credentials: [], instances: [], callCount: chunk.count, call: load, now: t0)
                } else {
                    let pg = try #require(s as? PostgresStore)
                    _ = try pg.bulkLoad(principals: [], agents: [], credentials: [], instances: [], callCount: chunk.count, call: load, now: t0)
                }
            }
        }
        for since in [t0, t0 + 1_800_000, t0 + 3_630_000, t0 + 7_100_000] {
            #expect(try Self.read(s, since: since) == Self.activity(calls, since: since), "since \(since - t0)")
        }
        // Mid-minute: the minute the limit falls in keeps its count, the ones before go.
        let limit = t0 + 3_630_000
        let pruned = try s.prune(callsBefore: limit, instancesStoppedBefore: 0, batch: 100)
        #expect(pruned.calls == calls.filter { $0.at < limit }.count)
        for since in [t0, limit - 60_000, limit, t0 + 7_100_000] {
            #expect(try Self.read(s, since: since) == Self.activity(calls, since: max(since, limit)), "since \(since - t0)")
        }
        #expect(try t.open(readOnly: true).toolActivity(since: limit).mapValues { [$0.calls, $0.denied] }
                == Self.activity(calls, since: limit), "another connection reads what the writers kept")
    }
}
