import TerminalUI
import WardenCore

extension ViewKind {
    public static let tools = ViewKind("tools")
}

/// Every tool each MCP server lists, pinned by the hash of its definition: its status, who
/// decided on it and when, its calls in the last hour and how many agents may call it. Enter
/// shows the definition (a changed tool beside the definition it was approved as); `a`
/// approves and `R` rejects the definition shown.
struct ToolsView: ViewDescriptor {
    let kind = ViewKind.tools
    let title = "Tools"
    let commandNames = ["tools", "pins"]
    let columns = ["SERVER", "TOOL", "STATUS", "DECIDED", "CALLS/1h", "DENIED/1h", "AGENTS"]
    let defaultSort = SortState(column: 0, ascending: true)
    var footerActions: [Action] { [.approve, .reject] }
    var actsOnEntities: Bool { false }

    func depends(_ s: DashboardState, on parts: SnapshotParts) -> Bool { parts.contains(.tools) }

    func buildRows(_ s: inout DashboardState, filter: Filter, sort: SortState) {
        let tools = s.snapshot.tools, now = s.now
        var rows = Array(tools.pins.indices)
        if filter.active { rows = rows.filter { filter.matches(Self.search(tools, $0, now: now)) } }
        // By server then tool as read; other columns keep that order among equals.
        if !(sort.column == 0 && sort.ascending) {
            rows = RowBuilder.sorted(rows, sort) { Self.sortKey(tools, $0, column: sort.column) }
        }
        s.rows[kind] = rows
    }

    func rowKey(_ s: DashboardState, _ row: Int) -> String? {
        let rows = s.rows[kind]
        return row < rows.count ? s.snapshot.tools.pins[rows[row]].name : nil
    }

    func row(_ s: DashboardState, key: String) -> Int? {
        guard let i = s.snapshot.tools.pinIndex[key] else { return nil }
        return s.rows[kind].firstIndex(of: i)
    }

    func emptyText(_ s: DashboardState) -> String {
        "no tools pinned yet: `warden mcp-proxy --server-name NAME` pins a server's tools when it lists them"
    }

    func titleExtras(_ s: DashboardState) -> [Span] {
        let pins = s.snapshot.tools.pins
        var spans: [Span] = []
        for status in [ToolStatus.changed, .pending, .rejected] {
            let n = pins.lazy.filter { $0.status == status }.count
            if n > 0 { spans.append(Span("\(n) \(status.rawValue) ", style: s.theme[Self.role(status)])) }
        }
        return spans
    }

    func alertCount(_ s: DashboardState) -> Int? {
        let n = s.snapshot.tools.awaitingReview
        return n == 0 ? nil : n
    }

    func render(_ s: DashboardState, list: inout ListState, into buf: inout Buffer, area: Rect) {
        let rows = s.rows[kind], tools = s.snapshot.tools, now = s.now, theme = s.theme
        Lists.table(s, kind, widths: [.min(10), .min(16), .length(9), .fill, .length(9), .length(10), .length(7)],
                    priorities: [0, 0, 0, 2, 1, 1, 3], rowCount: rows.count) { r in
            TableRow(Self.cells(tools, rows[r], now: now, theme: theme))
        }.render(into: &buf, area: area, state: &list)
    }

    /// Tools are not agents: revoke and narrow have nothing to act on here.
    func entity(_ s: DashboardState, row: Int) -> EntityRef? { nil }

    func copyID(_ s: DashboardState, row: Int) -> String? {
        let rows = s.rows[kind]
        return row < rows.count ? s.snapshot.tools.pins[rows[row]].name : nil
    }

    func detail(_ s: DashboardState) -> [Line] {
        guard let pin = Self.selectedPin(s) else { return [Line("nothing selected", style: s.theme[.muted])] }
        let width = ScreenLayout(s).detail.map { $0.width - 4 } ?? 60
        return ToolDetail.lines(s, pin, width: max(20, width))
    }

