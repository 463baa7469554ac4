import TerminalUI
import WardenCore

extension ViewKind {
    public static let tree = ViewKind("tree")
}

/// The delegation tree: principals, then their agents and sub-agents beneath. Its rows are a
/// tree's shape (`Rows.tree`), drawn by `TreePane`, walked by `TreeWalker`.
struct FleetTreeView: ViewDescriptor {
    let kind = ViewKind.tree
    let title = "Tree"
    let commandNames = ["tree"]
    let columns = ["NAME"]
    let defaultSort = SortState(column: 0, ascending: true)
    var sortable: Bool { false }
    var footerActions: [Action] { [.toggle] }

    func depends(_ s: DashboardState, on parts: SnapshotParts) -> Bool { false }

    func buildRows(_ s: inout DashboardState, filter: Filter, sort: SortState) {
        s.rows.tree = Self.rows(s, filter)
    }

    func rowCount(_ s: DashboardState) -> Int { s.rows.tree.count }

    func rowKey(_ s: DashboardState, _ row: Int) -> String? {
        guard row < s.rows.tree.count else { return nil }
        switch s.rows.tree[row].id {
        case .principal(let i): return s.snapshot.principals[i].id
        case .agent(let i): return s.snapshot.agents[i].id
        }
    }

    /// Agents by their index; principals by a search of the rows.
    func row(_ s: DashboardState, key: String) -> Int? {
        if let i = s.snapshot.index.forest.index[key] { return s.rows.tree.firstIndex { $0.id == .agent(i) } }
        return (0..<s.rows.tree.count).first { rowKey(s, $0) == key }
    }

    func emptyText(_ s: DashboardState) -> String { "no agents yet: `warden agent register` or `warden import`" }

    func render(_ s: DashboardState, list: inout ListState, into buf: inout Buffer, area: Rect) {
        TreePane.render(s, list: &list, into: &buf, area: area)
    }

    func entity(_ s: DashboardState, row: Int) -> EntityRef? {
        guard row < s.rows.tree.count else { return nil }
        switch s.rows.tree[row].id {
        case .principal(let i): return .principal(s.snapshot.principals[i].id)
        case .agent(let i): return .agent(s.snapshot.agents[i].id)
        }
    }

    /// ← collapses (or goes to the parent), → expands (or goes to the first child), space toggles.
    func perform(_ a: Action, _ s: inout DashboardState) {
        guard a == .collapse || a == .expand || a == .toggle,
              let row = s.list(kind).selected, row < s.rows.tree.count else { return }
        let r = s.rows.tree[row]
        guard let id = rowKey(s, row) else { return }
        let depth: Int
        switch r.id {
        case .principal: depth = 0
        case .agent(let i): depth = s.snapshot.agents[i].depth
        }
        switch a {
        case .collapse:
            if r.isExpanded {
                s.setOpen(id, depth: depth, false)
            } else if let parent = r.parentRow {
                Update.select(&s, kind, row: parent)
                return
            }
        case .expand:
            if r.hasChildren && !r.isExpanded {
                s.setOpen(id, depth: depth, true)
            } else if r.isExpanded {
                Update.select(&s, kind, row: row + 1)
                return
            }
        default:
            guard r.hasChildren else { return }
            s.setOpen(id, depth: depth, !r.isExpanded)
        }
        Self.toggle(&s, row: row)
    }

    func export(_ s: DashboardState) -> (columns: [String], rows: [[String]]) {
        let snap = s.snapshot, now = s.now
        let rows = s.rows.tree.map { row -> [String] in
            switch row.id {
            case .principal(let i):
                let p = snap.principals[i]
                return ["0", "principal", p.id, p.name, p.status.rawValue, "", ""]
            case .agent(let i):
                let a = snap.agents[i]
                let left = snap.index.nearestExpiry(i, snap.credentials, now: now).flatMap { $0.expiresAt.map { DurationText.compact($0 - now) } } ?? ""
                return [String(a.depth), "agent", a.id, a.name, AgentsView.statusWord(a, now: now),
                        String(snap.index.liveInstances(i, now: now)), left]
            }
        }
        return (["DEPTH", "KIND", "ID", "NAME", "STATUS", "LIVE", "CREDENTIAL LEFT"], rows)
    }

    // MARK: Rows

    /// The tree: principals, then agents beneath. A filter keeps matches and their ancestors,
    /// shown expanded.
    static func rows(_ s: DashboardState, _ filter: Filter) -> [TreeRow<TreeNode>] {
        let snap = s.snapshot
        let walker = TreeWalker(s, filter)
        var roots: [TreeNode] = []
        for (pi, p) in snap.principals.enumerated() {
            if walker.keep != nil && walker.kids(.principal(pi)).isEmpty
                && !filter.matches(p.id.lowercased() + " " + p.name.lowercased()) { continue }
            roots.append(.principal(pi))
        }
        // Agents whose principal is missing still show, as roots.
        for (pid, idx) in snap.index.forest.roots where snap.index.principalIndex[pid] == nil {
            roots.append(contentsOf: idx.filter { walker.keep?[$0] ?? true }.map { .agent($0) })
        }
        return walker.rows(roots, depth: 0, parentRow: nil, base: 0)
    }

    /// Opens or closes one tree row after `setOpen` changed it: the rows beneath it are removed
    /// or walked and inserted, instead of flattening the whole tree again, and the rows after
    /// it keep their parent links by a shift.
    static func toggle(_ s: inout DashboardState, row r: Int) {
        let filter = Filter(s.filters[.tree] ?? "")
        guard !filter.active, r < s.rows.tree.count else { return RowBuilder.rebuild(&s, .tree) }
        let walker = TreeWalker(s, filter)
        var rows = s.rows.tree
        s.rows.tree = []  // one owner: the splice happens in place
        let row = rows[r]
        let open = row.hasChildren && walker.isOpen(row.id)
        if row.isExpanded && !open {
            var end = r + 1
            while end < rows.count && rows[end].depth > row.depth { end += 1 }
            let removed = end - r - 1
            rows.removeSubrange(r + 1 ..< end)
            for k in (r + 1) ..< rows.count { if let p = rows[k].parentRow, p > r { rows[k].parentRow = p - removed } }
            rows[r].isExpanded = false
        } else if !row.isExpanded && open {
            let sub = walker.rows(walker.kids(row.id).map { .agent($0) }, depth: row.depth + 1, parentRow: r, base: r + 1)
            let after = r + 1
            rows.insert(contentsOf: sub, at: after)
            for k in (after + sub.count) ..< rows.count { if let p = rows[k].parentRow, p > r { rows[k].parentRow = p + sub.count } }
            rows[r].isExpanded = true
        }
        s.rows.tree = rows
        RowBuilder.restoreSelection(&s, .tree)
    }
}
