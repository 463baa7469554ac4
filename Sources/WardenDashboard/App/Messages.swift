import TerminalUI
import WardenCore

/// Everything that can happen to the dashboard.
public enum Msg: Sendable {
    case key(Key)
    case mouse(MouseEvent)
    case resize(width: Int, height: Int)
    /// The clock moved (countdowns tick each second).
    case tick(Timestamp)
    case snapshot(FleetSnapshot, findings: [Finding])
    /// Findings computed after the snapshot they describe (they take longer than a frame).
    case findings([Finding])
    /// The blast radius of a revoke, counted by the store for the open dialog.
    case revocationPlanned(EntityRef, RevocationPlan)
    /// A mutation finished: the flash text, and whether it failed.
    case actionFinished(String, failed: Bool)
    case themeLoaded(Theme)
    case themeFailed(String)
    case storeFailed(String)
    /// A read failed (the server restarted, the connection dropped): the runner keeps the last
    /// snapshot and retries at the refresh interval.
    case storeUnreachable(String)
    /// A read succeeded again after `storeUnreachable`; the runner catches up by cursor.
    case storeReachable
    /// A view's rows built off the UI thread (`Effect.buildRows`); shown only if `generation`
    /// is still the newest build asked for that view.
    case rowsBuilt(ViewKind, generation: Int, rows: [Int])
}

/// Side effects `update` asks for; the runner performs them off the input path and answers
/// with messages.
public enum Effect: Equatable, Sendable {
    case reload
    case planRevocation(EntityRef)
    case revoke(EntityRef, reason: String?)
    case narrow(agentID: String, keep: ScopeSet, reason: String?)
    /// Approve or reject one tool definition, by the hash the operator saw.
    case decideTool(ToolDecisionRequest)
    case loadTheme(String)
    /// Write an export of `rows` rows to a file (`:export FILE`).
    case export(path: String, text: String, rows: Int)
    /// Put text on the terminal's clipboard (OSC 52); done by the terminal's own thread.
    case copy(String)
    /// Build a list's rows off the UI thread (too many for a frame); answered by `rowsBuilt`.
    case buildRows(RowJob)
    case quit
}
