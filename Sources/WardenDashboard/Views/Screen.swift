import TerminalUI
import WardenCore

/// Draws the whole screen for a state. Scroll offsets are kept in the state, as ratatui's
/// stateful widgets do, so the function takes it inout.
public enum Screen {
    public static func render(_ s: inout DashboardState) -> Buffer {
        var buf = Buffer(width: s.width, height: s.height)
        render(&s, into: &buf)
        return buf
    }

    public static func render(_ s: inout DashboardState, into buf: inout Buffer) {
        let layout = ScreenLayout(s)
        if layout.tooSmall {
            let msg = "terminal too small"
            let need = "need \(ScreenLayout.minWidth)×\(ScreenLayout.minHeight)"
            buf.set(max(0, (s.width - msg.count) / 2), max(0, s.height / 2 - 1), msg, style: s.theme[.flashError], maxWidth: s.width)
            buf.set(max(0, (s.width - need.count) / 2), s.height / 2, need, style: s.theme[.muted], maxWidth: s.width)
            return
        }
        Header.render(s, into: &buf, area: layout.header)
        Header.renderTabs(s, into: &buf, area: layout.tabs)
        Lists.render(&s, into: &buf, layout: layout)
        if let d = layout.detail { DetailPane.render(s, into: &buf, area: d) }
        Footer.render(s, into: &buf, message: layout.message, footer: layout.footer)
        switch s.mode {
        case .help: HelpScreen.render(s, into: &buf, area: layout.screen)
        case .revoke(let d): DialogViews.revoke(s, d, into: &buf, area: layout.screen)
        case .narrow(let d): DialogViews.narrow(s, d, into: &buf, area: layout.screen)
        default: break
        }
    }
}

enum Header {
    static func render(_ s: DashboardState, into buf: inout Buffer, area: Rect) {
        let t = s.theme
        buf.fill(area, with: Cell(" ", style: t[.header]))
        var spans: [Span] = [Span(" Warden ", style: t[.headerBrand])]
        if let env = s.environment {
            var style = t[.badgeEnvironment]
            if let c = s.environmentColor { style.bg = c }
            spans.append(Span(" \(env) ", style: style))
            spans.append(Span(" ", style: t[.header]))
        }
        if s.readOnly { spans += [Span(" READ-ONLY ", style: t[.badgeReadOnly]), Span(" ", style: t[.header])] }
        if s.paused { spans += [Span(" PAUSED ", style: t[.badgePaused]), Span(" ", style: t[.header])] }
        let snap = s.snapshot
        spans.append(Span(snap.trustDomain, style: t[.header].adding(.bold)))
        if snap.pending.isEmpty {
            let live = snap.index.liveCount(now: s.now)
            let expiring = snap.index.expiringCount(now: s.now, withinMs: 300_000)
            let denied = snap.index.deniedTotalLastMinute
            spans += [
                Span("  live ", style: t[.header]), Span("\(live)", style: t[.header].adding(.bold)),
                Span("  expiring<5m ", style: t[.header]), Span("\(expiring)", style: expiring > 0 ? t[.header].patched(with: Style(fg: t[.gaugeLow].fg, bold: true)) : t[.header]),
                Span("  denied/1m ", style: t[.header]), Span("\(denied)", style: denied > 0 ? t[.header].patched(with: Style(fg: t[.deny].fg, bold: true)) : t[.header]),
            ]
        } else {
            // The first frame: the tree is read, the rest is on its way.
            spans.append(Span("  \(snap.agents.count) agents · loading credentials, instances, activity…", style: t[.header]))
        }
        let left = Line(spans)
        let right = Line([Span("\(s.operatorName) · \(shortPath(s.storeLocation)) · \(UTC.timeOfDay(s.now)) UTC ", style: t[.header])], alignment: .right)
        let used = buf.set(area.x, area.y, line: left, maxWidth: area.width, overflow: .ellipsis)
        if area.width - used > right.width + 1 {
            buf.set(area.x, area.y, line: right, maxWidth: area.width)
        }
    }

    static func shortPath(_ p: String) -> String {
        p.count <= 40 ? p : "…" + String(p.suffix(39))
    }

    static func renderTabs(_ s: DashboardState, into buf: inout Buffer, area: Rect) {
        var x = area.x
        for v in ViewKind.allCases {
            let label = Tabs.label(v)
            var style = s.theme[v == s.view ? .tabActive : .tabInactive]
            if v == .findings && !s.findings.isEmpty && v != s.view { style = s.theme[.severityHigh] }
            x += buf.set(x, area.y, label, style: style, maxWidth: area.right - x)
            if v == .findings && !s.findings.isEmpty {
                x += buf.set(x, area.y, "(\(s.findings.count)) ", style: s.theme[.muted], maxWidth: area.right - x)
            }
        }
    }
}

enum Footer {
    static func render(_ s: DashboardState, into buf: inout Buffer, message: Rect, footer: Rect) {
        let t = s.theme
        switch s.mode {
        case .filter(let input):
            input.render(into: &buf, area: message, prompt: "/", style: t[.input])
        case .command(let input):
            input.render(into: &buf, area: message, prompt: ":", style: t[.input])
        default:
            if let f = s.flash {
                buf.set(message.x + 1, message.y, f.text, style: t[f.isError ? .flashError : .flashInfo], maxWidth: message.width - 1, overflow: .ellipsis)
            } else if !s.filter.isEmpty {
                buf.set(message.x + 1, message.y, "filter: /\(s.filter)  (Esc clears)", style: t[.muted], maxWidth: message.width - 1, overflow: .ellipsis)
            }
        }
        StatusBar(hints: hints(s), keyStyle: t[.footerKey], style: t[.footerText]).render(into: &buf, area: footer)
    }

    static func hints(_ s: DashboardState) -> [KeyHint] {
        let k = s.keyMap
        switch s.mode {
        case .filter: return [KeyHint("Enter", "keep"), KeyHint("Esc", "clear"), KeyHint("!", "invert")]
        case .command: return [KeyHint("Enter", "run"), KeyHint("Esc", "cancel")]
        case .help: return [KeyHint("any key", "close")]
        case .revoke, .narrow: return [KeyHint("Esc", "cancel")]
        case .normal:
            var actions: [Action] = [.help, .open, .filter, .command]
            if s.view == .tree { actions.insert(.toggle, at: 1) }
            if s.view != .tree { actions += [.sortNext] }
            actions += [.revoke, .narrow, .pause]
            if s.view == .calls { actions.append(.follow) }
            actions.append(.quit)
            return k.hints(actions, readOnly: s.readOnly)
        }
    }
}
