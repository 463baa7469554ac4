/// Everything a key can do in the dashboard. Bindings map keys to these; the help overlay and
/// the footer are generated from the same table.
public enum Action: String, CaseIterable, Sendable {
    case up, down, pageUp = "page_up", pageDown = "page_down", top, bottom
    case collapse, expand, toggle
    case open, back, focus
    case viewTree = "view_tree", viewAgents = "view_agents", viewCredentials = "view_credentials"
    case viewCalls = "view_calls", viewFindings = "view_findings", viewAudit = "view_audit"
    case command, filter
    case sortPrevious = "sort_previous", sortNext = "sort_next", sortInvert = "sort_invert"
    case pause, follow, copy
    case revoke, narrow
    case help, quit

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
        case .viewTree: return "tree"
        case .viewAgents: return "agents"
        case .viewCredentials: return "credentials"
        case .viewCalls: return "calls"
        case .viewFindings: return "findings"
        case .viewAudit: return "audit"
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
        case .help: return "help"
        case .quit: return "quit"
        }
    }

    /// Changes the store; absent in read-only mode.
    public var isDangerous: Bool { self == .revoke || self == .narrow }
}
