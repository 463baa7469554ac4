import TerminalUI
import WardenCore

/// Everything that sets one view apart from the others: its title and `:` names, columns and
/// default sort, which snapshot parts its rows follow, how rows are built, identified, drawn,
/// detailed and exported. `Update`, the screen and `:export` ask the current view's descriptor
/// and never switch over views.
protocol ViewDescriptor: Sendable {
    var kind: ViewKind { get }
    var title: String { get }
    /// Names accepted on the `:` command line.
    var commandNames: [String] { get }
    /// Column titles; sorting picks among them with `<` `>`.
    var columns: [String] { get }
    var defaultSort: SortState { get }
    /// Whether `<` `>` and invert re-sort this view.
    var sortable: Bool { get }
    /// Keys shown in the footer right after help, for this view alone.
    var footerActions: [Action] { get }
    /// Whether its rows are agents, credentials or principals that revoke and narrow act on
    /// (the footer offers them only there).
    var actsOnEntities: Bool { get }
    /// Whether the rows are rebuilt when the findings change.
    var followsFindings: Bool { get }
    /// Whether the newest row comes first and the selection follows it while `follow` is on.
    var followsNewest: Bool { get }

    /// Whether the rows (their set, order or filter text) depend on these parts of a new
    /// snapshot. A change of `.structure` rebuilds every view without asking.
    func depends(_ s: DashboardState, on parts: SnapshotParts) -> Bool
    /// Builds the visible rows from the snapshot, filter and sort: when those change, never per frame.
    func buildRows(_ s: inout DashboardState, filter: Filter, sort: SortState)
    /// The rows from values alone, for views whose lists can outgrow a frame (a million
    /// agents): `RowBuilder` may run this off the UI thread. nil: the view builds in the state.
    /// `within`: shown rows, in order, that hold every row of the answer (a narrowing filter).
    func rows(_ snap: FleetSnapshot, now: Timestamp, filter: Filter, sort: SortState, within: [Int]?) -> [Int]?
    /// How many rows `rows` would visit: what decides whether it runs on the UI thread.
    func buildCost(_ snap: FleetSnapshot, filter: Filter, sort: SortState, within: [Int]?) -> Int
    /// Whether every match of `filter` is among the matches of any filter it contains: true when
    /// it matches text alone, not words that change with the clock (status) or inverted.
    func narrows(_ filter: Filter) -> Bool
    /// Whether the order by this column changes as the clock moves (status, live instances).
    func sortFollowsClock(_ column: Int) -> Bool
    /// The snapshot parts whose change replaces the items rows point at (agents: the
    /// structure): rows built before any other change still show the right items.
    var itemParts: SnapshotParts { get }
    func rowCount(_ s: DashboardState) -> Int
    /// The identity of the item on a row, so the selection follows it when rows move.
    func rowKey(_ s: DashboardState, _ row: Int) -> String?
    /// The row showing the item with this identity, if any.
    func row(_ s: DashboardState, key: String) -> Int?

    /// What the list says when it has no rows and nothing is loading or filtered.
    func emptyText(_ s: DashboardState) -> String
    /// Spans after the list's title and count.
    func titleExtras(_ s: DashboardState) -> [Span]
    /// A count drawn after the tab's label, which marks the tab while it is not shown.
    func alertCount(_ s: DashboardState) -> Int?
    /// Draws the visible rows only.
    func render(_ s: DashboardState, list: inout ListState, into buf: inout Buffer, area: Rect)
    func detail(_ s: DashboardState) -> [Line]

    /// What a dialog or the detail pane can act on for a row.
    func entity(_ s: DashboardState, row: Int) -> EntityRef?
    /// The ID `c` copies for a row.
    func copyID(_ s: DashboardState, row: Int) -> String?
    /// Enter on the list; false leaves it to open the detail pane.
    func open(_ s: inout DashboardState) -> Bool
    /// Actions only this view answers (the tree's collapse, expand and toggle).
    func perform(_ a: Action, _ s: inout DashboardState)
    /// The rows as `:export` writes them: filtered and sorted as shown.
    func export(_ s: DashboardState) -> (columns: [String], rows: [[String]])
}

/// What most views share: rows are indices kept in `Rows`, no extra keys or marks.
extension ViewDescriptor {
    var sortable: Bool { true }
    var footerActions: [Action] { [] }
    var actsOnEntities: Bool { true }
    var followsFindings: Bool { false }
    var followsNewest: Bool { false }

    func rowCount(_ s: DashboardState) -> Int { s.rows[kind].count }

    func buildRows(_ s: inout DashboardState, filter: Filter, sort: SortState) {
        s.rows[kind] = rows(s.snapshot, now: s.now, filter: filter, sort: sort, within: nil) ?? []
    }
    func rows(_ snap: FleetSnapshot, now: Timestamp, filter: Filter, sort: SortState, within: [Int]?) -> [Int]? { nil }
    func buildCost(_ snap: FleetSnapshot, filter: Filter, sort: SortState, within: [Int]?) -> Int { 0 }
    func narrows(_ filter: Filter) -> Bool { false }
    func sortFollowsClock(_ column: Int) -> Bool { true }
    var itemParts: SnapshotParts { .all }

    func row(_ s: DashboardState, key: String) -> Int? {
        (0..<rowCount(s)).first { rowKey(s, $0) == key }
    }

    func titleExtras(_ s: DashboardState) -> [Span] { [] }
    func alertCount(_ s: DashboardState) -> Int? { nil }

    func detail(_ s: DashboardState) -> [Line] {
        guard let e = Selection.entity(s) else { return [Line("nothing selected", style: s.theme[.muted])] }
        return DetailPane.entity(s, e)
    }

    func copyID(_ s: DashboardState, row: Int) -> String? { entity(s, row: row)?.id }
    func open(_ s: inout DashboardState) -> Bool { false }
    func perform(_ a: Action, _ s: inout DashboardState) {}

    /// The selected row, if it is still within the rows.
    func selectedRow(_ s: DashboardState) -> Int? {
        guard let row = s.list(kind).selected, row < rowCount(s) else { return nil }
        return row
    }
}
