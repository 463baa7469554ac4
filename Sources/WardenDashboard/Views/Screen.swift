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
        compose(&s, into: &buf)
        // Last, so every view's widths were computed on the glyphs it drew.
        s.glyphs.apply(to: &buf)
    }

    static func compose(_ s: inout DashboardState, into buf: inout Buffer) {
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
        case .tool(let d): DialogViews.tool(s, d, into: &buf, area: layout.screen)
        default: break
        }
    }
}

enum Header {
    /// The store's tail is kept at least this wide, so every width ≥ 60 says which store.
    static let minStoreWidth = 14

    static func render(_ s: DashboardState, into buf: inout Buffer, area: Rect) {
        let t = s.theme
        buf.fill(area, with: Cell(" ", style: t[.header]))
        var badges: [Span] = [Span(" Warden ", style: t[.headerBrand])]
        if let env = s.environment {
            var style = t[.badgeEnvironment]
            if let c = s.environmentColor { style.bg = c }
            badges += [Span(" \(env) ", style: style), Span(" ", style: t[.header])]
        }
        if s.readOnly { badges += [Span(" READ-ONLY ", style: t[.badgeReadOnly]), Span(" ", style: t[.header])] }
        if s.paused { badges += [Span(" PAUSED ", style: t[.badgePaused]), Span(" ", style: t[.header])] }
        let domain = [Span(s.snapshot.trustDomain, style: t[.header].adding(.bold))]
        let full = figures(s, short: false), short = figures(s, short: true)
        // Which store and what matters most stay; the operator, the clock, the trust domain
        // and the figures' long labels go first, in that order, as the width shrinks.
        // While reads fail, the store's place says so, with the age of what is shown.
        let store = s.storeLostAt.map { "store: reconnecting… · as of " + Ago.text(s.now - $0) } ?? s.storeLocation
        let op = s.operatorName, clock = UTC.timeOfDay(s.now) + " UTC"
        let candidates: [([Span], [String])] = [
            (badges + domain + full, [op, store, clock]),
            (badges + domain + full, [store, clock]),
            (badges + domain + full, [store]),
            (badges + domain + short, [store]),
        ]
        for (left, right) in candidates {
            let l = Line(left), r = right.joined(separator: " · ") + " "
            if l.width + 2 + TextWidth.of(r) <= area.width {
                buf.set(area.x, area.y, line: l, maxWidth: area.width)
                buf.set(area.x, area.y, line: Line([Span(r, style: t[.header])], alignment: .right), maxWidth: area.width)
                return
            }
        }
        // The store shortened (its end kept) rather than the trust domain dropped.
        for left in [badges + domain + short, badges + short] {
            let l = Line(left)
            let room = area.width - l.width - 2
            if room >= min(TextWidth.of(store) + 1, 24) {
                buf.set(area.x, area.y, line: l, maxWidth: area.width)
                let r = shortPath(store, width: room - 1) + " "
                buf.set(area.x, area.y, line: Line([Span(r, style: t[.header])], alignment: .right), maxWidth: area.width)
                return
            }
        }
        // Too narrow for all of it: the store's tail keeps its room, the rest is cut.
        let room = max(minStoreWidth, min(area.width / 3, TextWidth.of(store)))
        let r = shortPath(store, width: room) + " "
        buf.set(area.x, area.y, line: Line(badges + short), maxWidth: max(0, area.width - TextWidth.of(r) - 1), overflow: .ellipsis)
        buf.set(area.x, area.y, line: Line([Span(r, style: t[.header])], alignment: .right), maxWidth: area.width)
    }

    /// Live instances, credentials expiring within 5 minutes, calls denied in the last 60 s, and
    /// the state of `warden serve` when the store has one.
    /// A figure that needs attention is drawn as a badge (`header_alert`), which carries its
    /// own background and so reads on any header.
    static func figures(_ s: DashboardState, short: Bool) -> [Span] {
        let t = s.theme, snap = s.snapshot
        guard snap.pending.isEmpty else {
            // The first frame: the tree is read, the rest is on its way. A large store's first
            // frame holds some principals' agents only: no agent total until the whole tree.
            if snap.pending.contains(.structure) {
                let rest = short ? "loading…" : "loading the tree…"
                return [Span("  \(Plural.count(snap.principals.count, "principal")) · " + rest, style: t[.header])]
            }
            let rest = short ? "loading…" : "loading credentials, instances, activity…"
            return [Span("  \(Plural.count(snap.agents.count, "agent")) · " + rest, style: t[.header])]
        }
        let live = snap.index.liveCount(now: s.now)
        let expiring = snap.index.expiringCount(now: s.now, withinMs: 300_000)
        let denied = snap.index.deniedLast60s(now: s.now)
        var spans: [Span] = []
        var badge = false
        for (label, n, alert) in [("live", live, false), (short ? "exp<5m" : "expiring<5m", expiring, true),
                                  (short ? "deny/1m" : "denied/1m", denied, true)] {
            // Two blanks between figures (one in short form); a badge's own blank counts.
            let gap = (short ? 1 : 2) - (badge ? 1 : 0)
            spans.append(Span(String(repeating: " ", count: gap) + label, style: t[.header]))
            badge = alert && n > 0
            spans.append(badge ? Span(" \(n) ", style: t[.headerAlert]) : Span(" \(n)", style: t[.header].adding(.bold)))
        }
        // `warden serve` on this store, when one ever ran (its heartbeat row).
        if let serve = ServiceStatus.summary(snap.services, now: s.now, short: short) {
            let gap = (short ? 1 : 2) - (badge ? 1 : 0)
            spans.append(Span(String(repeating: " ", count: gap), style: t[.header]))
            spans.append(serve.alert ? Span(" \(serve.text) ", style: t[.headerAlert]) : Span(serve.text, style: t[.header]))
        }
        return spans
    }

    /// A path shortened at the front: its end (file name, folder) is what tells stores apart.
    static func shortPath(_ p: String, width: Int = 40) -> String {
        TextWidth.of(p) <= width ? p : "…" + TextWidth.suffix(p, width: width - 1)
    }

    static func renderTabs(_ s: DashboardState, into buf: inout Buffer, area: Rect) {
        var x = area.x
        for v in ViewKind.allCases {
            let label = Tabs.label(v)
            let alert = v.descriptor.alertCount(s)
            var style = s.theme[v == s.view ? .tabActive : .tabInactive]
            if alert != nil && v != s.view { style = s.theme[.severityHigh] }
            x += buf.set(x, area.y, label, style: style, maxWidth: area.right - x)
            if let n = alert {
                x += buf.set(x, area.y, "(\(n)) ", style: s.theme[.muted], maxWidth: area.right - x)
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
        case .help: return [KeyHint(k.firstKeyName(.down) + k.firstKeyName(.up), "scroll"), KeyHint("any other key", "close")]
        case .revoke, .narrow, .tool: return [KeyHint("Esc", "cancel")]
        case .normal:
            // Quit comes second, so it is never the hint a narrow footer drops.
            let d = s.view.descriptor
            var actions: [Action] = [.help, .quit] + d.footerActions + [.open, .filter, .command]
            if d.sortable { actions += [.sortNext] }
            if d.actsOnEntities { actions += [.revoke, .narrow] }
            actions.append(.pause)
            if d.followsNewest { actions.append(.follow) }
            return k.hints(actions, readOnly: s.readOnly)
        }
    }
}
