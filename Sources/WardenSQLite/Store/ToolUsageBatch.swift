import WardenStore
import WardenCore

/// Tool usage that outlives pruning (`tool_last_used`: the latest allowed call per agent and
/// tool), kept by every writer of tool calls as `call_minutes` is: noted in memory per call,
/// written once per (agent, tool) at the end of the write transaction. `toolUsage(since:)` and
/// the unused-scope finding read it, never raw calls.
struct ToolUsageBatch {
    struct Key: Hashable {
        let agent: String, server: String, tool: String
    }

    private(set) var latest: [Key: Timestamp] = [:]

    /// Counts only allowed calls (what `toolUsage` means by use).
    mutating func note(agent: String, server: String, tool: String, decision: ToolCall.Decision, at: Timestamp) {
        guard decision == .allow else { return }
        let key = Key(agent: agent, server: server, tool: tool)
        if let t = latest[key], t >= at { return }
        latest[key] = at
    }

    /// Writes the batch inside the caller's write transaction, then forgets it.
    mutating func flush(_ db: Database) throws(StoreError) {
        if latest.isEmpty { return }
        let upsert = try db.prepare("""
            INSERT INTO tool_last_used(agent_id, server, tool, last_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(agent_id, server, tool) DO UPDATE SET last_at = max(last_at, excluded.last_at)
            """)
        for (k, at) in latest { try upsert.bind(k.agent, k.server, k.tool, at).run() }
        latest.removeAll()
    }
}
