import TerminalUI
import WardenCore

extension ViewKind {
    public static let audit = ViewKind("audit")
}

/// The operators' journal, newest first, under the state of its hash chain.
struct AuditView: ViewDescriptor {
    let kind = ViewKind.audit
    let title = "Audit"
    let commandNames = ["audit"]
    let columns = ["SEQ", "TIME", "OPERATOR", "ACTION", "TARGET", "REASON"]
    let defaultSort = SortState(column: 0, ascending: false)

    func depends(_ s: DashboardState, on parts: SnapshotParts) -> Bool { parts.contains(.audit) }

    func buildRows(_ s: inout DashboardState, filter: Filter, sort: SortState) {
        let records = s.snapshot.audit
        var rows = Array(records.indices.reversed())
        if filter.active { rows = rows.filter { filter.matches(Self.search(records[$0])) } }
        if !(sort.column == 0 && !sort.ascending) {
            rows = RowBuilder.sorted(rows, sort) { Self.sortKey(records[$0], column: sort.column) }
        }
        s.rows[kind] = rows
    }

    func rowKey(_ s: DashboardState, _ row: Int) -> String? {
        let rows = s.rows[kind]
        return row < rows.count ? String(s.snapshot.audit[rows[row]].seq) : nil
    }

    /// By sequence: an integer search of the rows.
    func row(_ s: DashboardState, key: String) -> Int? {
        guard let seq = Int64(key) else { return nil }
        return s.rows[kind].firstIndex { s.snapshot.audit[$0].seq == seq }
    }

    func emptyText(_ s: DashboardState) -> String { "the journal is empty" }

    func titleExtras(_ s: DashboardState) -> [Span] { [Self.badge(s)] }

    /// The chain's state (or the store's drift) beside the title.
    static func badge(_ s: DashboardState) -> Span {
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

    func render(_ s: DashboardState, list: inout ListState, into buf: inout Buffer, area: Rect) {
        let rows = s.rows[kind], theme = s.theme, records = s.snapshot.audit
        let broken: Int64? = { if case .broken(let seq, _)? = s.snapshot.auditState { return seq } else { return nil } }()
        Lists.table(s, kind, widths: [.length(6), .length(20), .length(14), .length(18), .min(20), .fill], priorities: [2, 3, 2, 0, 0, 1],
                    identifiers: [4], rowCount: rows.count) { r in
            let a = records[rows[r]]
            let bad = broken.map { a.seq >= $0 } ?? false
            return TableRow([
                TableCell(String(a.seq), style: theme[bad ? .revoked : .muted]), TableCell(UTC.rfc3339(a.at), style: theme[.muted]),
                TableCell(a.actor), TableCell(a.action, style: theme[a.action.hasSuffix("revoke") || a.action.hasSuffix("disable") ? .revoked : .text]),
                TableCell(a.target), TableCell(a.reason ?? "", style: theme[.muted]),
            ])
        }.render(into: &buf, area: area, state: &list)
    }

    /// The record's target, when the store knows it.
    func entity(_ s: DashboardState, row: Int) -> EntityRef? {
        guard let target = copyID(s, row: row) else { return nil }
        let index = s.snapshot.index
        if index.forest.agent(target) != nil { return .agent(target) }
        if index.credentialIndex[target] != nil { return .credential(target) }
        if index.principalIndex[target] != nil { return .principal(target) }
        return nil
    }

    func copyID(_ s: DashboardState, row: Int) -> String? {
        let rows = s.rows[kind]
        return row < rows.count ? s.snapshot.audit[rows[row]].target : nil
    }

    func detail(_ s: DashboardState) -> [Line] {
        guard let row = selectedRow(s) else { return [] }
        return Self.detail(s, s.snapshot.audit[s.rows[kind][row]])
    }

    func export(_ s: DashboardState) -> (columns: [String], rows: [[String]]) {
        (columns + ["BEFORE", "AFTER"], s.rows[kind].map { i in
            let r = s.snapshot.audit[i]
            return [String(r.seq), UTC.rfc3339(r.at), r.actor, r.action, r.target, r.reason ?? "", r.before ?? "", r.after ?? ""]
        })
    }

    // MARK: Row text

    static func search(_ r: AuditRecord) -> String {
        (String(r.seq) + " " + r.actor + " " + r.action + " " + r.target + " " + (r.reason ?? "")).lowercased()
    }

    static func sortKey(_ r: AuditRecord, column: Int) -> SortKey {
        switch column {
        case 0, 1: return .number(r.seq)
        case 2: return .text(r.actor)
        case 3: return .text(r.action)
        case 4: return .text(r.target)
        default: return .text(r.reason ?? "")
        }
    }

    // MARK: Detail

    static func detail(_ s: DashboardState, _ r: AuditRecord) -> [Line] {
        let t = s.theme
        let field = { (name: String, value: String, role: Role) in DetailPane.field(s, name, value, role) }
        var out: [Line] = [
            Line("#\(r.seq) \(r.action)", style: t[.title]),
            field("time", UTC.rfc3339(r.at), .text), field("operator", r.actor, .text), field("target", r.target, .text),
            field("reason", r.reason ?? "—", .text), "", DetailPane.heading(s, "Changes"),
        ]
        let changes = AuditDiff.changes(before: r.before, after: r.after)
        if changes.isEmpty { out.append(Line("  none recorded", style: t[.muted])) }
        for c in changes {
            switch c {
            case .value("", let from, let to):
                // Not JSON: the texts as they are.
                out += [field("before", from ?? "—", .muted), field("after", to ?? "—", .muted)]
            case .value(let path, let from, let to):
                var spans = [Span("  " + path + "  ", style: t[.muted])]
                if let from { spans.append(Span(from, style: t[to == nil ? .scopeRemoved : .text])) }
                if from != nil && to != nil { spans.append(Span(" → ", style: t[.muted])) }
                if let to { spans.append(Span(to, style: t[.scopeKept])) }
                if from == nil { spans.append(Span(" (new)", style: t[.muted])) } else if to == nil { spans.append(Span(" (gone)", style: t[.muted])) }
                out.append(Line(spans))
            case .removed(let path, let items):
                for item in items { out.append(Line([Span("  " + path + "  ", style: t[.muted]), Span("− " + item, style: t[.scopeRemoved])])) }
            case .added(let path, let items):
                for item in items { out.append(Line([Span("  " + path + "  ", style: t[.muted]), Span("+ " + item, style: t[.scopeKept])])) }
            }
        }
        out += ["", field("prev hash", r.prevHash, .muted), field("hash", r.hash, .muted)]
        return out
    }
}
