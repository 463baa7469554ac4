import WardenStore
import WardenCore

// Calls whose outcome arrives after the decision (an agent runtime's hook: PreToolUse decides
// and records, PostToolUse reports how the tool ended). The outcome is written on the same row,
// and stamped with an outcome cursor so readers that already hold the call see it change.
extension SQLiteStore {
    public func recordCall(_ call: ToolCall, key: CallKey) throws(StoreError) -> Int64 {
        try write { () throws(StoreError) -> Int64 in
            let seq = try insertCalls([call])[0]
            // The runtime's IDs are unique per session; a replayed key points at the newest call.
            try db.prepare("INSERT OR REPLACE INTO call_keys(session_id, tool_use_id, call_seq) VALUES (?, ?, ?)")
                .bind(key.session, key.toolUse, seq).run()
            return seq
        }
    }

    public func recordOutcome(key: CallKey, credentialID: String, result: ToolCall.Result,
                              at: Timestamp) throws(StoreError) -> ToolCall? {
        try write { () throws(StoreError) -> ToolCall? in
            // Only the credential that made the call may finish it.
            guard let seq = try db.prepare("""
                SELECT k.call_seq FROM call_keys k JOIN tool_calls c ON c.seq = k.call_seq
                WHERE k.session_id = ? AND k.tool_use_id = ? AND c.credential_id = ?
                """).bind(key.session, key.toolUse, credentialID).first({ $0.int(0) }) else { return nil }
            // The first outcome stands; a repeated report changes nothing.
            try db.prepare("""
                UPDATE tool_calls SET duration_ms = max(0, ? - at), result = ?,
                    outcome_seq = (SELECT coalesce(max(outcome_seq), 0) + 1 FROM tool_calls WHERE outcome_seq IS NOT NULL)
                WHERE seq = ? AND outcome_seq IS NULL
                """).bind(at, result.rawValue, seq).run()
            return try db.prepare("SELECT \(Self.callColumns) FROM tool_calls WHERE seq = ?").bind(seq).first { callRow($0) }
        }
    }

    public func callOutcomes(after cursor: Int64, limit: Int) throws(StoreError) -> CallOutcomes {
        try db.read { () throws(StoreError) -> CallOutcomes in
            // A store an older Warden wrote, opened read-only (not migrated), has no outcomes yet.
            guard try db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'call_keys'").first({ $0.int(0) }) == 1 else {
                return CallOutcomes(cursor: cursor, calls: [])
            }
            var last = cursor
            let calls = try db.prepare("""
                SELECT \(try callSelectColumns()), outcome_seq FROM tool_calls
                WHERE outcome_seq > ? ORDER BY outcome_seq LIMIT ?
                """).bind(cursor, limit).all { s -> ToolCall in
                    last = s.int(15)
                    return callRow(s)
                }
            return CallOutcomes(cursor: last, calls: calls)
        }
    }
}
