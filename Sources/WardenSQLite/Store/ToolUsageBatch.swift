import WardenStore
import WardenCore

extension ToolUsageBatch {
    /// Writes the batch inside the caller's write transaction (`tool_last_used`, `tool_minutes`),
    /// then forgets it.
    mutating func flush(_ db: Database) throws(StoreError) {
        try SQLiteStore.upsertToolUse(take(), db)
    }
}

extension SQLiteStore {
    static func upsertToolUse(_ usage: ToolUsageBatch, _ db: Database) throws(StoreError) {
        if !usage.latest.isEmpty {
            let upsert = try db.prepare("""
                INSERT INTO tool_last_used(agent_id, server, tool, last_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(agent_id, server, tool) DO UPDATE SET last_at = max(last_at, excluded.last_at)
                """)
            for (k, at) in usage.latest { try upsert.bind(k.agent, k.server, k.tool, at).run() }
        }
        if !usage.minutes.isEmpty {
            let bump = try db.prepare("""
                INSERT INTO tool_minutes(minute, server, tool, calls, denied) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(minute, server, tool) DO UPDATE SET calls = calls + excluded.calls, denied = denied + excluded.denied
                """)
            for (k, v) in usage.minutes { try bump.bind(k.minute, k.server, k.tool, v.calls, v.denied).run() }
        }
    }
}
