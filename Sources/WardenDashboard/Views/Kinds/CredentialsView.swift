import TerminalUI
import WardenCore

extension ViewKind {
    public static let credentials = ViewKind("credentials")
}

/// Every credential, soonest to expire first, with its time left as a bar.
struct CredentialsView: ViewDescriptor {
    let kind = ViewKind.credentials
    let title = "Credentials"
    let commandNames = ["tokens", "credentials", "creds"]
    let columns = ["ID", "AGENT", "SCOPES", "ISSUED", "TIME LEFT", "STATUS"]
    let defaultSort = SortState(column: 4, ascending: true)
    /// After a static credential's ID; short, so the ID column always has room for it.
    static let staticMark = " ⚠"

    func depends(_ s: DashboardState, on parts: SnapshotParts) -> Bool { parts.contains(.credentials) }

    func rows(_ snap: FleetSnapshot, now: Timestamp, filter: Filter, sort: SortState, within: [Int]?) -> [Int]? {
        if let within {
            // A narrowing filter: the shown rows it still matches, already in order.
            let hits = Self.statusWords.map { filter.contains($0) }
            let wordHits = hits.contains(true) ? hits : nil
            return within.filter { Self.matches(snap, filter, wordHits, now: now, row: $0) }
        }
        var rows = Array(snap.credentials.indices)
        if filter.active {
            let hits = Self.matches(snap, filter, now: now)
            rows = rows.filter { hits[$0] }
        }
        return RowBuilder.sorted(rows, sort) { Self.sortKey(snap, $0, column: sort.column, now: now) }
    }

    func buildCost(_ snap: FleetSnapshot, filter: Filter, sort: SortState, within: [Int]?) -> Int {
        within?.count ?? snap.credentials.count
    }

    func narrows(_ filter: Filter) -> Bool { !filter.inverted && !Self.statusWords.contains { filter.contains($0) } }
    func sortFollowsClock(_ column: Int) -> Bool { column >= 4 }
    var itemParts: SnapshotParts { [.structure, .credentials] }

    func rowKey(_ s: DashboardState, _ row: Int) -> String? {
        let rows = s.rows[kind]
        return row < rows.count ? s.snapshot.credentials[rows[row]].id : nil
    }

    func row(_ s: DashboardState, key: String) -> Int? {
        guard let i = s.snapshot.index.credentialIndex[key] else { return nil }
        return s.rows[kind].firstIndex(of: i)
    }

    func emptyText(_ s: DashboardState) -> String { "no credentials yet: `warden token issue AGENT`" }

