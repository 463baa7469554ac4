import TerminalUI
import WardenCore
import WardenStore

/// The main list pane of each view. Only visible rows are built.
enum Lists {
    static func render(_ s: inout DashboardState, into buf: inout Buffer, layout: ScreenLayout) {
        let t = s.theme
        let focused = s.focus == .list || !s.detailOpen
        let count = s.rows.count(s.view)
        var title = " \(s.view.title) [\(count)] "
        if !s.filter.isEmpty { title += "/\(s.filter) " }
        if s.view == .calls && s.follow { title += "following " }
        var titleLine = Line([Span(title, style: t[.title])])
        if s.view == .audit { titleLine.spans.append(auditBadge(s)) }
        Block(title: titleLine, borderStyle: t[focused ? .borderFocused : .border]).render(into: &buf, area: layout.list)
        let inner = layout.list.inset(by: 1)
        guard !inner.isEmpty else { return }
        var list = s.list(s.view)
        switch s.view {
        case .tree: TreePane.render(s, list: &list, into: &buf, area: inner)
        case .agents: agents(s, list: &list, into: &buf, area: inner)
        case .credentials: credentials(s, list: &list, into: &buf, area: inner)
        case .calls: calls(s, list: &list, into: &buf, area: inner)
        case .findings: findings(s, list: &list, into: &buf, area: inner)
        case .audit: audit(s, list: &list, into: &buf, area: inner)
        }
        s.lists[s.view] = list
        if count == 0 {
            let msg = !s.filter.isEmpty ? "nothing matches /\(s.filter)"
                : !s.snapshot.pending.isEmpty ? "loading the store…"
                : s.view == .findings && !s.findingsLoaded ? "checking the fleet…" : emptyText(s.view)
            buf.set(inner.x + 1, inner.y + 1, msg, style: t[.muted], maxWidth: inner.width - 1)
        }
    }

    static func emptyText(_ v: ViewKind) -> String {
        switch v {
        case .tree, .agents: return "no agents yet: `warden agent register` or `warden import`"
        case .credentials: return "no credentials yet: `warden token issue AGENT`"
        case .calls: return "no tool calls recorded yet"
        case .findings: return "no findings: nothing needs attention"
        case .audit: return "the journal is empty"
        }
    }

    static func auditBadge(_ s: DashboardState) -> Span {
        switch s.snapshot.auditState {
        case .intact(let n, let head)?:
            if case .drifted? = s.snapshot.stateCheck, let check = s.snapshot.stateCheck {
                return Span(" ✗ \(Sanitizer.clean(check.summary)) ", style: s.theme[.revoked])
            }
            return Span(" ✓ chain intact: \(n) records" + (head.map { ", head \($0.seq):\($0.hash.prefix(12))… " } ?? " "), style: s.theme[.active])
        case .broken(let seq, let problem)?:
            return Span(" ✗ CHAIN BROKEN at #\(seq): \(problem) ", style: s.theme[.revoked])
        case nil:
            return Span(" verifying… ", style: s.theme[.muted])
        }
    }

    /// A view's table. `priorities` say which columns a narrow pane keeps (lower first);
    /// `identifiers` are the columns that show their end when cut.
    static func table(_ s: DashboardState, _ v: ViewKind, widths: [Constraint], priorities: [Int], identifiers: Set<Int> = [],
                      rowCount: Int, row: @escaping (Int) -> TableRow) -> Table {
        let sort = s.sort(v)
        let titles = Columns.titles(v)
        let columns = titles.indices.map {
            TableColumn(titles[$0], width: widths[$0], priority: priorities[$0], keepsEnd: identifiers.contains($0))
        }
        return Table(columns: columns, rowCount: rowCount, headerStyle: s.theme[.tableHeader],
                     highlightStyle: s.theme[.selection], sort: (sort.column, sort.ascending), row: row)
    }

    static func agents(_ s: DashboardState, list: inout ListState, into buf: inout Buffer, area: Rect) {
        let snap = s.snapshot, rows = s.rows.agents, now = s.now, theme = s.theme
        let badges = s.badges
        table(s, .agents, widths: [.length(13), .min(18), .min(12), .length(5), .length(4), .length(8), .length(7), .length(8), .length(9)],
              priorities: [1, 0, 4, 6, 3, 2, 5, 3, 5], rowCount: rows.count) { r in
            var cells = AgentText.cells(snap, rows[r], now: now, theme: theme)
            if let mark = badges.mark(snap.agents[rows[r]].id) {
                cells[1] = TableCell(cells[1].text + " " + mark.text, style: cells[1].style)
            }
            return TableRow(cells)
        }.render(into: &buf, area: area, state: &list)
    }

