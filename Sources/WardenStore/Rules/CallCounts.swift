import WardenCore

/// What a telemetry batch keeps in memory per recorded call: calls and denials by (agent slot,
/// minute), and the tool usage (`ToolUsageBatch`); written once at the end of the
/// batch. Not generic over the backend, so its dictionaries are specialized here rather than
/// running through the generic applier's witness tables once per event.
struct CallCounts {
    struct SlotMinute: Hashable {
        let slot: Int
        let minute: Int64
    }

    /// Calls by (agent slot, minute) in this batch.
    private var minutes: [SlotMinute: (calls: Int, denied: Int)] = [:]
    /// Allowed tools by agent in this batch.
    private var usage = ToolUsageBatch()

    /// Counts one recorded call of `resolved`'s agent at `at`.
    mutating func note(_ c: ToolCall, agent resolved: TelemetrySession.Resolved, at: Timestamp) {
        let denied = c.decision == .deny ? 1 : 0
        let key = SlotMinute(slot: resolved.slot, minute: Self.minute(at))
        if let v = minutes[key] { minutes[key] = (v.calls + 1, v.denied + denied) } else { minutes[key] = (1, denied) }
        usage.note(agent: resolved.id, server: c.server, tool: c.tool, decision: c.decision, at: at)
    }

    /// The tool usage noted, forgotten here.
    mutating func takeUsage() -> ToolUsageBatch { usage.take() }

    /// The per-minute counts noted, by agent ID (`slotIDs`: the session's IDs by slot), forgotten here.
    /// Two references to one agent may take two slots: the backend adds both counts.
    mutating func takeMinutes(slotIDs: [String]) -> [CallMinute] {
        defer { minutes.removeAll() }
        return minutes.map {
            CallMinute(agentID: slotIDs[$0.key.slot], minute: $0.key.minute, calls: $0.value.calls, denied: $0.value.denied)
        }
    }

    static func minute(_ at: Timestamp) -> Int64 { at >= 0 ? at / 60_000 : (at - 59_999) / 60_000 }
}
