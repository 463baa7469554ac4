import TerminalUI
import WardenCore

/// The main list pane: the current view's title, count and rows. Only visible rows are built.
enum Lists {
    static func render(_ s: inout DashboardState, into buf: inout Buffer, layout: ScreenLayout) {
        let t = s.theme
        let d = s.view.descriptor
        let focused = s.focus == .list || !s.detailOpen
        let count = d.rowCount(s)
        var title = " \(d.title) [\(count)] "
        if !s.filter.isEmpty { title += "/\(s.filter) " }
        let building = s.building[s.view]
        let working = building.map { [Span("\($0.what)… ", style: t[.muted])] } ?? []
        let titleLine = Line([Span(title, style: t[.title])] + working + d.titleExtras(s))
        Block(title: titleLine, borderStyle: t[focused ? .borderFocused : .border]).render(into: &buf, area: layout.list)
        let inner = layout.list.inset(by: 1)
        guard !inner.isEmpty else { return }
        var list = s.list(s.view)
        d.render(s, list: &list, into: &buf, area: inner)
        s.lists[s.view] = list
        if count == 0 {
            let msg = building.map { "\($0.what)…" } ?? (!s.filter.isEmpty ? "nothing matches /\(s.filter)"
                : !s.snapshot.pending.isEmpty ? "loading the store…" : d.emptyText(s))
            buf.set(inner.x + 1, inner.y + 1, msg, style: t[.muted], maxWidth: inner.width - 1)
        }
    }

    /// A view's table. `priorities` say which columns a narrow pane keeps (lower first);
    /// `identifiers` are the columns that show their end when cut.
    static func table(_ s: DashboardState, _ v: ViewKind, widths: [Constraint], priorities: [Int], identifiers: Set<Int> = [],
                      rowCount: Int, row: @escaping (Int) -> TableRow) -> Table {
        let sort = s.sort(v)
        let titles = v.descriptor.columns
        let columns = titles.indices.map {
            TableColumn(titles[$0], width: widths[$0], priority: priorities[$0], keepsEnd: identifiers.contains($0))
        }
        return Table(columns: columns, rowCount: rowCount, headerStyle: s.theme[.tableHeader],
                     highlightStyle: s.theme[.selection], sort: (sort.column, sort.ascending), row: row)
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
