import WardenCore

/// What every writer of tool calls keeps beside the calls, as the per-minute counts are: noted
/// in memory per call, written once per key at the end of the write transaction.
/// - `latest` (`tool_last_used`): per agent and tool, the latest allowed call, which outlives
///   pruning. `toolUsage(since:)` and the unused-scope finding read it, never raw calls.
/// - `minutes` (`tool_minutes`): per tool and minute, calls and denials. `toolActivity(since:)`
///   (the Tools view's hour) sums a few thousand of these instead of scanning the hour's calls.
package struct ToolUsageBatch {
    package struct Key: Hashable {
        package let agent: String, server: String, tool: String
        package init(agent: String, server: String, tool: String) {
            self.agent = agent
            self.server = server
            self.tool = tool
        }
    }

    package struct MinuteKey: Hashable {
        package let server: String, tool: String
        /// `at / 60_000`, as the stores' `minute` columns and their backfills compute it.
        package let minute: Int64
    }

    package private(set) var latest: [Key: Timestamp] = [:]
    package private(set) var minutes: [MinuteKey: (calls: Int64, denied: Int64)] = [:]

    package init() {}

    /// Counts every call by tool and minute; only allowed calls are use (what `toolUsage` means).
    package mutating func note(agent: String, server: String, tool: String, decision: ToolCall.Decision, at: Timestamp) {
        let denied: Int64 = decision == .deny ? 1 : 0
        let minute = MinuteKey(server: server, tool: tool, minute: at / 60_000)
        if let v = minutes[minute] { minutes[minute] = (v.calls + 1, v.denied + denied) } else { minutes[minute] = (1, denied) }
        guard decision == .allow else { return }
        let key = Key(agent: agent, server: server, tool: tool)
        if let t = latest[key], t >= at { return }
        latest[key] = at
    }

    /// What was noted, forgotten here (once written).
    package mutating func take() -> ToolUsageBatch {
        defer { self = ToolUsageBatch() }
        return self
    }
}
