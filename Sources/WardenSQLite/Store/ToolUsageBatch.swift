import WardenStore
import WardenCore

extension ToolUsageBatch {
    /// Writes the batch inside the caller's write transaction (`tool_last_used`), then forgets it.
    mutating func flush(_ db: Database) throws(StoreError) {
        try SQLiteStore.upsertToolUse(take(), db)
    }
}

extension SQLiteStore {
    static func upsertToolUse(_ latest: [ToolUsageBatch.Key: Timestamp], _ db: Database) throws(StoreError) {
        if latest.isEmpty { return }
        let upsert = try db.prepare("""
            INSERT INTO tool_last_used(agent_id, server, tool, last_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(agent_id, server, tool) DO UPDATE SET last_at = max(last_at, excluded.last_at)
            """)
        for (k, at) in latest { try upsert.bind(k.agent, k.server, k.tool, at).run() }
    }
}
