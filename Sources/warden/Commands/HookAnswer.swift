import CProcess
import WardenCore

/// How `warden hook` answers its runtime, and the guarantee that it always answers: from the
/// moment it is armed, a timeout or a fatal signal writes a deny prepared in advance (an agent
/// runtime runs the tool when its hook hangs, crashes or exits with another code).
///
/// Claude Code: one documented way for every path, a JSON answer with exit 0 (PreToolUse:
/// `permissionDecision: deny`; PostToolUse, where the tool already ran: `decision: block`, which
/// puts the reason before the model). Generic: `{"decision", "reason"}`, exit 0 allow / 3 deny.
struct HookAnswer {
    enum Format: Equatable {
        case claudePreToolUse
        case claudePostToolUse
        case generic
    }

    var format: Format

    /// `warden: denied (REASON) DETAIL`, the text the model (or the generic runtime) sees.
    static func reason(_ code: String, _ detail: String) -> String {
        "warden: denied (\(code)) \(detail)"
    }

    func denyDocument(_ reason: String) -> String {
        let value: JSONValue
        switch format {
        case .claudePreToolUse:
            value = .object([("hookSpecificOutput", .object([
                ("hookEventName", .string("PreToolUse")),
                ("permissionDecision", .string("deny")),
                ("permissionDecisionReason", .string(reason)),
            ]))])
        case .claudePostToolUse:
            value = .object([("decision", .string("block")), ("reason", .string(reason))])
        case .generic:
            value = .object([("decision", .string("deny")), ("reason", .string(reason))])
        }
        return JSONWriter.write(value, indent: false) + "\n"
    }

    var denyExitCode: Int32 { format == .generic ? 3 : 0 }

    /// The answer written by the signal handler: the timer ran out, or the process crashed.
    func failureDocument(timeoutMs: Int64) -> String {
        denyDocument(Self.reason("timeout", "no decision within \(DurationText.canonical(timeoutMs)): the store may be locked by another writer, or the hook failed"))
    }

    /// Prepares the answer for a timeout or a crash and starts the timer.
    func arm(timeoutMs: Int64) {
        _ = warden_arm_fail_closed(failureDocument(timeoutMs: timeoutMs), denyExitCode, Int(timeoutMs))
    }

    /// Changes the format (the event is known once the input is read), keeping the timer running.
    mutating func switchFormat(_ format: Format, timeoutMs: Int64) {
        self.format = format
        _ = warden_arm_fail_closed(failureDocument(timeoutMs: timeoutMs), denyExitCode, 0)
    }

    func deny(_ reason: String) -> Int32 {
        warden_disarm_fail_closed_timer()
        Stdio.write(denyDocument(reason))
        Stdio.flush()
        return denyExitCode
    }

    /// Claude Code: nothing, so the runtime's own permission rules and prompts still apply.
    func allow() -> Int32 {
        warden_disarm_fail_closed_timer()
        if format == .generic {
            Stdio.write(JSONWriter.write(.object([("decision", .string("allow")), ("reason", .null)]), indent: false) + "\n")
            Stdio.flush()
        }
        return 0
    }
}
