/// Rule 6: narrowing an agent narrows its subtree's grants in the same step, so no grant ever
/// names what its delegator lost. Computed before acting, so a dialog or `--dry-run` can show
/// each affected agent's grant before and after.
public struct NarrowingPlan: Equatable, Sendable {
    /// One agent whose grant changes.
    public struct Change: Equatable, Sendable {
        public let agentID: String
        public let name: String
        public let before: ScopeSet
        public let after: ScopeSet

        public init(agentID: String, name: String, before: ScopeSet, after: ScopeSet) {
            self.agentID = agentID
            self.name = name
            self.before = before
            self.after = after
        }

        /// The grant becomes empty: the agent keeps existing but can do nothing.
        public var emptied: Bool { after.isEmpty }
    }

    /// One agent of the subtree below the narrowed one, as the planner needs it.
    public struct Node: Sendable {
        public var id: String
        public var name: String
        /// Index of its delegator in the node list; -1 for the narrowed agent itself.
        public var parent: Int
        public var grant: ScopeSet
        /// Revoked rows are final and left as they are (their subtrees are revoked too).
        public var isRevoked: Bool

        public init(id: String, name: String, parent: Int, grant: ScopeSet, isRevoked: Bool) {
            self.id = id
            self.name = name
            self.parent = parent
            self.grant = grant
            self.isRevoked = isRevoked
        }
    }

    /// The narrowed agent.
    public let target: Change
    /// Descendants whose grant changes, top-down (every delegator before its delegates).
    public let descendants: [Change]

    public init(target: Change, descendants: [Change]) {
        self.target = target
        self.descendants = descendants
    }

    /// Every change, the target first.
    public var changes: [Change] { [target] + descendants }
    /// Descendants left with an empty grant.
    public var emptied: [Change] { descendants.filter(\.emptied) }

    /// Plans narrowing `nodes[0]` to `newGrant`. `nodes` is the subtree in top-down order (each
    /// node's parent index below its own), `above` the effective scopes of the narrowed agent's
    /// delegator. Each descendant's grant is intersected, member by member, with its delegator's
    /// new effective scopes (`github/*` under `github/get_*` becomes `github/get_*`); a grant
    /// already covered is left exactly as it is. One pass, no recursion: a chain 10,000 deep or
    /// 10,000 children cost the same loop.
    public static func plan(nodes: [Node], newGrant: ScopeSet, above: ScopeSet) -> NarrowingPlan {
        precondition(!nodes.isEmpty && nodes[0].parent < 0, "the first node is the narrowed agent")
        var effective = [ScopeSet](repeating: .none, count: nodes.count)
        effective[0] = newGrant.intersection(above)
        var out: [Change] = []
        for i in nodes.indices.dropFirst() {
            let n = nodes[i]
            let delegator = n.parent >= 0 && n.parent < i ? effective[n.parent] : ScopeSet.none
            // After the plan every grant below is covered by its delegator's effective scopes,
            // so each descendant's effective scopes are its (new) grant.
            if n.grant.isCovered(by: delegator) {
                effective[i] = n.grant
                continue
            }
            let after = n.grant.intersection(delegator)
            effective[i] = after
            if !n.isRevoked { out.append(Change(agentID: n.id, name: n.name, before: n.grant, after: after)) }
        }
        return NarrowingPlan(target: Change(agentID: nodes[0].id, name: nodes[0].name, before: nodes[0].grant, after: newGrant),
                             descendants: out)
    }

    /// Plans over an in-memory fleet (the dashboard's snapshot): the same plan the store makes.
    public static func plan(agentID: String, newGrant: ScopeSet, forest: DelegationForest) -> NarrowingPlan? {
        guard let start = forest.index[agentID] else { return nil }
        let order = forest.subtree(of: agentID)
        var position = [Int: Int]()
        position.reserveCapacity(order.count)
        var nodes: [Node] = []
        nodes.reserveCapacity(order.count)
        for (k, i) in order.enumerated() {
            position[i] = k
            let a = forest.agents[i]
            nodes.append(Node(id: a.id, name: a.name, parent: i == start ? -1 : position[forest.parent[i]] ?? -1,
                              grant: a.grant, isRevoked: a.isRevoked))
        }
        let a = forest.agents[start]
        let above = a.parentID.map { forest.effectiveScopes(of: $0) } ?? forest.principal(a.principalID)?.scopes ?? .none
        return plan(nodes: nodes, newGrant: newGrant, above: above)
    }
}
