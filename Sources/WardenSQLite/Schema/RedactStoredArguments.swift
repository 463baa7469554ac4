import WardenStore
import Glibc
import WardenCore

// Stores written before the one redaction rule hold tool-call arguments (and
// names) verbatim. This migration applies `ToolCall.forRecording` to every recorded call,
// journals how many values it redacted, and has the file rewritten so the old text is gone
// from free pages and from the WAL too.
extension SQLiteStore {
    static let vacuumPendingKey = "vacuum_pending"

    /// Inside the migration's transaction. Pages through the calls by `seq` (never updating the
    /// rows a statement is still reading). Marks the file for rewriting (`vacuumIfPending`).
    func redactStoredArguments() throws(StoreError) {
        var after: Int64 = 0
        var rows = 0, changedRows = 0, values = 0
        let page = try db.prepare("SELECT seq, server, tool, reason, args FROM tool_calls WHERE seq > ? ORDER BY seq LIMIT 2000")
        let update = try db.prepare("UPDATE tool_calls SET server = ?, tool = ?, reason = ?, args = ? WHERE seq = ?")
        while true {
            let batch = try page.bind(after).all { s in (s.int(0), s.string(1), s.string(2), s.optString(3), s.optString(4)) }
            if batch.isEmpty { break }
            for (seq, server, tool, reason, args) in batch {
                rows += 1
                after = seq
                var n = 0
                func redacted(_ text: String, _ limit: Int) -> String {
                    let r = Redaction.summary(text: text, limit: limit)
                    n += r.count
                    return r.text
                }
                let newServer = redacted(server, RecordLimits.server), newTool = redacted(tool, RecordLimits.tool)
                let newReason = reason.map { redacted($0, RecordLimits.reason) }
                let newArgs = args.map { redacted($0, RecordLimits.args) }
                if newServer != server || newTool != tool || newReason != reason || newArgs != args {
                    changedRows += 1
                    values += n
                    try update.bind(newServer, newTool, newReason, newArgs, seq).run()
                }
            }
        }
        // A store with no calls (a new one) has nothing to say and nothing to rewrite.
        if rows == 0 { return }
        let last = try db.prepare("SELECT max(at) FROM audit").first { $0.optInt(0) } ?? nil
        try appendAudit(Mutation(operatorName: "warden", now: max(Self.wallClock(), last ?? 0)),
                        action: "store.redact_arguments", target: "tool_calls", before: nil,
                        after: json(["redacted_values": .int(values), "calls_changed": .int(changedRows),
                                     "calls_examined": .int(rows), "rule": .string("issue 11 redaction")]))
        try db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')").bind(Self.vacuumPendingKey).run()
    }

    /// After a migration asked for it (and on later opens until it succeeds): `VACUUM`, then a
    /// truncating checkpoint, so no page of the file or its WAL keeps the old text. Another
    /// process reading at that moment makes it wait for the next writable open.
    func vacuumIfPending() throws(StoreError) {
        guard try db.prepare("SELECT value FROM meta WHERE key = ?").bind(Self.vacuumPendingKey).first({ $0.string(0) }) != nil
        else { return }
        // A reader elsewhere (a dashboard) must not hold up this open for long: try briefly.
        try db.exec("PRAGMA busy_timeout = 250")
        defer { try? db.exec("PRAGMA busy_timeout = 10000") }
        do {
            try db.exec("VACUUM")
            // Busy (a reader still needs old frames): the old pages stay until a later open.
            guard try checkpointTruncated() else { return }
            try db.write { () throws(StoreError) in
                try db.prepare("DELETE FROM meta WHERE key = ?").bind(Self.vacuumPendingKey).run()
            }
            _ = try checkpointTruncated()
        } catch {
            // Left pending: the next writable open tries again.
            return
        }
    }

    /// `PRAGMA wal_checkpoint(TRUNCATE)`: true when it completed (every frame copied, the WAL emptied).
    private func checkpointTruncated() throws(StoreError) -> Bool {
        try db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").first { $0.int(0) == 0 } ?? false
    }
}