    func render(_ s: DashboardState, list: inout ListState, into buf: inout Buffer, area: Rect) {
        let snap = s.snapshot, rows = s.rows[kind], now = s.now, theme = s.theme, policy = s.policy
        // The ID column is wider than the widest ID and its static mark: IDs are never cut.
        let idWidth = max(18, snap.index.credentialIDWidth + TextWidth.of(Self.staticMark))
        let t = Lists.table(s, kind, widths: [.min(idWidth), .min(16), .fill, .length(10), .length(16), .length(8)],
                            priorities: [0, 1, 3, 4, 1, 2],
                            rowCount: rows.count) { r in TableRow(Self.cells(snap, rows[r], now: now, theme: theme, policy: policy)) }
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

    func entity(_ s: DashboardState, row: Int) -> EntityRef? {
        let rows = s.rows[kind]
        return row < rows.count ? .credential(s.snapshot.credentials[rows[row]].id) : nil
    }

    func export(_ s: DashboardState) -> (columns: [String], rows: [[String]]) {
        let snap = s.snapshot, now = s.now, theme = s.theme
        return (columns, s.rows[kind].map { i in
            var cells = Self.cells(snap, i, now: now, theme: theme, policy: s.policy).map(\.text)
            let c = snap.credentials[i]
            cells[0] = c.id
            cells[4] = c.status(at: now) != .active ? "" : c.expiresAt.map { DurationText.compact($0 - now) } ?? "never"
            return cells
        })
    }

    // MARK: Row text

    static func cells(_ snap: FleetSnapshot, _ i: Int, now: Timestamp, theme: Theme, policy: Policy) -> [TableCell] {
        let c = snap.credentials[i]
        let agentName = snap.index.forest.agent(c.agentID)?.name ?? c.agentID
        let status = c.status(at: now)
        let isStatic = c.isStatic(policy: policy)
        return [
            TableCell(c.id + (isStatic ? staticMark : ""), style: theme[isStatic && status == .active ? .staticCredential : .text]),
            TableCell(agentName),
            TableCell(c.scopes.description, style: theme[.muted]),
            TableCell(Ago.text(now - c.issuedAt), style: theme[.muted]),
            TableCell(""),  // the time-left gauge is drawn over this cell
            TableCell(status.rawValue, style: theme[status == .active ? .active : status == .revoked ? .revoked : .expired]),
        ]
    }

    /// The credentials a filter keeps, by index: their cached text or their agent's in one pass
    /// each, or their status word (which changes with time).
    static func matches(_ snap: FleetSnapshot, _ filter: Filter, now: Timestamp) -> [Bool] {
        var hits = [Bool](repeating: false, count: snap.credentials.count)
        snap.index.credentialText.mark(filter.needleBytes, into: &hits)
        // Or its agent's text (name, ID, principal, grant): one pass over the agents.
        var agentHits = [Bool](repeating: false, count: snap.agents.count)
        snap.index.agentText.mark(filter.needleBytes, into: &agentHits)
        for (i, a) in snap.index.credentialAgent.enumerated() where a >= 0 && !hits[i] && Int(a) < agentHits.count && agentHits[Int(a)] {
            hits[i] = true
        }
        let wordHits = statusWords.map { filter.contains($0) }
        if wordHits.contains(true) {
            for i in snap.credentials.indices where !hits[i] && wordHits[statusRank(snap, i, now: now)] { hits[i] = true }
        }
        if filter.inverted { for i in hits.indices { hits[i].toggle() } }
        return hits
    }

    /// One credential against a filter, as `matches` decides for all (`wordHits`: which status
    /// words the filter is in, nil for none, so the status is not read).
    static func matches(_ snap: FleetSnapshot, _ filter: Filter, _ wordHits: [Bool]?, now: Timestamp, row i: Int) -> Bool {
        let idx = snap.index, needle = filter.needleBytes
        let a = i < idx.credentialAgent.count ? Int(idx.credentialAgent[i]) : -1
        let hit = idx.credentialText.contains(needle, row: i)
            || (a >= 0 && a < snap.agents.count && idx.agentText.contains(needle, row: a))
            || wordHits.map { $0[statusRank(snap, i, now: now)] } == true
        return hit != filter.inverted
    }

    static let statusWords = ["active", "expired", "revoked"]

    static func sortKey(_ snap: FleetSnapshot, _ i: Int, column: Int, now: Timestamp) -> SortKey {
        // Field by field, not a copy of the credential: 200,000 keys on a keystroke.
        switch column {
        case 0: return .text(snap.credentials[i].id)
        case 1:
            // By the agent's place in name order (a number); unknown agents last.
            guard let a = snap.index.forest.index[snap.credentials[i].agentID], a < snap.index.agentNameRank.count else { return .number(.max) }
            return .number(Int64(snap.index.agentNameRank[a]))
        case 2: return .text(snap.credentials[i].scopes.description)
        case 3: return .number(snap.credentials[i].issuedAt)
        case 4:
            // Active ones by time left, then the rest.
            if statusRank(snap, i, now: now) != 0 { return .number(.max) }
            return .number((snap.credentials[i].expiresAt ?? (.max - 1)) - now)
        default: return .number(Int64(statusRank(snap, i, now: now)))
        }
    }

    /// Status words in alphabetical order as numbers, for credential i, read field by field in
    /// place: 2M credentials are ranked when the view is sorted, and copying each would cost
    /// more than the sort.
    static func statusRank(_ snap: FleetSnapshot, _ i: Int, now: Timestamp) -> Int {
        if snap.credentials[i].revokedAt != nil { return 2 }
        return snap.credentials[i].expiresAt.map { now >= $0 } ?? false ? 1 : 0
    }
}
