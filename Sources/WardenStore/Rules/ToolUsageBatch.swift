import WardenCore

/// Tool usage that outlives pruning (the latest allowed call per agent and tool), kept by every
/// writer of tool calls as the per-minute counts are: noted in memory per call, written once
/// per (agent, tool) at the end of the write transaction. `toolUsage(since:)` and the
/// unused-scope finding read it, never raw calls.
package struct ToolUsageBatch {
    package struct Key: Hashable {
        package let agent: String, server: String, tool: String
        package init(agent: String, server: String, tool: String) {
            self.agent = agent
            self.server = server
            self.tool = tool
        }
    }

    package private(set) var latest: [Key: Timestamp] = [:]

    package init() {}

    /// Counts only allowed calls (what `toolUsage` means by use).
    package mutating func note(agent: String, server: String, tool: String, decision: ToolCall.Decision, at: Timestamp) {
        guard decision == .allow else { return }
        let key = Key(agent: agent, server: server, tool: tool)
        if let t = latest[key], t >= at { return }
        latest[key] = at
    }

    /// What was noted, forgotten here (once written).
    package mutating func take() -> [Key: Timestamp] {
        defer { latest.removeAll() }
        return latest
    }
}
