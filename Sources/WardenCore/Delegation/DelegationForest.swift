/// The delegation forest in memory: principals at the roots, agents beneath.
/// Every walk is iterative, so a chain 10,000 deep costs no call stack.
public struct DelegationForest: Sendable {
    public private(set) var principals: [Principal]
    public private(set) var agents: [Agent]
    /// Agent index by ID.
    public private(set) var index: AgentIndex
    /// Children of each agent (indices into `agents`), in input order.
    public private(set) var children: [[Int]]
    /// Agents delegated directly by each principal, by principal ID.
    public private(set) var roots: [String: [Int]]
    /// Index of each agent's delegating agent, -1 where a principal delegated it (or the
    /// delegator is unknown): walks up the tree without hashing IDs.
    public private(set) var parent: [Int]
    private var principalIndex: [String: Int]
    /// Delegator IDs named by agents but not (yet) held: an agent appended with one of these IDs
    /// would re-parent agents already placed, which only a rebuild does.
    private var missingParents: Set<String>

    public init(principals: [Principal], agents: [Agent]) {
        var agents = agents
        self.init(principals: principals, agents: &agents, sharingDelegatorIDs: false)
    }

    /// The forest, with each agent's `parentID` made its parent's own `id` string (equal text):
    /// read from a store, every row holds its own copy, and a million 48-byte SPIFFE IDs held
    /// twice are ~100 MB. `agents` is changed in place and shared with the forest's copy.
    public init(principals: [Principal], sharingDelegatorIDsOf agents: inout [Agent]) {
        self.init(principals: principals, agents: &agents, sharingDelegatorIDs: true)
    }

    private init(principals: [Principal], agents: inout [Agent], sharingDelegatorIDs: Bool) {
        self.principals = principals
        var index = AgentIndex(reservingCapacity: agents.count)
        // Fields are read in place, by index: a copy of each agent (its strings retained and
        // released) was a fifth of building the forest of a million.
        for i in agents.indices { index[agents[i].id] = i }
        var children = [[Int]](repeating: [], count: agents.count)
        var roots: [String: [Int]] = [:]
        var parent = [Int](repeating: -1, count: agents.count)
        var missing = Set<String>()
        for i in agents.indices {
            if let p = agents[i].parentID, let pi = index[p] {
                children[pi].append(i)
                parent[i] = pi
                if sharingDelegatorIDs { agents[i].parentID = agents[pi].id }
            } else {
                if let p = agents[i].parentID { missing.insert(p) }
                roots[agents[i].principalID, default: []].append(i)
            }
        }
        self.agents = agents
        missingParents = missing
        self.index = index
        self.parent = parent
        self.children = children
        self.roots = roots
        var pIndex: [String: Int] = [:]
        for (i, p) in principals.enumerated() { pIndex[p.id] = i }
        principalIndex = pIndex
    }

    /// Replaces agent `i` by a new version of itself (a status change, a revocation, a narrowed
    /// grant): its place in the forest is kept. False, and nothing changed, when the new row
    /// names another ID, principal or delegator: only a rebuild can move an agent.
    public mutating func replaceAgent(at i: Int, with a: Agent) -> Bool {
        let old = agents[i]
        guard old.id == a.id, old.principalID == a.principalID, old.parentID == a.parentID else { return false }
        agents[i] = a
        return true
    }

    /// Appends an agent, placed as a rebuild over all agents would place it. False, and nothing
    /// changed, when its ID is held already or is the delegator some held agent names (it would
    /// re-parent that agent): rebuild instead.
    public mutating func appendAgent(_ a: Agent) -> Bool {
        guard index[a.id] == nil, !missingParents.contains(a.id) else { return false }
        let i = agents.count
        agents.append(a)
        index[a.id] = i
        children.append([])
        if let p = a.parentID, let pi = index[p] {
            children[pi].append(i)
            parent.append(pi)
        } else {
            if let p = a.parentID { missingParents.insert(p) }
            roots[a.principalID, default: []].append(i)
            parent.append(-1)
        }
        return true
    }

    /// Replaces principal `i` by a new version of itself (its scopes, its status).
    public mutating func replacePrincipal(at i: Int, with p: Principal) -> Bool {
        guard principals[i].id == p.id else { return false }
        principals[i] = p
        return true
    }

    /// Appends a principal no held agent names yet (those agents would change their effective
    /// scopes and order: rebuild instead).
    public mutating func appendPrincipal(_ p: Principal) -> Bool {
        guard principalIndex[p.id] == nil, roots[p.id] == nil else { return false }
        principalIndex[p.id] = principals.count
        principals.append(p)
        return true
    }

    public func principal(_ id: String) -> Principal? { principalIndex[id].map { principals[$0] } }
    public func agent(_ id: String) -> Agent? { index[id].map { agents[$0] } }

    /// `byAgent` with each key that names a held agent made that agent's own ID string (equal
    /// text): a map read from a store holds its own copy of every ID.
    public func sharingAgentIDs<V>(_ byAgent: [String: V]) -> [String: V] {
        var out: [String: V] = [:]
        out.reserveCapacity(byAgent.count)
        for (id, v) in byAgent { out[index[id].map { agents[$0].id } ?? id] = v }
        return out
    }

    /// Agents in top-down order (every delegator before its delegates), breadth first.
    public func topDownOrder() -> [Int] {
        var order: [Int] = []
        order.reserveCapacity(agents.count)
        for p in principals { order.append(contentsOf: roots[p.id] ?? []) }
        // Agents whose principal is unknown still come first in their own subtrees.
        for (pid, r) in roots where principalIndex[pid] == nil { order.append(contentsOf: r) }
        var head = 0
        while head < order.count {
            order.append(contentsOf: children[order[head]])
            head += 1
        }
        return order
    }

    /// Rule 2 for every agent at once: grant ∩ delegator's effective scopes, top-down.
    public func effectiveScopes() -> [ScopeSet] {
        var eff = [ScopeSet](repeating: .none, count: agents.count)
        // Fields are read in place, not through a copy of each agent (its strings retained).
        for i in topDownOrder() {
            let above: ScopeSet
            if parent[i] >= 0 { above = eff[parent[i]] } else { above = principalIndex[agents[i].principalID].map { principals[$0].scopes } ?? .none }
            eff[i] = agents[i].grant.intersection(above)
        }
        return eff
    }

    /// Effective scopes of one agent, folding its chain from the principal down.
    public func effectiveScopes(of id: String) -> ScopeSet {
        let chain = self.chain(of: id)
        guard let top = chain.last else { return .none }
        var eff = principal(top.principalID)?.scopes ?? .none
        for a in chain.reversed() { eff = a.grant.intersection(eff) }
        return eff
    }

    /// The agent, then its delegator, up to the agent its principal delegated.
    public func chain(of id: String) -> [Agent] {
        var out: [Agent] = []
        var cursor = index[id]
        var seen = Set<Int>()
        while let i = cursor, seen.insert(i).inserted {
            out.append(agents[i])
            cursor = agents[i].parentID.flatMap { index[$0] }
        }
        return out
    }

    /// The agent and all its descendants (indices), breadth first.
    public func subtree(of id: String) -> [Int] {
        guard let start = index[id] else { return [] }
        var out = [start]
        var head = 0
        while head < out.count {
            out.append(contentsOf: children[out[head]])
            head += 1
        }
        return out
    }

    /// Every agent under a principal (indices), breadth first.
    public func tree(ofPrincipal id: String) -> [Int] {
        var out = roots[id] ?? []
        var head = 0
        while head < out.count {
            out.append(contentsOf: children[out[head]])
            head += 1
        }
        return out
    }
}
