import TerminalUI
import WardenCore

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
        let hits = AgentsView.matches(snap, filter, now: s.now)
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
