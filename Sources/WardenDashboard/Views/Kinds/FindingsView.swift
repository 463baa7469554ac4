import TerminalUI
import WardenCore

extension ViewKind {
    public static let findings = ViewKind("findings")
}

/// What needs attention, most severe first; Enter goes to the finding's subject.
struct FindingsView: ViewDescriptor {
    let kind = ViewKind.findings
    let title = "Findings"
    let commandNames = ["findings"]
    let columns = ["SEVERITY", "KIND", "SUBJECT", "EXPLANATION", "FIX"]
    let defaultSort = SortState(column: 0, ascending: false)
    var followsFindings: Bool { true }

    func depends(_ s: DashboardState, on parts: SnapshotParts) -> Bool { false }

    func buildRows(_ s: inout DashboardState, filter: Filter, sort: SortState) {
        let snap = s.snapshot, found = s.findings
        var rows = Array(found.indices)
        if filter.active { rows = rows.filter { filter.matches(Self.search(found[$0], snap)) } }
        if !(sort.column == 0 && !sort.ascending) {
            rows = RowBuilder.sorted(rows, sort) { Self.sortKey(found[$0], column: sort.column) }
        }
        s.rows[kind] = rows
    }

    func rowKey(_ s: DashboardState, _ row: Int) -> String? {
        let rows = s.rows[kind]
        guard row < rows.count else { return nil }
        return Self.key(s.findings[rows[row]])
    }

    func row(_ s: DashboardState, key: String) -> Int? {
        s.rows[kind].firstIndex { Self.key(s.findings[$0]) == key }
    }

    static func key(_ f: Finding) -> String { f.kind.rawValue + " " + f.subject.id }

    func emptyText(_ s: DashboardState) -> String {
        s.findingsLoaded ? "no findings: nothing needs attention" : "checking the fleet…"
    }

    func alertCount(_ s: DashboardState) -> Int? { s.findings.isEmpty ? nil : s.findings.count }

    func render(_ s: DashboardState, list: inout ListState, into buf: inout Buffer, area: Rect) {
        let rows = s.rows[kind], theme = s.theme, found = s.findings, snap = s.snapshot, keys = s.keyMap, ro = s.readOnly
        Lists.table(s, kind, widths: [.length(9), .length(18), .min(20), .fill, .length(13)], priorities: [0, 1, 0, 2, 1],
                    rowCount: rows.count) { r in
            let f = found[rows[r]]
            return TableRow([
                TableCell(f.severity.name, style: theme[Self.role(f)]), TableCell(f.kind.rawValue),
                TableCell(Self.subjectName(f, snap), keepsEnd: Self.subjectName(f, snap) == f.subject.id),
                TableCell(f.explanation, style: theme[.muted]),
                TableCell(Self.fixText(f, keys, readOnly: ro), style: theme[.footerKey]),
            ])
        }.render(into: &buf, area: area, state: &list)
    }

    func finding(_ s: DashboardState, row: Int) -> Finding? {
        let rows = s.rows[kind]
        return row < rows.count ? s.findings[rows[row]] : nil
    }

    func selected(_ s: DashboardState) -> Finding? { selectedRow(s).flatMap { finding(s, row: $0) } }

    /// The finding's subject, when it is something the store knows.
    func entity(_ s: DashboardState, row: Int) -> EntityRef? {
        guard let f = finding(s, row: row) else { return nil }
        switch f.subject {
        case .agent(let id): return s.snapshot.index.forest.agent(id) != nil ? .agent(id) : nil
        case .credential(let id): return .credential(id)
        case .instance: return f.agentID.map { .agent($0) }
        case .store, .tool: return nil
        }
    }

    func copyID(_ s: DashboardState, row: Int) -> String? { finding(s, row: row)?.subject.id }

    func open(_ s: inout DashboardState) -> Bool {
        guard let f = selected(s) else { return false }
        Self.jump(&s, to: f)
        return true
    }

    /// Enter on a finding: go to its subject.
    static func jump(_ s: inout DashboardState, to f: Finding) {
        switch f.subject {
        case .credential(let id):
            Update.switchView(&s, .credentials)
            s.filters[.credentials] = nil
            RowBuilder.rebuild(&s, .credentials)
            if let row = s.rows[.credentials].firstIndex(where: { s.snapshot.credentials[$0].id == id }) { Update.select(&s, .credentials, row: row) }
        case .agent, .instance:
            guard let agentID = f.agentID ?? (f.subject.id.hasPrefix("spiffe://") ? f.subject.id : nil) else {
                Update.flash(&s, "\(f.subject.id) is not in the store", error: true)
                return
            }
            Update.jumpToAgent(&s, agentID)
        case .store:
            // The journal is where a drift is explained (its banner says since which record).
            Update.switchView(&s, .audit)
            return
        case .tool(let name):
            // The Tools view, where the definition is read and approved or rejected.
            ToolsView.jump(&s, to: name)
            return
        }
        s.detailOpen = true
    }

    func detail(_ s: DashboardState) -> [Line] {
        guard let f = selected(s) else { return [] }
        let role = Self.role(f)
        var out: [Line] = [
            Line([Span(f.severity.name.uppercased() + " ", style: s.theme[role]), Span(f.kind.rawValue, style: s.theme[.title])]),
            Line(f.explanation),
            DetailPane.field(s, "fix", Self.fixText(f, s.keyMap, readOnly: s.readOnly), .footerKey),
        ]
        if let e = Selection.entity(s) { out += [""] + DetailPane.entity(s, e) }
        return out
    }

    func export(_ s: DashboardState) -> (columns: [String], rows: [[String]]) {
        (columns, s.rows[kind].map { i in
            let f = s.findings[i]
            return [f.severity.name, f.kind.rawValue, f.subject.id, f.explanation, f.fix.rawValue]
        })
    }

    // MARK: Row text

    static func role(_ f: Finding) -> Role {
        f.severity == .high ? .severityHigh : f.severity == .medium ? .severityMedium : .severityLow
    }

    static func subjectName(_ f: Finding, _ snap: FleetSnapshot) -> String {
        switch f.subject {
        case .agent(let id): return snap.index.forest.agent(id)?.name ?? id
        case .credential(let id), .instance(let id), .store(let id), .tool(let id): return id
        }
    }

    static func fixText(_ f: Finding, _ keys: KeyMap, readOnly: Bool) -> String {
        switch f.fix {
        case .revoke: return readOnly ? "revoke" : "\(keys.keyName(.revoke)) revoke"
        case .narrow: return readOnly ? "narrow" : "\(keys.keyName(.narrow)) narrow"
        case .investigate: return "\(keys.keyName(.open)) inspect"
        }
    }

    static func search(_ f: Finding, _ snap: FleetSnapshot) -> String {
        (f.severity.name + " " + f.kind.rawValue + " " + subjectName(f, snap) + " " + f.explanation).lowercased()
    }

    static func sortKey(_ f: Finding, column: Int) -> SortKey {
        switch column {
        case 0: return .number(Int64(f.severity.rawValue))
        case 1: return .text(f.kind.rawValue)
        case 2: return .text(f.subject.id)
        case 3: return .text(f.explanation)
        default: return .text(f.fix.rawValue)
        }
    }
}