    static func credentials(_ s: DashboardState, list: inout ListState, into buf: inout Buffer, area: Rect) {
        let snap = s.snapshot, rows = s.rows.credentials, now = s.now, theme = s.theme, policy = s.policy
        // The ID column is wider than the widest ID and its static mark: IDs are never cut.
        let idWidth = max(18, snap.index.credentialIDWidth + TextWidth.of(CredentialText.staticMark))
        let t = table(s, .credentials, widths: [.min(idWidth), .min(16), .fill, .length(10), .length(16), .length(8)],
                      priorities: [0, 1, 3, 4, 1, 2],
                      rowCount: rows.count) { r in TableRow(CredentialText.cells(snap, rows[r], now: now, theme: theme, policy: policy)) }
        t.render(into: &buf, area: area, state: &list)
        // Time-left bars over the TIME LEFT column, for the visible rows.
        let gaugeColumn = t.columnAreas(in: area, rows: list.offset..<min(rows.count, list.offset + max(0, area.height - 1)))[4]
        guard gaugeColumn.width > 0 else { return }
        for (line, index) in (list.offset..<min(rows.count, list.offset + area.height - 1)).enumerated() {
            let c = snap.credentials[rows[index]]
            let cell = Rect(x: gaugeColumn.x, y: area.y + 1 + line, width: gaugeColumn.width, height: 1)
            TTLGauge.render(c, now: now, theme: theme, into: &buf, area: cell)
        }
    }

    static func calls(_ s: DashboardState, list: inout ListState, into buf: inout Buffer, area: Rect) {
        let snap = s.snapshot, rows = s.rows.calls, theme = s.theme
        // Decision and reason are what a narrow Calls pane is for (`/deny`); a reason is kept
        // whole (credential_revoked and credential_expired must not look alike).
        table(s, .calls, widths: [.length(8), .min(14), .min(14), .length(8), .min(18), .length(6), .length(8), .fill],
              priorities: [3, 2, 1, 0, 0, 2, 5, 6], rowCount: rows.count) { r in
            TableRow(CallText.cells(snap, rows[r], theme: theme))
        }.render(into: &buf, area: area, state: &list)
    }

    static func findings(_ s: DashboardState, list: inout ListState, into buf: inout Buffer, area: Rect) {
        let rows = s.rows.findings, theme = s.theme, found = s.findings, snap = s.snapshot, keys = s.keyMap, ro = s.readOnly
        table(s, .findings, widths: [.length(9), .length(18), .min(20), .fill, .length(13)], priorities: [0, 1, 0, 2, 1],
              rowCount: rows.count) { r in
            let f = found[rows[r]]
            let role: Role = f.severity == .high ? .severityHigh : f.severity == .medium ? .severityMedium : .severityLow
            return TableRow([
                TableCell(f.severity.name, style: theme[role]), TableCell(f.kind.rawValue),
                TableCell(FindingText.subjectName(f, snap), keepsEnd: FindingText.subjectName(f, snap) == f.subject.id),
                TableCell(f.explanation, style: theme[.muted]),
                TableCell(FindingText.fixText(f, keys, readOnly: ro), style: theme[.footerKey]),
            ])
        }.render(into: &buf, area: area, state: &list)
    }

    static func audit(_ s: DashboardState, list: inout ListState, into buf: inout Buffer, area: Rect) {
        let rows = s.rows.audit, theme = s.theme, records = s.snapshot.audit
        let broken: Int64? = { if case .broken(let seq, _)? = s.snapshot.auditState { return seq } else { return nil } }()
        table(s, .audit, widths: [.length(6), .length(20), .length(14), .length(18), .min(20), .fill], priorities: [2, 3, 2, 0, 0, 1],
              identifiers: [4], rowCount: rows.count) { r in
            let a = records[rows[r]]
            let bad = broken.map { a.seq >= $0 } ?? false
            return TableRow([
                TableCell(String(a.seq), style: theme[bad ? .revoked : .muted]), TableCell(UTC.rfc3339(a.at), style: theme[.muted]),
                TableCell(a.operatorName), TableCell(a.action, style: theme[a.action.hasSuffix("revoke") || a.action.hasSuffix("disable") ? .revoked : .text]),
                TableCell(a.target), TableCell(a.reason ?? "", style: theme[.muted]),
            ])
        }.render(into: &buf, area: area, state: &list)
    }
}

/// A credential's remaining lifetime as a bar with the time left.
enum TTLGauge {
    static func render(_ c: Credential, now: Timestamp, theme: Theme, into buf: inout Buffer, area: Rect) {
        switch c.status(at: now) {
        case .revoked:
            buf.set(area.x, area.y, "revoked", style: theme[.revoked], maxWidth: area.width)
        case .expired:
            buf.set(area.x, area.y, "expired", style: theme[.expired], maxWidth: area.width)
        case .active:
            guard let e = c.expiresAt else {
                buf.set(area.x, area.y, "never ⚠", style: theme[.staticCredential], maxWidth: area.width)
                return
            }
            let left = e - now
            let total = max(1, e - c.issuedAt)
            let low = left < 300_000
            Gauge(fraction: Double(left) / Double(total), label: DurationText.compact(left),
                  filledStyle: theme[low ? .gaugeLow : .gaugeFilled], emptyStyle: theme[.gaugeEmpty])
                .render(into: &buf, area: area)
        }
    }
}

/// Finding marks for rows in Tree and Agents.
public struct FindingBadges: Sendable {
    private var worst: [String: Finding.Severity] = [:]
    init(_ findings: [Finding]) {
        for f in findings {
            guard let a = f.agentID else { continue }
            if (worst[a] ?? .low) <= f.severity || worst[a] == nil { worst[a] = max(worst[a] ?? f.severity, f.severity) }
        }
    }
    func mark(_ agentID: String) -> Span? {
        guard let sev = worst[agentID] else { return nil }
        return Span("⚑", style: Style(bold: sev == .high))
    }
    func severity(_ agentID: String) -> Finding.Severity? { worst[agentID] }
}
