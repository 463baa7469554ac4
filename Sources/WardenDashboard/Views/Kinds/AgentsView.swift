import TerminalUI
import WardenCore

extension ViewKind {
    public static let agents = ViewKind("agents")
}

/// Every agent as a table row. Everything here is untrusted text (names come from agents);
/// cells pass through the one sanitizer when they are written to a Buffer.
struct AgentsView: ViewDescriptor {
    let kind = ViewKind.agents
    let title = "Agents"
    let commandNames = ["agents", "agent"]
    let columns = ["STATUS", "NAME", "PRINCIPAL", "DEPTH", "LIVE", "EXPIRES", "CALLS/M", "DENIED/M", "LAST CALL"]
    let defaultSort = SortState(column: 1, ascending: true)

    func depends(_ s: DashboardState, on parts: SnapshotParts) -> Bool {
        let sort = s.sort(kind).column
        return (parts.contains(.instances) && sort == 4) || (parts.contains(.activity) && sort >= 6)
    }

    func rows(_ snap: FleetSnapshot, now: Timestamp, filter: Filter, sort: SortState, within: [Int]?) -> [Int]? {
        // Some principals' agents only (a large store's first frame): none rather than a part
        // shown as if it were all; the list says the store is loading.
        if snap.pending.contains(.structure) { return [] }
        if let within {
            // A narrowing filter: the shown rows it still matches, already in order.
            let wordHits = Self.wordHits(filter)
            return within.filter { Self.matches(snap, filter, wordHits, now: now, row: $0) }
        }
        if sort.column == 1 {
            // By name: the order comes precomputed with the snapshot.
            var rows = sort.ascending ? snap.index.nameOrder : snap.index.nameOrder.reversed()
            if filter.active {
                let hits = Self.matches(snap, filter, now: now)
                rows = rows.filter { hits[$0] }
            }
            return rows
        }
        var rows = Array(snap.agents.indices)
        if filter.active {
            let hits = Self.matches(snap, filter, now: now)
            rows = rows.filter { hits[$0] }
        }
        return RowBuilder.sorted(rows, sort) { Self.sortKey(snap, $0, column: sort.column, now: now) }
    }

    func buildCost(_ snap: FleetSnapshot, filter: Filter, sort: SortState, within: [Int]?) -> Int {
        // Unfiltered by name is a copy of the precomputed order.
        within?.count ?? (filter.active || sort.column != 1 ? snap.agents.count : 0)
    }

    func narrows(_ filter: Filter) -> Bool { !filter.inverted && !Self.statusWords.contains { filter.contains($0) } }
    func sortFollowsClock(_ column: Int) -> Bool { column == 0 || column == 4 }
    var itemParts: SnapshotParts { .structure }

    func rowKey(_ s: DashboardState, _ row: Int) -> String? {
        let rows = s.rows[kind]
        return row < rows.count ? s.snapshot.agents[rows[row]].id : nil
    }

    func row(_ s: DashboardState, key: String) -> Int? {
        guard let i = s.snapshot.index.forest.index[key] else { return nil }
        return s.rows[kind].firstIndex(of: i)
    }

    func emptyText(_ s: DashboardState) -> String { "no agents yet: `warden agent register` or `warden import`" }

    func render(_ s: DashboardState, list: inout ListState, into buf: inout Buffer, area: Rect) {
        let snap = s.snapshot, rows = s.rows[kind], now = s.now, theme = s.theme
        let badges = s.badges
        Lists.table(s, kind, widths: [.length(13), .min(18), .min(12), .length(5), .length(4), .length(8), .length(7), .length(8), .length(9)],
                    priorities: [1, 0, 4, 6, 3, 2, 5, 3, 5], rowCount: rows.count) { r in
            var cells = Self.cells(snap, rows[r], now: now, theme: theme)
            if let mark = badges.mark(snap.agents[rows[r]].id) {
                cells[1] = TableCell(cells[1].text + " " + mark.text, style: cells[1].style)
            }
            return TableRow(cells)
        }.render(into: &buf, area: area, state: &list)
    }

    func entity(_ s: DashboardState, row: Int) -> EntityRef? {
        let rows = s.rows[kind]
        return row < rows.count ? .agent(s.snapshot.agents[rows[row]].id) : nil
    }

    func export(_ s: DashboardState) -> (columns: [String], rows: [[String]]) {
        let snap = s.snapshot, now = s.now, theme = s.theme
        return (["ID"] + columns, s.rows[kind].map { i in
            [snap.agents[i].id] + Self.cells(snap, i, now: now, theme: theme).map(\.text)
        })
    }

    // MARK: Row text

