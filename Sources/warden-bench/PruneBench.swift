import Foundation
import WardenCore
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
        let (secret, agentID, buildMs) = try SyntheticFleet.buildPruneStore(path: path, rows: rows, now: now)
        note("  prune store: \(rows) calls older than 30 days (+\(rows / 10) recent) built in \(fmt(buildMs / 1000)) s")

        let done = Flag()
        let outcome = Outcome()
        let pruner = Thread {
            do {
                let store = try BenchStore.backend(path).open(for: .operations(readOnly: false))
                let t0 = MonotonicClock.nanos()
                let counts = try store.prune(callsBefore: now - 30 * day, instancesStoppedBefore: now - 7 * day,
                                             batch: BenchStore.pruneBatch)
                outcome.set(counts: counts, ms: Double(MonotonicClock.nanos() - t0) / 1e6)
            } catch { outcome.set(error: "\(error)") }
            done.set()
        }
        // As a proxy does: one connection decides and records.
        let store = try BenchStore.backend(path).open(for: .operations(readOnly: false))
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
            .value("prune_rows_per_s", "prune \(rows) calls in batches of \(BenchStore.pruneBatch) (\(counts.batches) transactions)",
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
