import WardenStore
import Glibc
import WardenCore

// Retention: old tool calls and long-stopped instances go, in batches small enough that a
// decision (a read) or a recorder (a write) never waits long behind the pruner. Aggregates
// (`call_minutes`, `tool_last_used`) and the journal are never touched; `tool_minutes` (the
// Tools view's hour) loses the minutes whose calls all went, so it stays bounded with them.
extension SQLiteStore {
    /// Rows per delete transaction: at this size a batch holds the write lock for a few
    /// milliseconds (see BENCHMARKS.md, "prune"), far below the 50 ms a decision may wait.
    public static let pruneBatch = 1_000
    public var pruneBatch: Int { Self.pruneBatch }

    static let prunableInstance = """
        stopped_at IS NOT NULL AND stopped_at < ?
        AND NOT EXISTS (SELECT 1 FROM credentials c WHERE c.instance_id = instances.id)
        """
    /// A service row `prune` may delete: no heartbeat (nor stop) since the instances' limit.
    static let prunableService = "last_heartbeat < ? AND (stopped_at IS NULL OR stopped_at < ?)"

    public func prunable(callsBefore: Timestamp, instancesStoppedBefore: Timestamp) throws(StoreError) -> PruneCounts {
        try db.read { () throws(StoreError) -> PruneCounts in
            let calls = try db.prepare("SELECT count(*) FROM tool_calls WHERE at < ?").bind(callsBefore).first { Int($0.int(0)) } ?? 0
            let instances = try db.prepare("SELECT count(*) FROM instances WHERE \(Self.prunableInstance)")
                .bind(instancesStoppedBefore).first { Int($0.int(0)) } ?? 0
            let services = try userVersion() >= Migrations.callOriginVersion
                ? try db.prepare("SELECT count(*) FROM services WHERE \(Self.prunableService)")
                    .bind(instancesStoppedBefore, instancesStoppedBefore).first { Int($0.int(0)) } ?? 0
                : 0
            return PruneCounts(calls: calls, instances: instances, services: services)
        }
    }

    @discardableResult
    public func prune(callsBefore: Timestamp, instancesStoppedBefore: Timestamp, batch: Int) throws(StoreError) -> PruneCounts {
        if isReadOnly { throw .readOnly }
        let size = max(1, batch)
        var out = PruneCounts()
        // Each round finds the next rows in a read transaction (a scan that blocks no writer),
        // then deletes that key range in its own short write transaction. Rows inserted
        // meanwhile take higher keys, and the delete re-checks the condition, so nothing kept by
        // the policy goes.
        var after: Int64 = 0
        while true {
            let keys = try db.read { () throws(StoreError) -> [Int64] in
                try db.prepare("SELECT seq FROM tool_calls WHERE seq > ? AND at < ? ORDER BY seq LIMIT ?")
                    .bind(after, callsBefore, size).all { $0.int(0) }
            }
            guard let first = keys.first, let last = keys.last else { break }
            out.calls += try write { () throws(StoreError) -> Int in
                try db.prepare("DELETE FROM tool_calls WHERE seq BETWEEN ? AND ? AND at < ?").bind(first, last, callsBefore).run()
                return db.changes
            }
            out.batches += 1
            after = last
            yieldToWaitingWriters()
        }
        try pruneToolMinutes(callsBefore: callsBefore)
        after = 0
        while true {
            let keys = try db.read { () throws(StoreError) -> [Int64] in
                try db.prepare("SELECT rowid FROM instances WHERE rowid > ? AND \(Self.prunableInstance) ORDER BY rowid LIMIT ?")
                    .bind(after, instancesStoppedBefore, size).all { $0.int(0) }
            }
            guard let first = keys.first, let last = keys.last else { break }
            out.instances += try write { () throws(StoreError) -> Int in
                try db.prepare("DELETE FROM instances WHERE rowid BETWEEN ? AND ? AND \(Self.prunableInstance)")
                    .bind(first, last, instancesStoppedBefore).run()
                return db.changes
            }
            out.batches += 1
            after = last
            yieldToWaitingWriters()
        }
        // A handful of rows (one per host and address ever served): one short transaction.
        out.services = try write { () throws(StoreError) -> Int in
            try db.prepare("DELETE FROM services WHERE \(Self.prunableService)").bind(instancesStoppedBefore, instancesStoppedBefore).run()
            return db.changes
        }
        if out.services > 0 { out.batches += 1 }
        return out
    }

    /// Deletes the per-tool minutes that end at or before `callsBefore` (every call of them is
    /// gone), an hour of minutes per transaction. Upkeep, not in the counts.
    private func pruneToolMinutes(callsBefore: Timestamp) throws(StoreError) {
        let end = callsBefore / 60_000
        while let first = try db.read({ () throws(StoreError) -> Int64? in
            try db.prepare("SELECT min(minute) FROM tool_minutes WHERE minute < ?").bind(end).first { $0.optInt(0) } ?? nil
        }) {
            try write { () throws(StoreError) in
                try db.prepare("DELETE FROM tool_minutes WHERE minute < ?").bind(min(first + 60, end)).run()
            }
            yieldToWaitingWriters()
        }
    }

    /// A writer queued behind a batch polls for the lock every millisecond (`Database`); a pause
    /// longer than that after each batch lets it in before the next batch takes the lock again.
    private func yieldToWaitingWriters() { usleep(2_000) }

    /// Tables `doctor` counts, in the order it prints them.
    static let countedTables = ["principals", "agents", "credentials", "instances", "tool_calls", "call_minutes",
                                "tool_last_used", "tool_minutes", "audit"]

    public func storeStats() throws(StoreError) -> StoreStats {
        try db.read { () throws(StoreError) -> StoreStats in
            var rows: [(table: String, count: Int64)] = []
            for t in Self.countedTables {
                let exists = try db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?").bind(t).first { $0.int(0) } ?? 0
                guard exists > 0 else { continue }
                rows.append((t, try db.prepare("SELECT count(*) FROM \(t)").first { $0.int(0) } ?? 0))
            }
            let oldest = try db.prepare("SELECT min(at) FROM tool_calls").first { $0.optInt(0) } ?? nil
            return StoreStats(bytes: Self.fileSize(location) + Self.fileSize(location + "-wal"), rows: rows, oldestCall: oldest)
        }
    }

    static func fileSize(_ path: String) -> Int64 {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : 0
    }
}
