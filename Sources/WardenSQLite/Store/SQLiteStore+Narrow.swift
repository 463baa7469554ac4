import WardenStore
import WardenCore

// Narrowing (rules 1 and 6): the agent's grant only loses members, and every descendant's grant
// is cut to its delegator's new effective scopes in the same transaction, with one journal
// record listing each change. The subtree is read by one recursive query and written by one
// UPDATE, so 10,000 children or a chain 10,000 deep are a handful of statements.
extension SQLiteStore {
    /// What `narrow` would do now: each affected agent's grant before and after. Changes nothing.
    public func narrowingPlan(agentID: String, _ change: Narrowing) throws(StoreError) -> NarrowingPlan {
        try db.read { () throws(StoreError) -> NarrowingPlan in try planNarrowing(agentID: agentID, change) }
    }

    public func narrow(agentID: String, _ change: Narrowing, _ m: Mutation) throws(StoreError) -> NarrowingPlan {
        try write { () throws(StoreError) -> NarrowingPlan in
            let plan = try planNarrowing(agentID: agentID, change)
            try db.prepare("UPDATE agents SET scopes = ? WHERE id = ?").bind(plan.target.after.description, agentID).run()
            try narrowDescendants(plan.descendants)
            try appendAudit(m, action: "agent.narrow", target: agentID, before: narrowingJSON(plan, \.before),
                            after: narrowingJSON(plan, \.after))
            return plan
        }
    }

    /// Refuses what rule 1 refuses (a revoked agent, widening, an empty grant, no change), then
    /// plans the subtree. Runs inside the caller's transaction.
    func planNarrowing(agentID: String, _ change: Narrowing) throws(StoreError) -> NarrowingPlan {
        guard let a = try agent(agentID) else { throw .notFound("no agent '\(agentID)'") }
        if a.isRevoked { throw .refused("refused: agent '\(agentID)' is revoked") }
        let after: ScopeSet
        do throws(Attenuation.Refusal) {
            switch change {
            case .drop(let d): after = try Attenuation.drop(d, from: a.grant)
            case .keep(let k): after = try Attenuation.keep(k, of: a.grant, agent: agentID)
            }
        } catch { throw .refused(error.description) }
        if after == a.grant { throw .refused("refused: the grant is already \(after)") }
        let above: ScopeSet
        if let parent = a.parentID { above = try effectiveScopes(of: parent) } else { above = try principal(a.principalID)?.scopes ?? .none }
        return NarrowingPlan.plan(nodes: try subtreeNodes(a), newGrant: after, above: above)
    }

    /// The agent and its descendants, breadth first (a recursive query's queue order: every
    /// delegator before its delegates).
    func subtreeNodes(_ a: Agent) throws(StoreError) -> [NarrowingPlan.Node] {
        var position: [String: Int] = [:]
        var nodes: [NarrowingPlan.Node] = []
        _ = try db.prepare("""
            WITH RECURSIVE sub(id, name, parent_id, scopes, revoked) AS (
                SELECT id, name, parent_id, scopes, revoked_at IS NOT NULL FROM agents WHERE id = ?
                UNION ALL SELECT a.id, a.name, a.parent_id, a.scopes, a.revoked_at IS NOT NULL FROM agents a JOIN sub ON a.parent_id = sub.id)
            SELECT id, name, parent_id, scopes, revoked FROM sub
            """).bind(a.id).all { (r: Statement) in
            let id = r.string(0)
            let parent = nodes.isEmpty ? -1 : (r.optString(2).flatMap { position[$0] } ?? -1)
            position[id] = nodes.count
            nodes.append(NarrowingPlan.Node(id: id, name: r.string(1), parent: parent, grant: scopes(r.string(3)), isRevoked: r.int(4) != 0))
        }
        return nodes
    }

    /// Writes the descendants' new grants in one statement, with one new row version stamped
    /// by the statement itself (the per-row version triggers stand aside, as in `cascade`).
    func narrowDescendants(_ changes: [NarrowingPlan.Change]) throws(StoreError) {
        guard !changes.isEmpty else { return }
        // An empty grant is stored as empty text, which reads back as no scopes.
        let rows = JSONValue.array(changes.map { .array([.string($0.agentID), .string($0.after.strings.joined(separator: ","))]) })
        try db.run("UPDATE row_version SET v = v + 1 WHERE id = 1")
        let version = try db.prepare("SELECT v FROM row_version WHERE id = 1").first { $0.int(0) } ?? 0
        let json = JSONWriter.write(rows, indent: false)
        // With triggers off the UPDATE keeps row hashes and the state digest itself (`digestSwap`).
        let digest = try digestSwap("agents", changes: ["scopes": "j.value ->> 1"])
        try beginDigestSwaps()
        let updated = try db.withoutTriggers { () throws(StoreError) -> Int in
            try db.prepare("""
                UPDATE agents SET scopes = j.value ->> 1, version = ?1, \(digest)
                FROM json_each(?2) AS j WHERE agents.id = j.value ->> 0
                """).bind(version, json).run()
            return db.changes
        }
        try applyDigestSwaps()
        guard updated == changes.count else { throw .io("narrowed \(updated) descendants, planned \(changes.count)") }
    }

    /// The journal's before or after: the agent's grant and each narrowed descendant's.
    func narrowingJSON(_ plan: NarrowingPlan, _ side: KeyPath<NarrowingPlan.Change, ScopeSet>) -> String {
        var members: [(String, JSONValue)] = [("scopes", .strings(plan.target[keyPath: side].strings))]
        if !plan.descendants.isEmpty {
            members.append(("descendants", .object(plan.descendants.map { ($0.agentID, .strings($0[keyPath: side].strings)) })))
        }
        return JSONWriter.write(.object(members), indent: false)
    }
}
