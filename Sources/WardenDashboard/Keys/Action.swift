/// Everything a key can do in the dashboard. Bindings map keys to these; the help overlay and
/// the footer are generated from the same table. The config file names them (`key.NAME`).
public enum Action: Hashable, Sendable {
    case up, down, pageUp, pageDown, top, bottom
    case collapse, expand, toggle
    case open, back, focus
    /// Switch to a view (keys 1–9 by tab order).
    case view(ViewKind)
    case command, filter
    case sortPrevious, sortNext, sortInvert
    case pause, follow, copy
    case revoke, narrow
    /// In the Tools view: approve or reject the selected tool's current definition.
    case approve, reject
    case help, quit
    /// In the revoke and narrow dialogs: do it, don't, type a reason.
    case confirm, decline, reason

    /// Where a binding applies: a key may mean one thing in the lists and another in a dialog.
    public enum Scope: Sendable { case lists, dialogs }

    public var scope: Scope {
        switch self {
        case .confirm, .decline, .reason: return .dialogs
        default: return .lists
        }
    }

    /// Every action, in the order of the help screen.
    public static var allCases: [Action] {
        [.up, .down, .pageUp, .pageDown, .top, .bottom, .collapse, .expand, .toggle, .open, .back, .focus]
            + ViewKind.allCases.map { .view($0) }
            + [.command, .filter, .sortPrevious, .sortNext, .sortInvert, .pause, .follow, .copy,
               .revoke, .narrow, .approve, .reject, .help, .quit, .confirm, .decline, .reason]
    }

    /// The name in the config file.
    public var rawValue: String {
        switch self {
        case .up: return "up"
        case .down: return "down"
        case .pageUp: return "page_up"
        case .pageDown: return "page_down"
        case .top: return "top"
        case .bottom: return "bottom"
        case .collapse: return "collapse"
        case .expand: return "expand"
        case .toggle: return "toggle"
        case .open: return "open"
        case .back: return "back"
        case .focus: return "focus"
        case .view(let v): return "view_" + v.name
        case .command: return "command"
        case .filter: return "filter"
        case .sortPrevious: return "sort_previous"
        case .sortNext: return "sort_next"
        case .sortInvert: return "sort_invert"
        case .pause: return "pause"
        case .follow: return "follow"
        case .copy: return "copy"
        case .revoke: return "revoke"
        case .narrow: return "narrow"
        case .approve: return "approve"
        case .reject: return "reject"
        case .help: return "help"
        case .quit: return "quit"
        case .confirm: return "confirm"
        case .decline: return "decline"
        case .reason: return "reason"
        }
    }

    public init?(rawValue: String) {
        guard let a = Action.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = a
    }

    /// Short help text (footer and `?`).
    public var help: String {
        switch self {
        case .up: return "up"
        case .down: return "down"
        case .pageUp: return "page up"
        case .pageDown: return "page down"
        case .top: return "top"
        case .bottom: return "bottom"
        case .collapse: return "collapse"
        case .expand: return "expand"
        case .toggle: return "toggle"
        case .open: return "details"
        case .back: return "back"
        case .focus: return "focus pane"
        case .view(let v): return v.name
        case .command: return "command"
        case .filter: return "filter"
        case .sortPrevious: return "sort ←"
        case .sortNext: return "sort →"
        case .sortInvert: return "invert sort"
        case .pause: return "pause"
        case .follow: return "follow"
        case .copy: return "copy ID"
        case .revoke: return "revoke"
        case .narrow: return "narrow"
        case .approve: return "approve tool"
        case .reject: return "reject tool"
        case .help: return "help"
        case .quit: return "quit"
        case .confirm: return "confirm"
        case .decline: return "decline"
        case .reason: return "reason"
        }
    }

    /// Changes the store; absent in read-only mode.
    public var isDangerous: Bool { self == .revoke || self == .narrow || self == .approve || self == .reject }
}
