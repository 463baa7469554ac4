import TerminalUI
import WardenCore

/// Builds each view's visible rows from the snapshot, filter and sort. Runs when those change,
/// not per frame.
enum RowBuilder {
    /// Rebuilds the view on screen now; the others when they are next shown (a live store
    /// changes calls many times a second, and the Calls rows need not follow while unseen).
    static func rebuildOrDefer(_ s: inout DashboardState, _ v: ViewKind) {
        if v == s.view { rebuild(&s, v) } else { s.staleViews.insert(v) }
    }

    static func rebuild(_ s: inout DashboardState, _ v: ViewKind) {
        s.staleViews.remove(v)
        let snap = s.snapshot
        let filter = Filter(s.filters[v] ?? "")
        let sort = s.sort(v)
        switch v {
        case .tree:
            s.rows.tree = tree(s, filter)
        case .agents:
            if sort.column == 1 {
                // By name: the order comes precomputed with the snapshot.
                var rows = sort.ascending ? snap.index.nameOrder : snap.index.nameOrder.reversed()
                if filter.active {
                    let hits = AgentText.matches(snap, filter, now: s.now)
                    rows = rows.filter { hits[$0] }
                }
                s.rows.agents = rows
            } else {
                var rows = Array(snap.agents.indices)
                if filter.active {
                    let hits = AgentText.matches(snap, filter, now: s.now)
                    rows = rows.filter { hits[$0] }
                }
                s.rows.agents = sorted(rows, sort) { AgentText.sortKey(snap, $0, column: sort.column, now: s.now) }
            }
        case .credentials:
            var rows = Array(snap.credentials.indices)
            if filter.active {
                let hits = CredentialText.matches(snap, filter, now: s.now)
                rows = rows.filter { hits[$0] }
            }
            s.rows.credentials = sorted(rows, sort) { CredentialText.sortKey(snap, $0, column: sort.column, now: s.now) }
        case .calls:
            var rows = Array(snap.calls.indices.reversed())
            if filter.active { rows = rows.filter { filter.matches(CallText.search(snap, $0)) } }
            if !(sort.column == 0 && !sort.ascending) {
                rows = sorted(rows, sort) { CallText.sortKey(snap, $0, column: sort.column) }
            }
            s.rows.calls = rows
        case .findings:
            var rows = Array(s.findings.indices)
            if filter.active { rows = rows.filter { filter.matches(FindingText.search(s.findings[$0], snap)) } }
            if !(sort.column == 0 && !sort.ascending) {
                rows = sorted(rows, sort) { FindingText.sortKey(s.findings[$0], column: sort.column) }
            }
            s.rows.findings = rows
        case .audit:
            var rows = Array(snap.audit.indices.reversed())
            if filter.active { rows = rows.filter { filter.matches(AuditText.search(snap.audit[$0])) } }
            if !(sort.column == 0 && !sort.ascending) {
                rows = sorted(rows, sort) { AuditText.sortKey(snap.audit[$0], column: sort.column) }
            }
            s.rows.audit = rows
        }
        restoreSelection(&s, v)
    }

    static func rebuildAll(_ s: inout DashboardState) {
        for v in ViewKind.allCases { rebuild(&s, v) }
    }

    /// Whether a view's rows (their set, order or filter text) depend on these parts.
    static func depends(_ s: DashboardState, _ v: ViewKind, on parts: SnapshotParts) -> Bool {
        if parts.contains(.structure) { return true }
        let sort = s.sort(v).column
        switch v {
        case .tree, .findings: return false
        case .agents: return (parts.contains(.instances) && sort == 4) || (parts.contains(.activity) && sort >= 6)
        case .credentials: return parts.contains(.credentials)
        case .calls: return parts.contains(.activity)
        case .audit: return parts.contains(.audit)
        }
    }

    /// Stable sort by a key, ties keep the incoming order.
    static func sorted(_ rows: [Int], _ sort: SortState, key: (Int) -> SortKey) -> [Int] {
        // Numbers (most columns) go through a radix sort; text through a comparison sort.
        var numbers: [Int64] = []
        numbers.reserveCapacity(rows.count)
        for r in rows {
            guard case .number(let x) = key(r) else { break }
            numbers.append(x)
        }
        if numbers.count == rows.count { return RadixSort.order(rows, keys: numbers, descending: !sort.ascending) }
        let keyed = rows.enumerated().map { (key($0.element), $0.offset, $0.element) }
        return keyed.sorted { a, b in
            if a.0 != b.0 { return sort.ascending ? a.0 < b.0 : b.0 < a.0 }
            return a.1 < b.1
        }.map(\.2)
    }

