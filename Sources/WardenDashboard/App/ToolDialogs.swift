import TerminalUI
import WardenCore

/// The approve (`a`) and reject (`R`) dialog of the Tools view. It is bound to the definition
/// the operator was shown, by hash: the store approves a hash it was given even when it is no
/// longer the current one, so it is the dialog that notices the server moved on.
public struct ToolDialog: Sendable {
    public var verdict: ToolDecision.Verdict
    public var server: String
    public var tool: String
    /// The definition on screen when the dialog opened: the only one it decides on.
    public var hash: String
    public var status: ToolStatus
    /// What the store lists for the tool now, once it is no longer `hash` (a new hash, or
    /// "gone"). Set by the snapshots that arrive while the dialog is open; it stays set.
    public var movedTo: String?
    public var reason = TextInput()
    public var editingReason = false
    /// The reason as it was when editing began: Esc puts it back.
    public var reasonBeforeEdit = ""

    public init(verdict: ToolDecision.Verdict, pin: ToolPin) {
        self.verdict = verdict
        server = pin.server
        tool = pin.tool
        hash = pin.hash
        status = pin.status
        // A rejection needs a reason: its field is open at once.
        editingReason = verdict == .rejected
    }

    public var name: String { server + "/" + tool }
    public var verb: String { verdict == .approved ? "approve" : "reject" }

    /// Compares the dialog's hash with what a snapshot lists for the tool.
    mutating func check(against tools: ToolsSnapshot) {
        guard movedTo == nil else { return }
        guard let pin = tools.pin(name), pin.goneAt == nil else {
            movedTo = "gone"
            return
        }
        if pin.hash != hash { movedTo = pin.hash }
    }
}

enum ToolDialogs {
    static func open(_ s: inout DashboardState, _ verdict: ToolDecision.Verdict) -> [Effect] {
        let verb = verdict == .approved ? "approve" : "reject"
        guard s.view == .tools else {
            Update.flash(&s, "\(s.keyMap.firstKeyName(verdict == .approved ? .approve : .reject)) \(verb)s a tool in the Tools view (\(s.keyMap.keyName(.view(.tools))))", error: true)
            return []
        }
        guard let pin = ToolsView.selectedPin(s) else {
            Update.flash(&s, "nothing selected to \(verb)", error: true)
            return []
        }
        switch (verdict, pin.status) {
        case (_, .gone):
            Update.flash(&s, "\(pin.name) is gone: its server no longer lists it", error: true)
        case (.approved, .approved):
            Update.flash(&s, "\(pin.name) is already approved", error: true)
        case (.rejected, .rejected):
            Update.flash(&s, "\(pin.name) is already rejected", error: true)
        default:
            s.mode = .tool(ToolDialog(verdict: verdict, pin: pin))
        }
        return []
    }

    static func key(_ s: inout DashboardState, _ dialog: ToolDialog, _ k: Key) -> [Effect] {
        var d = dialog
        // Once the tool moved there is nothing left to type: Esc closes at once.
        if k == .ctrl("c") || (k == .escape && (!d.editingReason || d.movedTo != nil)) {
            return cancel(&s, d)
        }
        if d.editingReason {
            switch k {
            case .enter: d.editingReason = false
            case .escape:
                d.reason = TextInput(d.reasonBeforeEdit)
                d.editingReason = false
            default: d.reason.handle(k)
            }
        } else {
            switch s.keyMap.dialogAction(for: k) {
            case .confirm?: return confirm(&s, d)
            case .decline?: return cancel(&s, d)
            case .reason?:
                d.reasonBeforeEdit = d.reason.text
                d.editingReason = true
            default: break
            }
        }
        s.mode = .tool(d)
        return []
    }

    static func cancel(_ s: inout DashboardState, _ d: ToolDialog) -> [Effect] {
        s.mode = .normal
        Update.flash(&s, "\(d.verb) cancelled", error: false)
        return []
    }

    /// Decides on the hash shown, and only while it is still the one the store lists.
    static func confirm(_ s: inout DashboardState, _ dialog: ToolDialog) -> [Effect] {
        var d = dialog
        d.check(against: s.snapshot.tools)
        if let moved = d.movedTo {
            s.mode = .tool(d)
            Update.flash(&s, "refused: \(d.name) changed to \(short(moved)) since this dialog opened; review it again", error: true)
            return []
        }
        let reason = d.reason.text.contains { !$0.isWhitespace } ? d.reason.text : nil
        if d.verdict == .rejected && reason == nil {
            d.editingReason = true
            s.mode = .tool(d)
            Update.flash(&s, "a rejection needs a reason", error: true)
            return []
        }
        s.mode = .normal
        return [.decideTool(ToolDecisionRequest(server: d.server, tool: d.tool, hash: d.hash, verdict: d.verdict, reason: reason))]
    }

    /// A hash as the dialog and the list show it: its first 12 digits.
    static func short(_ hash: String) -> String { hash == "gone" ? "gone" : String(hash.prefix(12)) }
}

/// What `a` or `R` asks the store to do, bound to the definition the operator saw.
public struct ToolDecisionRequest: Equatable, Sendable {
    public var server: String
    public var tool: String
    public var hash: String
    public var verdict: ToolDecision.Verdict
    public var reason: String?
    public init(server: String, tool: String, hash: String, verdict: ToolDecision.Verdict, reason: String?) {
        self.server = server
        self.tool = tool
        self.hash = hash
        self.verdict = verdict
        self.reason = reason
    }
}
