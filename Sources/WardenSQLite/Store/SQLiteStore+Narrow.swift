import WardenStore
import WardenCore

// Narrowing's rows (the rules are `FleetRules.narrow`): the subtree is read by one recursive
// query and written by one UPDATE, so 10,000 children or a chain 10,000 deep are a handful of
// statements.
extension SQLiteStore {
    /// The agent and its descendants, breadth first (a recursive query's queue order: every
    /// delegator before its delegates).
    func subtreeNodes(_ agentID: String) throws(StoreError) -> [NarrowingPlan.Node] {
        var position: [String: Int] = [:]
        var nodes: [NarrowingPlan.Node] = []
        _ = try db.prepare("""
            WITH RECURSIVE sub(id, name, parent_id, scopes, revoked) AS (
                SELECT id, name, parent_id, scopes, revoked_at IS NOT NULL FROM agents WHERE id = ?
                UNION ALL SELECT a.id, a.name, a.parent_id, a.scopes, a.revoked_at IS NOT NULL FROM agents a JOIN sub ON a.parent_id = sub.id)
            SELECT id, name, parent_id, scopes, revoked FROM sub
            """).bind(agentID).all { (r: Statement) in
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
}