    /// Puts the selection back on the item it was on, wherever that row went.
    static func restoreSelection(_ s: inout DashboardState, _ v: ViewKind) {
        var list = s.list(v)
        let count = s.rows.count(v)
        if let key = s.selectedKeys[v], let sel = list.selected, sel < count, Identity.key(s, v, sel) == key {
            // Still in place: the common case costs nothing.
        } else if let key = s.selectedKeys[v], let row = Identity.row(s, v, key: key) {
            list.selected = row
        } else if count == 0 {
            list.selected = nil
        } else {
            list.selected = min(max(list.selected ?? 0, 0), count - 1)
        }
        s.lists[v] = list
        if let row = list.selected { s.selectedKeys[v] = Identity.key(s, v, row) }
    }

    /// The tree: principals, then agents beneath. A filter keeps matches and their ancestors,
    /// shown expanded.
    static func tree(_ s: DashboardState, _ filter: Filter) -> [TreeRow<TreeNode>] {
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
    /// or walked and inserted, instead of flattening the whole tree again (47,000 rows at 100k
    /// agents), and the rows after it keep their parent links by a shift.
    static func toggleTree(_ s: inout DashboardState, row r: Int) {
        let filter = Filter(s.filters[.tree] ?? "")
        guard !filter.active, r < s.rows.tree.count else { return rebuild(&s, .tree) }
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
        restoreSelection(&s, .tree)
    }
}

/// Walks the forest's own child lists depth first (an explicit stack, no recursion, no
/// per-frame dictionaries): only open nodes' children are visited.
struct TreeWalker {
    let snap: FleetSnapshot
    /// Only the open/closed sets of the state: holding the whole state would share its rows.
    let collapsed: Set<String>, opened: Set<String>
    /// With a filter: the agents it keeps (matches and their ancestors), all shown open.
    let keep: [Bool]?

    init(_ s: DashboardState, _ filter: Filter) {
        snap = s.snapshot
        (collapsed, opened) = (s.collapsed, s.opened)
        guard filter.active else { keep = nil; return }
        // A walk up from each match stops at an ancestor already kept.
        let hits = AgentText.matches(snap, filter, now: s.now)
        let parent = snap.index.forest.parent
        var onPath = [Bool](repeating: false, count: hits.count)
        for i in hits.indices where hits[i] && !onPath[i] {
            var c = i
            while c >= 0 && !onPath[c] {
                onPath[c] = true
                c = parent[c]
            }
        }
        keep = onPath
    }

    func kids(_ node: TreeNode) -> [Int] {
        let all: [Int]
        switch node {
        case .principal(let pi): all = snap.index.forest.roots[snap.principals[pi].id] ?? []
        case .agent(let i): all = snap.index.forest.children[i]
        }
        guard let keep else { return all }
        return all.filter { keep[$0] }
    }

    func isOpen(_ node: TreeNode) -> Bool {
        if keep != nil { return true }
        switch node {
        case .principal(let pi): return DashboardState.isOpen(snap.principals[pi].id, depth: 0, collapsed, opened)
        case .agent(let i): return DashboardState.isOpen(snap.agents[i].id, depth: snap.agents[i].depth, collapsed, opened)
        }
    }

