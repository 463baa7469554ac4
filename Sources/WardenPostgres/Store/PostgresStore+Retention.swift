import WardenCore
import WardenStore

// Retention: old tool calls and long-stopped instances go, in batches, each its own short
// transaction, so no writer or reader waits behind a whole prune. Aggregates (`call_minutes`,
// `tool_last_used`) and the journal are never touched; `tool_minutes` (the Tools view's hour)
// loses the minutes whose calls all went, so it stays bounded with them.
extension PostgresStore {
    /// Rows per delete transaction: row locks and the commit's WAL flush stay small, and a
    /// concurrent recorder waits at most for one batch's rows.
    public static let pruneBatch = 5_000
    public var pruneBatch: Int { Self.pruneBatch }

    /// An instance `prune` may delete: stopped before the limit and bound to no credential.
    static let prunableInstance = """
        stopped_at IS NOT NULL AND stopped_at < $1
        AND NOT EXISTS (SELECT 1 FROM credentials c WHERE c.instance_id = instances.id)
        """
    /// A service row `prune` may delete: no heartbeat (nor stop) since the instances' limit.
    static let prunableService = "last_heartbeat < $1 AND (stopped_at IS NULL OR stopped_at < $1)"

    public func prunable(callsBefore: Timestamp, instancesStoppedBefore: Timestamp) throws(StoreError) -> PruneCounts {
        try read { () throws(StoreError) -> PruneCounts in
            let calls = try connection.query("SELECT count(*) FROM tool_calls WHERE at < $1", [callsBefore]).first { $0.int(0) } ?? 0
            let instances = try connection.query("SELECT count(*) FROM instances WHERE \(Self.prunableInstance)",
                                                 [instancesStoppedBefore]).first { $0.int(0) } ?? 0
            let services = try connection.query("SELECT count(*) FROM services WHERE \(Self.prunableService)",
                                                [instancesStoppedBefore]).first { $0.int(0) } ?? 0
            return PruneCounts(calls: calls, instances: instances, services: services)
        }
    }

    /// Each round takes the next `batch` candidates in key order and deletes those that still
    /// qualify, in one statement (one transaction), then goes on after the last candidate, so a
    /// round never rescans what the ones before kept. Rows recorded meanwhile take higher keys
    /// and are judged by the same condition.
    @discardableResult
    public func prune(callsBefore: Timestamp, instancesStoppedBefore: Timestamp, batch: Int) throws(StoreError) -> PruneCounts {
        if isReadOnly { throw .readOnly }
        return try permitted("prune") { () throws(StoreError) -> PruneCounts in
            try pruneAll(callsBefore: callsBefore, instancesStoppedBefore: instancesStoppedBefore, batch: batch)
        }
    }

    private func pruneAll(callsBefore: Timestamp, instancesStoppedBefore: Timestamp, batch: Int) throws(StoreError) -> PruneCounts {
        var out = PruneCounts()
        out.calls = try pruneInBatches(table: "tool_calls", key: "seq", condition: "at < $1", limit: callsBefore,
                                       batch: batch, rounds: &out.batches)
        try pruneToolMinutes(callsBefore: callsBefore)
        out.instances = try pruneInBatches(table: "instances", key: "ord", condition: Self.prunableInstance,
                                           limit: instancesStoppedBefore, batch: batch, rounds: &out.batches)
        try compactChangeLog(batch: batch)
        out.services = try pruneServices(before: instancesStoppedBefore)
        if out.services > 0 { out.batches += 1 }
        return out
    }

    /// The services' old heartbeat rows (a handful), in one statement. A store whose roles
    /// predate this grant refuses the operator; that refusal says how to grant it.
    private func pruneServices(before: Timestamp) throws(StoreError) -> Int {
        do {
            return try connection.execute("DELETE FROM services WHERE \(Self.prunableService)", [before])
        } catch {
            guard case .refused(let message) = error, message.hasPrefix(PGError.permissionDenied) else { throw error }
            throw .refused(message + "; the store's roles predate pruning services: run `warden store roles` again as the store's owner")
        }
    }

    /// Deletes the per-tool minutes that end at or before `callsBefore` (every call of them is
    /// gone), an hour of minutes per statement. Upkeep, not in the counts.
    private func pruneToolMinutes(callsBefore: Timestamp) throws(StoreError) {
        let end = callsBefore / 60_000
        while let first = try connection.query("SELECT min(minute) FROM tool_minutes WHERE minute < $1", [end])
            .first({ $0.optionalInt64(0) }) ?? nil {
            try connection.execute("DELETE FROM tool_minutes WHERE minute < $1", [min(first + 60, end)])
        }
    }

    /// Drops the change log's superseded entries (`warden_compact_changes`), a page of each
    /// kind per transaction: every write of a row logs it again (an instance's heartbeat every
    /// few seconds), and the feed needs only each row's latest entry. Upkeep, not rows the
    /// operator asked to remove: not in the counts.
    private func compactChangeLog(batch: Int) throws(StoreError) {
        for (_, kind) in RowChangeLog.kinds {
            var after: Int64 = 0
            while let last = try connection.query("SELECT last FROM warden_compact_changes($1::\"char\", $2, $3)",
                                                  [kind, after, max(1, batch)]).first({ $0.optionalInt64(0) }) ?? nil {
                after = last
            }
        }
    }

    /// Deletes `table`'s rows matching `condition` (its `$1` is `limit`) batch by batch; returns
    /// how many went and counts the rounds that deleted something.
    private func pruneInBatches(table: String, key: String, condition: String, limit: Timestamp, batch: Int,
                                rounds: inout Int) throws(StoreError) -> Int {
        var deleted = 0
        var after: Int64 = 0
        while true {
            let round = try connection.query("""
                WITH candidates AS (
                    SELECT \(key) FROM \(table) WHERE \(key) > $2 AND \(condition) ORDER BY \(key) LIMIT $3),
                gone AS (
                    DELETE FROM \(table) WHERE \(key) IN (SELECT \(key) FROM candidates) AND \(condition) RETURNING 1)
                SELECT (SELECT max(\(key)) FROM candidates), (SELECT count(*) FROM gone)
                """, [limit, after, Int64(max(1, batch))]).first { ($0.optionalInt64(0), $0.int(1)) }
            guard let (last, count) = round, let last else { return deleted }
            deleted += count
            if count > 0 { rounds += 1 }
            after = last
        }
    }
}
