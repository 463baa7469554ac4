import WardenCore
import WardenStore

/// `warden tree [ID]`: the delegation forest drawn with box characters. The walk is iterative
/// (an explicit stack), so a chain 10,000 deep costs no call stack; indentation is capped so a
/// very deep chain does not print lines of quadratic length.
enum TreeCommand {
    /// Deeper than this, the drawn prefix is shortened to `┆ … ` plus the last levels.
    static let maxDrawnDepth = 24

    struct Node {
        let agentIndex: Int
        let depth: Int      // 1 for the first level under the root line
        let isLast: Bool
    }

    static func run(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: true)
        let fleet = try ScopedForest(store)
        let forest = fleet.forest

        // Roots: each principal with its top agents, or one agent with its children.
        var roots: [(label: String, json: [(String, JSONValue)], children: [Int], rootAgent: Int?)] = []
        if let text = inv.positional("ID") {
            let ref = try Resolve.reference(text, in: store)
            switch ref {
            case .principal(let id):
                guard let p = forest.principal(id) else { throw RuntimeError("principal \(TerminalText.safe(id)) not found") }
                roots.append((principalLabel(p), principalJSON(p), forest.roots[p.id] ?? [], nil))
            case .agent(let id):
                guard let i = forest.index[id] else { throw RuntimeError("agent \(TerminalText.safe(id)) not found") }
                roots.append((agentLabel(i, fleet, ctx.now), [], forest.children[i], i))
            case .credential:
                throw RuntimeError("\(Resolve.describe(ref)) is not in the tree; give a principal or an agent")
            }
        } else {
            for p in forest.principals {
                roots.append((principalLabel(p), principalJSON(p), forest.roots[p.id] ?? [], nil))
            }
        }

        if ctx.json {
            // A flat list in drawing order: nested JSON would recurse as deep as the tree.
            var items: [JSONValue] = []
            for root in roots {
                if let r = root.rootAgent {
                    items.append(agentJSON(r, fleet, ctx.now, treeDepth: 0))
                } else {
                    items.append(.object(root.json))
                }
                walk(root.children, forest) { node in items.append(agentJSON(node.agentIndex, fleet, ctx.now, treeDepth: node.depth)) }
            }
            ctx.emit(.array(items))
            return 0
        }

        if roots.isEmpty {
            ctx.note("the store is empty; add a principal with `warden principal add`")
            return 0
        }
        var out = ""
        for (k, root) in roots.enumerated() {
            if k > 0 { out += "\n" }
            out += root.label + "\n"
            // continuation[d] tells whether the ancestor at level d+1 has siblings below it.
            var continuation: [Bool] = []
            walk(root.children, forest) { node in
                continuation.removeLast(max(0, continuation.count - (node.depth - 1)))
                out += prefix(continuation, depth: node.depth)
                out += (node.isLast ? "└── " : "├── ") + agentLabel(node.agentIndex, fleet, ctx.now) + "\n"
                continuation.append(!node.isLast)
                if out.utf8.count > 1 << 16 { ctx.out(out); out = "" }
            }
        }
        ctx.out(out)
        return 0
    }

    /// Depth-first, children in order, with an explicit stack.
    static func walk(_ top: [Int], _ forest: DelegationForest, _ visit: (Node) -> Void) {
        var stack: [Node] = []
        for (k, i) in top.enumerated().reversed() { stack.append(Node(agentIndex: i, depth: 1, isLast: k == top.count - 1)) }
        while let node = stack.popLast() {
            visit(node)
            let kids = forest.children[node.agentIndex]
            for (k, c) in kids.enumerated().reversed() {
                stack.append(Node(agentIndex: c, depth: node.depth + 1, isLast: k == kids.count - 1))
            }
        }
    }

    static func prefix(_ continuation: [Bool], depth: Int) -> String {
        func piece(_ more: Bool) -> String { more ? "│   " : "    " }
        if continuation.count <= maxDrawnDepth {
            return continuation.map(piece).joined()
        }
        let keep = 4
        return continuation.prefix(keep).map(piece).joined() + "┆ ⋯ depth \(depth) ⋯ " + continuation.suffix(keep).map(piece).joined()
    }

    static func principalLabel(_ p: Principal) -> String {
        var s = "\(TerminalText.safe(p.id))  (\(p.kind.rawValue)"
        if p.name != p.id { s += ", \(TerminalText.safe(p.name))" }
        s += ")  [\(p.scopes)]"
        if p.status == .disabled { s += "  ✗ disabled" }
        return s
    }

    static func agentLabel(_ i: Int, _ fleet: ScopedForest, _ now: Timestamp) -> String {
        let a = fleet.forest.agents[i]
        var s = "\(TerminalText.safe(a.name))  \(TerminalText.safe(a.id))  [\(ScopeText.brief(fleet.effective[i], width: 64))]"
        switch a.status(at: now) {
        case .revoked: s += "  ✗ revoked"
        case .expired: s += "  ⌛ expired"
        case .active:
            if let e = a.expiresAt { s += "  expires \(TimeText.relative(e, now: now))" }
        }
        if !a.registered { s += "  ? unregistered" }
        // An escalation (possible only through import): the grant asks for more than the delegator holds.
        let above = a.parentID.map { fleet.effective(of: $0) } ?? fleet.forest.principal(a.principalID)?.scopes ?? .none
        if let wider = a.grant.uncovered(by: above) { s += "  ⚠ grant exceeds delegator (\(wider))" }
        return s
    }

    static func principalJSON(_ p: Principal) -> [(String, JSONValue)] {
        [("type", .string("principal")), ("kind", .string(p.kind.rawValue)), ("id", .string(p.id)), ("name", .string(p.name)),
         ("status", .string(p.status.rawValue)), ("parent_id", .null), ("tree_depth", .int(0)),
         ("scopes", JSONModels.scopes(p.scopes))]
    }

    static func agentJSON(_ i: Int, _ fleet: ScopedForest, _ now: Timestamp, treeDepth: Int) -> JSONValue {
        let a = fleet.forest.agents[i]
        return .object([
            ("type", .string("agent")), ("id", .string(a.id)), ("name", .string(a.name)),
            ("status", .string(a.status(at: now).rawValue)), ("parent_id", .string(a.delegatorID)),
            ("tree_depth", .int(treeDepth)), ("depth", .int(a.depth)),
            ("effective_scopes", JSONModels.scopes(fleet.effective[i])), ("expires_at", .time(a.expiresAt)),
        ])
    }
}