    static func statusWord(_ a: Agent, now: Timestamp) -> String {
        a.registered ? a.status(at: now).rawValue : "unregistered"
    }

    static func cells(_ snap: FleetSnapshot, _ i: Int, now: Timestamp, theme: Theme) -> [TableCell] {
        let a = snap.agents[i]
        let idx = snap.index
        let status = statusWord(a, now: now)
        let live = idx.liveInstances(i, now: now)
        let calls = idx.callsPerMinute(i)
        let denied = idx.deniedLastMinute[i]
        return [
            TableCell(Glyph.status(a, now: now) + " " + status, style: theme[StatusStyle.role(a, now: now)]),
            TableCell(a.name),
            TableCell(a.principalID, style: theme[.muted]),
            TableCell(String(a.depth)),
            TableCell(live > 0 ? String(live) : "·", style: theme[live > 0 ? .live : .muted]),
            TableCell(a.expiresAt.map { DurationText.compact($0 - now) } ?? "never", style: theme[expiryRole(a.expiresAt, now)]),
            TableCell(String(calls)),
            TableCell(String(denied), style: theme[denied > 0 ? .deny : .muted]),
            TableCell(idx.lastCall[i].map { Ago.text(now - $0) } ?? "—", style: theme[.muted]),
        ]
    }

    /// The agents a filter keeps, by agent index: a match in their cached text (one pass over
    /// all agents), or in their status word (which changes with time, so it is checked now).
    static func matches(_ snap: FleetSnapshot, _ filter: Filter, now: Timestamp) -> [Bool] {
        var hits = [Bool](repeating: false, count: snap.agents.count)
        snap.index.agentText.mark(filter.needleBytes, into: &hits)
        // Status words by rank (the order of `statusWords`), read without copying agents.
        let wordHits = statusWords.map { filter.contains($0) }
        if wordHits.contains(true) {
            for i in snap.agents.indices where !hits[i] && wordHits[Int(statusRank(snap, i, now: now))] { hits[i] = true }
        }
        if filter.inverted { for i in hits.indices { hits[i].toggle() } }
        return hits
    }

    /// One agent against a filter, as `matches` decides for all (`wordHits`: which status words
    /// the filter is in, nil for none, so the status is not read).
    static func matches(_ snap: FleetSnapshot, _ filter: Filter, _ wordHits: [Bool]?, now: Timestamp, row i: Int) -> Bool {
        let hit = snap.index.agentText.contains(filter.needleBytes, row: i) || wordHits.map { $0[Int(statusRank(snap, i, now: now))] } == true
        return hit != filter.inverted
    }

    static func wordHits(_ filter: Filter) -> [Bool]? {
        let hits = statusWords.map { filter.contains($0) }
        return hits.contains(true) ? hits : nil
    }

    static let statusWords = ["active", "expired", "revoked", "unregistered"]

    static func sortKey(_ snap: FleetSnapshot, _ i: Int, column: Int, now: Timestamp) -> SortKey {
        // Numbers wherever possible (a sort of 100,000 rows happens on a keystroke), read field
        // by field rather than by copying the agent.
        switch column {
        case 0: return .number(statusRank(snap, i, now: now))
        case 1: return .text(snap.agents[i].name.lowercased())
        case 2: return .number(Int64(snap.index.principalOfAgent[i] < 0 ? Int.max : snap.index.principalOfAgent[i]))
        case 3: return .number(Int64(snap.agents[i].depth))
        case 4: return .number(Int64(snap.index.liveInstances(i, now: now)))
        case 5: return .number(snap.agents[i].expiresAt ?? .max)
        case 6: return .number(Int64(snap.index.callsPerMinute(i)))
        case 7: return .number(Int64(snap.index.deniedLastMinute[i]))
        default: return .number(snap.index.lastCall[i] ?? .min)
        }
    }

    /// Status words in alphabetical order (active, expired, revoked, unregistered) as numbers,
    /// for agent i, read field by field in place: a million agents are ranked on a
    /// keystroke, and copying each agent (its strings and scopes) would cost more than the rest.
    static func statusRank(_ snap: FleetSnapshot, _ i: Int, now: Timestamp) -> Int64 {
        guard snap.agents[i].registered else { return 3 }
        if snap.agents[i].revokedAt != nil { return 2 }
        return snap.agents[i].expiresAt.map { now >= $0 } ?? false ? 1 : 0
    }

    static func expiryRole(_ e: Timestamp?, _ now: Timestamp) -> Role {
        guard let e else { return .muted }
        if e <= now { return .expired }
        return e - now < 300_000 ? .gaugeLow : .text
    }
}
