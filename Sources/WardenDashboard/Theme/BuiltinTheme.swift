import TerminalUI

extension Theme {
    /// The dark default, used when no theme file can be read. Themes/default.theme says the same.
    public static let builtin = Theme(name: "default", styles: [
        .text: Style(), .muted: Style(fg: .ansi(245)), .border: Style(fg: .ansi(240)),
        .borderFocused: Style(fg: .ansi(39)), .title: Style(fg: .ansi(39), bold: true),
        .header: Style(fg: .ansi(252), bg: .ansi(236)), .headerBrand: Style(fg: .ansi(39), bg: .ansi(236), bold: true),
        .badgeEnvironment: Style(fg: .ansi(16), bg: .ansi(214), bold: true),
        .badgeReadOnly: Style(fg: .ansi(16), bg: .ansi(75), bold: true),
        .badgePaused: Style(fg: .ansi(16), bg: .ansi(220), bold: true),
        .headerAlert: Style(fg: .ansi(16), bg: .ansi(203), bold: true),
        .tabActive: Style(fg: .ansi(16), bg: .ansi(39), bold: true), .tabInactive: Style(fg: .ansi(250)),
        .tableHeader: Style(fg: .ansi(250), bold: true), .selection: Style(bg: .ansi(238), bold: true),
        .treeGuide: Style(fg: .ansi(240)),
        .active: Style(fg: .ansi(114)), .revoked: Style(fg: .ansi(203), bold: true), .expired: Style(fg: .ansi(179)),
        .disabled: Style(fg: .ansi(203)), .unregistered: Style(fg: .ansi(213), bold: true), .principal: Style(fg: .ansi(75), bold: true),
        .live: Style(fg: .ansi(114)), .stale: Style(fg: .ansi(179)), .stopped: Style(fg: .ansi(245)),
        .allow: Style(fg: .ansi(114)), .deny: Style(fg: .ansi(203), bold: true), .error: Style(fg: .ansi(179)),
        .gaugeFilled: Style(fg: .ansi(16), bg: .ansi(114)), .gaugeEmpty: Style(fg: .ansi(250), bg: .ansi(237)),
        .gaugeLow: Style(fg: .ansi(16), bg: .ansi(203), bold: true),
        .sparkline: Style(fg: .ansi(75)), .staticCredential: Style(fg: .ansi(214), bold: true),
        .severityHigh: Style(fg: .ansi(203), bold: true), .severityMedium: Style(fg: .ansi(214)), .severityLow: Style(fg: .ansi(75)),
        .footerKey: Style(fg: .ansi(39), bold: true), .footerText: Style(fg: .ansi(250)),
        .flashInfo: Style(fg: .ansi(114), bold: true), .flashError: Style(fg: .ansi(203), bold: true),
        .dialog: Style(), .dialogBorder: Style(fg: .ansi(39)), .dialogDanger: Style(fg: .ansi(203), bold: true),
        .input: Style(fg: .ansi(230)), .scopeKept: Style(fg: .ansi(114)), .scopeRemoved: Style(fg: .ansi(203), attributes: [.dim]),
    ])
}