    /// The rows of `nodes` (siblings at `depth`) and their open descendants, as they appear
    /// from row `base` on.
    func rows(_ nodes: [TreeNode], depth: Int, parentRow: Int?, base: Int) -> [TreeRow<TreeNode>] {
        var rows: [TreeRow<TreeNode>] = []
        var stack: [(TreeNode, Int, Int?, Bool)] = []
        for (i, n) in nodes.enumerated().reversed() { stack.append((n, depth, parentRow, i == nodes.count - 1)) }
        while let (node, depth, parentRow, isLast) = stack.popLast() {
            let children = kids(node)
            let open = !children.isEmpty && isOpen(node)
            rows.append(TreeRow(id: node, depth: depth, hasChildren: !children.isEmpty, isExpanded: open,
                                isLast: isLast, parentRow: parentRow))
            guard open else { continue }
            let me = base + rows.count - 1
            for (k, c) in children.enumerated().reversed() {
                stack.append((.agent(c), depth + 1, me, k == children.count - 1))
            }
        }
        return rows
    }
}

/// `/text` keeps rows containing text (case-insensitive); `/!text` keeps the others.
struct Filter {
    let needle: String
    let needleBytes: [UInt8]
    let inverted: Bool
    init(_ raw: String) {
        inverted = raw.hasPrefix("!")
        needle = (inverted ? String(raw.dropFirst()) : raw).lowercased()
        needleBytes = Array(needle.utf8)
    }
    var active: Bool { !needle.isEmpty }
    /// `haystack` must already be lowercased.
    func matches(_ haystack: String) -> Bool { contains(haystack) != inverted }

    /// Substring test on UTF-8 bytes: what `/` runs over every row on every keystroke.
    func contains(_ haystack: String) -> Bool {
        var h = haystack
        return h.withUTF8 { Filter.find(needleBytes, in: $0) }
    }

    static func find(_ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = needle.count
        if n == 0 { return true }
        if hay.count < n { return false }
        let first = needle[0]
        var i = 0
        let last = hay.count - n
        while i <= last {
            if hay[i] == first {
                var k = 1
                while k < n && hay[i + k] == needle[k] { k += 1 }
                if k == n { return true }
            }
            i += 1
        }
        return false
    }
}

/// A sort key: numbers compare as numbers, text as text.
enum SortKey: Comparable {
    case number(Int64)
    case text(String)

    static func < (a: SortKey, b: SortKey) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y
        case (.text(let x), .text(let y)): return x < y
        case (.number, .text): return true
        case (.text, .number): return false
        }
    }
}

/// Identities of rows, for keeping the selection on an item.
enum Identity {
    static func key(_ s: DashboardState, _ v: ViewKind, _ row: Int) -> String? {
        // Through `s.snapshot.` each time: a local copy of the snapshot would retain its two
        // dozen arrays, and this runs once per row when a selection is searched for.
        switch v {
        case .tree:
            guard row < s.rows.tree.count else { return nil }
            switch s.rows.tree[row].id {
            case .principal(let i): return s.snapshot.principals[i].id
            case .agent(let i): return s.snapshot.agents[i].id
            }
        case .agents: return row < s.rows.agents.count ? s.snapshot.agents[s.rows.agents[row]].id : nil
        case .credentials: return row < s.rows.credentials.count ? s.snapshot.credentials[s.rows.credentials[row]].id : nil
        case .calls: return row < s.rows.calls.count ? String(s.snapshot.calls[s.rows.calls[row]].seq) : nil
        case .findings:
            guard row < s.rows.findings.count else { return nil }
            let f = s.findings[s.rows.findings[row]]
            return f.kind.rawValue + " " + f.subject.id
        case .audit: return row < s.rows.audit.count ? String(s.snapshot.audit[s.rows.audit[row]].seq) : nil
        }
    }

    /// The row showing the item with this key, if any: agents and credentials by their index,
    /// calls and journal records by sequence (integer searches of the rows), the rest by key.
    static func row(_ s: DashboardState, _ v: ViewKind, key: String) -> Int? {
        switch v {
        case .agents:
            guard let i = s.snapshot.index.forest.index[key] else { return nil }
            return s.rows.agents.firstIndex(of: i)
        case .credentials:
            guard let i = s.snapshot.index.credentialIndex[key] else { return nil }
            return s.rows.credentials.firstIndex(of: i)
        case .calls:
            guard let seq = Int64(key) else { return nil }
            return s.rows.calls.firstIndex { s.snapshot.calls[$0].seq == seq }
        case .audit:
            guard let seq = Int64(key) else { return nil }
            return s.rows.audit.firstIndex { s.snapshot.audit[$0].seq == seq }
        case .tree:
            if let i = s.snapshot.index.forest.index[key] { return s.rows.tree.firstIndex { $0.id == .agent(i) } }
            fallthrough
        default:
            return (0..<s.rows.count(v)).first { Identity.key(s, v, $0) == key }
        }
    }
}