    func export(_ s: DashboardState) -> (columns: [String], rows: [[String]]) {
        let tools = s.snapshot.tools, now = s.now, theme = s.theme
        return (columns + ["HASH"], s.rows[kind].map { i in
            Self.cells(tools, i, now: now, theme: theme).map(\.text) + [tools.pins[i].hash]
        })
    }

    /// The pin on the selected row.
    static func selectedPin(_ s: DashboardState) -> ToolPin? {
        let rows = s.rows[.tools]
        guard let row = s.list(.tools).selected, row < rows.count else { return nil }
        return s.snapshot.tools.pins[rows[row]]
    }

    /// Enter on a tool finding: the Tools view, unfiltered, with the tool selected.
    static func jump(_ s: inout DashboardState, to name: String) {
        Update.switchView(&s, .tools)
        s.filters[.tools] = nil
        RowBuilder.rebuild(&s, .tools)
        guard let i = s.snapshot.tools.pinIndex[name], let row = s.rows[.tools].firstIndex(of: i) else {
            Update.flash(&s, "\(name) is not pinned in the store", error: true)
            return
        }
        Update.select(&s, .tools, row: row)
        s.detailOpen = true
    }

    // MARK: Row text

    static func cells(_ tools: ToolsSnapshot, _ i: Int, now: Timestamp, theme: Theme) -> [TableCell] {
        let p = tools.pins[i]
        let status = p.status
        let activity = tools.activity[p.name]
        let covered = i < tools.coverage.count ? tools.coverage[i].count : 0
        return [
            TableCell(p.server),
            TableCell(p.tool),
            TableCell(status.rawValue, style: theme[role(status)]),
            TableCell(decidedText(p, now: now), style: theme[.muted]),
            TableCell(activity.map { String($0.calls) } ?? "0"),
            TableCell(activity.map { String($0.denied) } ?? "0", style: theme[(activity?.denied ?? 0) > 0 ? .deny : .muted]),
            TableCell(String(covered), style: theme[covered == 0 ? .muted : .text]),
        ]
    }

    static func role(_ status: ToolStatus) -> Role {
        switch status {
        case .approved: return .allow
        case .pending: return .severityMedium
        case .changed: return .severityHigh
        case .rejected: return .deny
        case .gone: return .muted
        }
    }

    /// Who decided on the definition listed now, and when; for a changed tool, who approved
    /// the definition it had.
    static func decidedText(_ p: ToolPin, now: Timestamp) -> String {
        switch p.status {
        case .gone:
            return p.goneAt.map { "gone " + Ago.text(now - $0) } ?? "gone"
        case .pending:
            return "new " + Ago.text(now - p.changedAt)
        case .changed:
            let was = p.decisions.last { $0.verdict == .approved }
            return "changed " + Ago.text(now - p.changedAt) + (was.map { "; was approved by " + $0.by } ?? "")
        case .approved, .rejected:
            guard let d = p.currentDecision else { return "" }
            return d.by + " " + Ago.text(now - d.at)
        }
    }

    static func search(_ tools: ToolsSnapshot, _ i: Int, now: Timestamp) -> String {
        let p = tools.pins[i]
        return (p.name + " " + p.status.rawValue + " " + p.hash + " " + decidedText(p, now: now)).lowercased()
    }

    /// Status from the most urgent (changed) to the least (gone).
    static func statusRank(_ s: ToolStatus) -> Int64 {
        switch s {
        case .changed: return 0
        case .pending: return 1
        case .rejected: return 2
        case .approved: return 3
        case .gone: return 4
        }
    }

    static func sortKey(_ tools: ToolsSnapshot, _ i: Int, column: Int) -> SortKey {
        let p = tools.pins[i]
        switch column {
        case 0: return .text(p.server)
        case 1: return .text(p.tool)
        case 2: return .number(statusRank(p.status))
        case 3: return .number(p.currentDecision?.at ?? p.changedAt)
        case 4: return .number(tools.activity[p.name]?.calls ?? 0)
        case 5: return .number(tools.activity[p.name]?.denied ?? 0)
        default: return .number(Int64(i < tools.coverage.count ? tools.coverage[i].count : 0))
        }
    }
}
