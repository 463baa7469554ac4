/// One visible row of a flattened tree.
public struct TreeRow<ID: Hashable & Sendable>: Sendable, Hashable {
    public var id: ID
    /// 0 for roots.
    public var depth: Int
    public var hasChildren: Bool
    public var isExpanded: Bool
    /// True if no later sibling follows (draws `└─` instead of `├─`).
    public var isLast: Bool
    /// Index of the parent's row in the flattened list (nil for roots). Guides are found by
    /// walking these links, so rows need no per-depth storage even in a 10,000-deep chain.
    public var parentRow: Int?

    public init(id: ID, depth: Int, hasChildren: Bool, isExpanded: Bool, isLast: Bool, parentRow: Int?) {
        self.id = id
        self.depth = depth
        self.hasChildren = hasChildren
        self.isExpanded = isExpanded
        self.isLast = isLast
        self.parentRow = parentRow
    }
}

/// A forest given as roots plus ordered children, flattened into the rows a tree view shows.
public struct TreeModel<ID: Hashable & Sendable>: Sendable {
    public var roots: [ID]
    public var children: [ID: [ID]]

    public init(roots: [ID], children: [ID: [ID]]) {
        self.roots = roots
        self.children = children
    }

    /// Builds the model from (id, parent) pairs; siblings keep the order they appear in.
    /// A node whose parent is missing from the list becomes a root.
    public init(nodes: [(id: ID, parent: ID?)]) {
        let known = Set(nodes.map(\.id))
        var roots: [ID] = []
        var children: [ID: [ID]] = [:]
        for node in nodes {
            if let parent = node.parent, known.contains(parent) {
                children[parent, default: []].append(node.id)
            } else {
                roots.append(node.id)
            }
        }
        self.init(roots: roots, children: children)
    }

    /// The rows visible when the nodes in `expanded` are open, in display order.
    /// Iterative depth-first walk (explicit stack), so any depth is safe; a node reached twice
    /// (a cycle in corrupt data) is shown once.
    public func flatten(expanded: Set<ID>) -> [TreeRow<ID>] {
        var rows: [TreeRow<ID>] = []
        var seen = Set<ID>()
        // Stack of (id, depth, parent row, isLast), pushed in reverse so pops come in order.
        var stack: [(ID, Int, Int?, Bool)] = []
        for (i, root) in roots.enumerated().reversed() {
            stack.append((root, 0, nil, i == roots.count - 1))
        }
        while let (id, depth, parentRow, isLast) = stack.popLast() {
            guard seen.insert(id).inserted else { continue }
            let kids = children[id] ?? []
            let open = !kids.isEmpty && expanded.contains(id)
            rows.append(TreeRow(id: id, depth: depth, hasChildren: !kids.isEmpty, isExpanded: open,
                                isLast: isLast, parentRow: parentRow))
            if open {
                let me = rows.count - 1
                for (i, kid) in kids.enumerated().reversed() {
                    stack.append((kid, depth + 1, me, i == kids.count - 1))
                }
            }
        }
        return rows
    }

    /// Every node that has children (for "expand all").
    public var expandable: Set<ID> { Set(children.compactMap { $0.value.isEmpty ? nil : $0.key }) }
}

/// Guide strings for tree rows: `│ `, `├─`, `└─` and the ▸/▾ expand glyphs.
public enum TreeGuides {
    public static let expandedGlyph = "▾ "
    public static let collapsedGlyph = "▸ "

    /// The prefix drawn before row `index`'s label, at most `maxWidth` columns: ancestors'
    /// guides, the row's own connector, then its glyph. A prefix too deep for `maxWidth` keeps
    /// its deepest levels behind a leading `…`. Cost is proportional to what is drawn.
    public static func prefix<ID>(for index: Int, in rows: [TreeRow<ID>], maxWidth: Int) -> String {
        let row = rows[index]
        let glyph = row.hasChildren ? (row.isExpanded ? expandedGlyph : collapsedGlyph) : (row.depth == 0 ? "  " : "─ ")
        if row.depth == 0 { return glyph }
        // Two columns per level for levels 1…depth, plus the glyph.
        let fullWidth = row.depth * 2 + 2
        let levelsShown = fullWidth <= maxWidth ? row.depth : max(1, (maxWidth - 3) / 2)
        var parts: [String] = [row.isLast ? "└─" : "├─"]
        var ancestor = row.parentRow
        // Walk up: each ancestor (except roots) leaves a line if a later sibling follows it.
        while parts.count < levelsShown, let a = ancestor, rows[a].depth > 0 {
            parts.append(rows[a].isLast ? "  " : "│ ")
            ancestor = rows[a].parentRow
        }
        var result = levelsShown < row.depth ? "…" : ""
        for part in parts.reversed() { result += part }
        return result + glyph
    }
}
