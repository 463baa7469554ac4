import Foundation
import WardenCore
import WardenSQLite
import WardenStore
import WardenSystem

/// `store prune` of `rows` old calls on its own connection and thread, while this thread
/// decides and records a call about once a millisecond on another connection, as a proxy does:
/// how long a decision (and a recording) ever waits behind the pruner's batches.
enum PruneBench {
    static let day: Int64 = 86_400_000

    static func run(folder: String, rows: Int) throws -> [Metric] {
        let path = folder + "/prune.db"
        removeStore(path)
        defer { removeStore(path) }
        let now = WallClock.now()
        let (secret, agentID, buildMs) = try build(path: path, rows: rows, now: now)
        note("  prune store: \(rows) calls older than 30 days (+\(rows / 10) recent) built in \(fmt(buildMs / 1000)) s")

        let done = Flag()
        let outcome = Outcome()
        let pruner = Thread {
            do {
                let store = try SQLiteStore.open(path: path)
                let t0 = MonotonicClock.nanos()
                let counts = try store.prune(callsBefore: now - 30 * day, instancesStoppedBefore: now - 7 * day,
                                             batch: SQLiteStore.pruneBatch)
                outcome.set(counts: counts, ms: Double(MonotonicClock.nanos() - t0) / 1e6)
            } catch { outcome.set(error: "\(error)") }
            done.set()
        }
        let store = try SQLiteStore.open(path: path)
        var decisions = Samples(), records = Samples()
        pruner.start()
        while !done.isSet {
            let (outcome, ms) = try timed { try store.authorize(secret: secret, serverTool: "github/get_issue", now: WallClock.now()) }
            guard outcome.decision == .allow else { throw BenchFailure("decision during prune: \(outcome.decision)") }
            decisions.add(ms)
            let call = ToolCall(at: WallClock.now(), agentID: agentID, credentialID: outcome.credentialID, server: "github",
                                tool: "get_issue", decision: .allow, durationMs: 1)
            records.add(try timed { try store.recordCalls([call]) }.1)
            usleep(1_000)
        }
        if let e = outcome.error { throw BenchFailure("prune failed: \(e)") }
        guard let counts = outcome.counts, counts.calls == rows else {
            throw BenchFailure("pruned \(outcome.counts?.calls ?? -1) calls, expected \(rows)")
        }
        let kept = try store.storeStats().rows.first { $0.table == "tool_calls" }?.count ?? -1
        return [
            .value("prune_rows_per_s", "prune \(rows) calls in batches of \(SQLiteStore.pruneBatch) (\(counts.batches) transactions)",
                   "rows/s", Double(rows) / (outcome.ms / 1000),
                   note: "\(fmt(outcome.ms / 1000)) s; \(kept) calls kept (the recent ones and those recorded meanwhile)"),
            .dist("prune_decision_ms", "authorize during the prune (\(decisions.count) decisions, one a millisecond)", "ms", decisions,
                  note: "max \(fmt(decisions.max)) ms"),
            .value("prune_decision_max_ms", "longest decision during the prune", "ms", decisions.max, targets: [.atMost(50, .value)]),
            .dist("prune_record_ms", "recording a call during the prune (a write: waits for a batch to commit)", "ms", records,
                  note: "max \(fmt(records.max)) ms"),
            .value("prune_record_max_ms", "longest recording during the prune", "ms", records.max, targets: [.atMost(50, .value)]),
        ]
    }

    /// One principal, agent and credential; `rows` calls spread over 31–90 days ago and a tenth
    /// as many in the last 30 days, in one bulk transaction.
    static func build(path: String, rows: Int, now: Timestamp) throws -> (secret: String, agent: String, ms: Double) {
        let store = try SQLiteStore.create(path: path, trustDomain: "bench.local")
        let principal = Principal(id: "user:bench@bench.local", kind: .human, name: "bench", scopes: .everything, createdAt: now - 91 * day)
        let agent = Agent(id: "spiffe://bench.local/agent/pruned/0001", name: "pruned", principalID: principal.id, parentID: nil,
                          depth: 1, grant: try ScopeSet(parsing: "github/*"), createdAt: now - 91 * day, expiresAt: nil)
        let secret = SQLiteStore.credentialSecret(from: (0..<32).map { UInt8($0) })
        let credential = Credential(id: "tok_prunebench01", agentID: agent.id, scopes: agent.grant, issuedAt: now,
                                    expiresAt: now + 3_600_000)
        let recent = rows / 10
        let (_, ms) = try timed {
            try store.bulkLoad(principals: [principal], agents: [agent],
                               credentials: [SQLiteStore.BulkCredential(credential: credential, secret: secret)],
                               instances: [], callCount: rows + recent, call: { i in
                                   let at = i < rows ? now - 90 * day + Int64(i) * (59 * day / Int64(rows))
                                                     : now - 29 * day + Int64(i - rows) * (29 * day / Int64(max(recent, 1)))
                                   return ToolCall(at: at, agentID: agent.id, credentialID: credential.id, server: "github",
                                                   tool: i % 3 == 0 ? "get_repo" : "get_issue", decision: i % 10 == 0 ? .deny : .allow,
                                                   reason: i % 10 == 0 ? "out_of_scope" : nil, durationMs: 3, result: .ok,
                                                   args: "{\"repo\":\"acme/widgets\",\"issue\":\(i % 5000)}")
                               }, now: now)
        }
        return (secret, agent.id, ms)
    }

    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        func set() { lock.lock(); value = true; lock.unlock() }
        var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    }

    final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var counts: PruneCounts?
        private(set) var ms: Double = 0
        private(set) var error: String?
        func set(counts: PruneCounts, ms: Double) { lock.lock(); self.counts = counts; self.ms = ms; lock.unlock() }
        func set(error: String) { lock.lock(); self.error = error; lock.unlock() }
    }
}
