import TerminalUI

/// Semantic color roles, chosen once (htop's CRT colors, k9s skins). Theme files assign a
/// style to each role; views only ever ask for roles.
public enum Role: String, CaseIterable, Sendable {
    case text, muted, border, borderFocused = "border_focused", title
    case header, headerBrand = "header_brand", badgeEnvironment = "badge_environment"
    case badgeReadOnly = "badge_read_only", badgePaused = "badge_paused", headerAlert = "header_alert"
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
        case .headerAlert: return "a header figure that needs attention: credentials expiring within 5 minutes, calls denied in the last minute (give it a background)"
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

    /// Monochrome (NO_COLOR): no colors at all; meaning is carried by bold, reverse, underline
    /// and dim. The same table for every theme, because a theme's attributes were chosen to go
    /// with its colors; Themes/monochrome.theme says the same.
    public func monochrome() -> Theme {
        Theme(name: name + " (monochrome)", styles: Theme.monochromeStyles)
    }

    /// Every role's style without color.
    public static let monochromeStyles: [Role: Style] = [
        .text: Style(), .muted: Style(dim: true), .border: Style(dim: true), .borderFocused: Style(bold: true),
        .title: Style(bold: true), .header: Style(), .headerBrand: Style(bold: true),
        .badgeEnvironment: Style(bold: true, reverse: true), .badgeReadOnly: Style(bold: true, reverse: true),
        .badgePaused: Style(bold: true, reverse: true), .headerAlert: Style(bold: true, reverse: true),
        .tabActive: Style(bold: true, reverse: true), .tabInactive: Style(),
        .tableHeader: Style(bold: true, underline: true), .selection: Style(reverse: true), .treeGuide: Style(dim: true),
        .active: Style(), .revoked: Style(bold: true, underline: true), .expired: Style(dim: true),
        .disabled: Style(dim: true, underline: true), .unregistered: Style(bold: true, italic: true),
        .principal: Style(bold: true),
        .live: Style(), .stale: Style(underline: true), .stopped: Style(dim: true),
        .allow: Style(), .deny: Style(bold: true), .error: Style(underline: true),
        .gaugeFilled: Style(reverse: true), .gaugeEmpty: Style(dim: true), .gaugeLow: Style(bold: true, reverse: true),
        .sparkline: Style(), .staticCredential: Style(bold: true),
        .severityHigh: Style(bold: true, reverse: true), .severityMedium: Style(bold: true), .severityLow: Style(),
        .footerKey: Style(bold: true), .footerText: Style(),
        .flashInfo: Style(bold: true), .flashError: Style(bold: true, reverse: true),
        .dialog: Style(), .dialogBorder: Style(bold: true), .dialogDanger: Style(bold: true, reverse: true),
        .input: Style(underline: true), .scopeKept: Style(bold: true), .scopeRemoved: Style(dim: true),
    ]
}

extension Theme {
    /// Dark or light: the side the theme's own text colors were chosen for. Text written on
    /// the terminal's background is light in a dark theme and dark in a light one.
    public var backdrop: Backdrop {
        let onDefault = styles.values.compactMap { $0.bg == .default && !$0.reverse ? RGB($0.fg) : nil }
        guard !onDefault.isEmpty else { return .dark }
        let mean = onDefault.map(\.luminance).reduce(0, +) / Double(onDefault.count)
        return mean < 0.18 ? .light : .dark
    }

    /// This theme for a terminal with `count` colors (8 or 16); unchanged at 256 and above.
    /// See `ColorReduction`: hues kept, AA contrast kept, bars kept as bars — except the empty
    /// part of a time-left bar, which must not turn into a full one.
    public func reduced(toColors count: Int) -> Theme {
        guard count > 0, count < 256 else { return self }
        let backdrop = self.backdrop
        var out: [Role: Style] = [:]
        for role in Role.allCases {
            out[role] = ColorReduction.reduce(style(role), toColors: count, backdrop: backdrop,
                                              keepBackground: role != .gaugeEmpty)
        }
        // Nearby hues can meet in one basic color (solarized's olive green and its yellow):
        // then the statuses share out the basic hues, nearest in total.
        let statuses: [Role] = [.active, .revoked, .expired, .unregistered]
        if Set(statuses.map { out[$0]! }).count < statuses.count {
            for (role, hue) in ColorReduction.distinctHues(for: statuses.map { RGB(style($0).fg) }).enumerated() {
                guard let hue else { continue }
                let basic = RGB(.ansi(hue))!
                out[statuses[role]] = ColorReduction.reduce(style(statuses[role]).fg(.rgb(basic.r, basic.g, basic.b)),
                                                            toColors: count, backdrop: backdrop)
            }
        }
        return Theme(name: name, styles: out)
    }
}
