import TerminalUI
import WardenCore

/// The delegation tree: principals, agents, sub-agents, each with status, live instances,
/// the nearest credential expiry as a bar, and calls per minute as a sparkline.
enum TreePane {
    /// Right-hand columns: live count, time-left bar, sparkline.
    static let liveWidth = 4, gaugeWidth = 15, sparkWidth = FleetIndex.sparkMinutes
    /// Column titles. The time column is the soonest-expiring active credential's time left,
    /// not the agent's own expiry (the Agents view's EXPIRES): the title says so.
    static let titles = (name: "PRINCIPAL / AGENT", live: "LIVE", credential: "CREDENTIAL LEFT", rate: "CALLS/MIN 15M")

    static func render(_ s: DashboardState, list: inout ListState, into buf: inout Buffer, area whole: Rect) {
        let snap = s.snapshot, t = s.theme, now = s.now
        let badges = s.badges
        let extras = whole.width >= 70
        let rightWidth = extras ? liveWidth + 1 + gaugeWidth + 1 + sparkWidth + 1 : 0
        header(s, extras: extras, rightWidth: rightWidth, into: &buf, area: whole.row(0))
        let area = Rect(x: whole.x, y: whole.y + 1, width: whole.width, height: max(0, whole.height - 1))
        let treeArea = Rect(x: area.x, y: area.y, width: area.width - rightWidth, height: area.height)
        let view = TreeView(rows: s.rows.tree, guideStyle: t[.treeGuide], highlightStyle: t[.selection]) { row in
            switch row.id {
            case .principal(let i):
                let p = snap.principals[i]
                let style = t[p.status == .active ? .principal : .disabled]
                var spans = [Span(p.kind == .human ? "◆ " : "◇ ", style: style), Span(p.id, style: style)]
                if p.status == .disabled { spans.append(Span("  disabled", style: t[.disabled])) }
                if p.name != p.id { spans.append(Span("  " + p.name, style: t[.muted])) }
                // Its agents come with the whole tree (a large store's first frame): not empty.
                if snap.agentsUnread(principal: i) { spans.append(Span("  loading…", style: t[.muted])) }
                return Line(spans)
            case .agent(let i):
                let a = snap.agents[i]
                let role = StatusStyle.role(a, now: now)
                var spans = [Span(Glyph.status(a, now: now) + " ", style: t[role]),
                             Span(a.name, style: a.status(at: now) == .active ? t[.text] : t[role])]
                switch a.status(at: now) {
                case .revoked: spans.append(Span("  revoked", style: t[.revoked]))
                case .expired: spans.append(Span("  expired", style: t[.expired]))
                case .active: if !a.registered { spans.append(Span("  unregistered", style: t[.unregistered])) }
                }
                if let b = badges.mark(a.id) {
                    let sev = badges.severity(a.id)!
                    spans.append(Span(" " + b.text, style: t[sev == .high ? .severityHigh : sev == .medium ? .severityMedium : .severityLow]))
                }
                if !row.isExpanded && row.hasChildren {
                    spans.append(Span("  +\(snap.index.subtreeSize[i] - 1)", style: t[.muted]))
                }
                return Line(spans)
            }
        }
        view.render(into: &buf, area: treeArea, state: &list)
        guard extras else { return }
        let x0 = treeArea.right + 1
        for line in 0..<min(area.height, s.rows.tree.count - list.offset) {
            let row = list.offset + line
            guard case .agent(let i) = s.rows.tree[row].id else { continue }
            let y = area.y + line
            let selected = row == list.selected
            if selected { buf.setStyle(Rect(x: treeArea.right, y: y, width: rightWidth, height: 1), t[.selection]) }
            let live = snap.index.liveInstances(i, now: now)
            buf.set(x0, y, live > 0 ? "◉\(live)" : "", style: t[.live], maxWidth: liveWidth)
            let gaugeArea = Rect(x: x0 + liveWidth + 1, y: y, width: gaugeWidth, height: 1)
            if let c = snap.index.nearestExpiry(i, snap.credentials, now: now) {
                TTLGauge.render(c, now: now, theme: t, into: &buf, area: gaugeArea)
            } else if !snap.pending.contains(.credentials) {
                buf.set(gaugeArea.x, y, "no credential", style: t[.muted], maxWidth: gaugeWidth)
            }
            if let rates = snap.index.rates(i) {
                Sparkline(rates, style: t[.sparkline]).render(into: &buf, area: Rect(x: gaugeArea.right + 1, y: y, width: sparkWidth, height: 1))
            }
        }
    }

    static func header(_ s: DashboardState, extras: Bool, rightWidth: Int, into buf: inout Buffer, area: Rect) {
        let style = s.theme[.tableHeader]
        buf.fill(area, with: Cell(" ", style: style))
        buf.set(area.x, area.y, titles.name, style: style, maxWidth: area.width - rightWidth)
        guard extras else { return }
        let x0 = area.right - rightWidth + 1
        buf.set(x0, area.y, titles.live, style: style, maxWidth: liveWidth)
        buf.set(x0 + liveWidth + 1, area.y, titles.credential, style: style, maxWidth: gaugeWidth)
        buf.set(x0 + liveWidth + 1 + gaugeWidth + 1, area.y, titles.rate, style: style, maxWidth: sparkWidth)
    }
}
