import TerminalUI

/// Semantic color roles, chosen once (htop's CRT colors, k9s skins). Theme files assign a
/// style to each role; views only ever ask for roles.
public enum Role: String, CaseIterable, Sendable {
    case text, muted, border, borderFocused = "border_focused", title
    case header, headerBrand = "header_brand", badgeEnvironment = "badge_environment"
    case badgeReadOnly = "badge_read_only", badgePaused = "badge_paused"
    case tabActive = "tab_active", tabInactive = "tab_inactive"
    case tableHeader = "table_header", selection, treeGuide = "tree_guide"
    case active, revoked, expired, disabled, unregistered, principal
    case live, stale, stopped
    case allow, deny, error
    case gaugeFilled = "gauge_filled", gaugeEmpty = "gauge_empty", gaugeLow = "gauge_low"
    case sparkline, staticCredential = "static_credential"
    case severityHigh = "severity_high", severityMedium = "severity_medium", severityLow = "severity_low"
    case footerKey = "footer_key", footerText = "footer_text"
    case flashInfo = "flash_info", flashError = "flash_error"
    case dialog, dialogBorder = "dialog_border", dialogDanger = "dialog_danger", input
    case scopeKept = "scope_kept", scopeRemoved = "scope_removed"

    /// What the role colors, for Themes/README.md and error messages.
    public var purpose: String {
        switch self {
        case .text: return "ordinary text"
        case .muted: return "secondary text: IDs, times, hints"
        case .border: return "pane borders"
        case .borderFocused: return "the border of the focused pane"
        case .title: return "pane titles"
        case .header: return "the header line"
        case .headerBrand: return "the Warden name in the header"
        case .badgeEnvironment: return "the environment badge (config environment_color overrides its color)"
        case .badgeReadOnly: return "the READ-ONLY badge"
        case .badgePaused: return "the PAUSED badge"
        case .tabActive: return "the current view's tab"
        case .tabInactive: return "other views' tabs"
        case .tableHeader: return "column headers"
        case .selection: return "the selected row"
        case .treeGuide: return "tree guide lines"
        case .active: return "active agents, credentials and principals"
        case .revoked: return "revoked agents and credentials"
        case .expired: return "expired agents and credentials"
        case .disabled: return "disabled principals"
        case .unregistered: return "agents seen in telemetry but never registered"
        case .principal: return "principals (tree roots)"
        case .live: return "live instances"
        case .stale: return "stale instances"
        case .stopped: return "stopped instances"
        case .allow: return "allowed calls"
        case .deny: return "denied calls"
        case .error: return "calls that returned an error"
        case .gaugeFilled: return "the filled part of time-left bars (give it a background)"
        case .gaugeEmpty: return "the empty part of time-left bars"
        case .gaugeLow: return "the filled part of time-left bars under 5 minutes"
        case .sparkline: return "call-rate sparklines"
        case .staticCredential: return "static (long-lived) credential markers"
        case .severityHigh: return "high-severity findings"
        case .severityMedium: return "medium-severity findings"
        case .severityLow: return "low-severity findings"
        case .footerKey: return "key names in the footer"
        case .footerText: return "key descriptions in the footer"
        case .flashInfo: return "result messages"
        case .flashError: return "error messages"
        case .dialog: return "dialog text"
        case .dialogBorder: return "dialog borders"
        case .dialogDanger: return "the warning in dangerous dialogs"
        case .input: return "text being typed (filter, command line, dialogs)"
        case .scopeKept: return "scopes that stay (narrow dialog, detail pane)"
        case .scopeRemoved: return "scopes narrowed away"
        }
    }
}

/// A named set of role styles.
public struct Theme: Sendable {
    public var name: String
    public var styles: [Role: Style]

    public init(name: String, styles: [Role: Style]) {
        self.name = name
        self.styles = styles
    }

    public func style(_ role: Role) -> Style { styles[role] ?? .plain }
    public subscript(_ role: Role) -> Style { style(role) }

    /// Monochrome: every color dropped, meaning carried by bold, reverse, underline (NO_COLOR).
    public func monochrome() -> Theme {
        var out = styles
        for (role, style) in styles { out[role] = Style(attributes: style.attributes) }
        out[.selection] = Style(reverse: true)
        out[.revoked] = Style(attributes: [.bold, .underline])
        out[.deny] = Style(bold: true)
        out[.tabActive] = Style(reverse: true)
        out[.gaugeFilled] = Style(reverse: true)
        out[.gaugeEmpty] = Style()
        out[.gaugeLow] = Style(attributes: [.reverse, .bold])
        out[.badgeReadOnly] = Style(reverse: true)
        out[.badgePaused] = Style(reverse: true)
        out[.badgeEnvironment] = Style(reverse: true)
        out[.flashError] = Style(bold: true)
        out[.dialogDanger] = Style(bold: true)
        return Theme(name: name + " (monochrome)", styles: out)
    }
}
