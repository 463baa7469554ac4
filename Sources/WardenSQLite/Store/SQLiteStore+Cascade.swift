import WardenStore
import WardenCore

// Cascade revocation, set-based (rule 3). One recursive walk below the roots fills a temp table
// with the subtree, in the order `revocationPlan` lists it; the plan is read back from it, one
// UPDATE revokes the agents by rowid and one the credentials by their agent. A 10,000-agent
// subtree or a chain 10,000 deep is a handful of statements, not 30,000.
extension SQLiteStore {
    /// A temp table (this connection only, in memory): the walk.
    /// `seq` keeps the walk's order; `rid` is the row to update; `revoked` the agent's revoked_at.
    static let cascadeTables = """
        CREATE TEMP TABLE IF NOT EXISTS cascade_agents(seq INTEGER PRIMARY KEY, rid INTEGER NOT NULL, id TEXT NOT NULL, revoked INTEGER);
        """

    /// From this many rows on, a cascade's commit leaves its checkpoint to a thread of its own.
    static let largeCascade = 1_000

    /// Revokes every not-yet-revoked agent below (and including) the target's roots and every
    /// credential they hold, all with the revocation's stamp and cause (`revoked_by`) and one new
    /// row version, inside the caller's transaction. Returns the same plan `revocationPlan`
    /// would have shown (`RuleTransaction.revokeSubtree`).
    func cascade(_ target: RevocationPlan.Target, _ r: Revocation, liveSince: Timestamp) throws(StoreError) -> RevocationPlan {
        let rootSQL: String, root: String
        switch target {
        case .agent(let id):
            rootSQL = "SELECT rowid, id, revoked_at FROM agents WHERE id = ?"
            root = id
        case .principal(let id):
            rootSQL = "SELECT rowid, id, revoked_at FROM agents WHERE principal_id = ? AND parent_id IS NULL"
            root = id
        case .credential:
            preconditionFailure("a credential has no cascade")
        }
        try db.exec(Self.cascadeTables)
        try clearCascade()
        try db.prepare("""
            WITH RECURSIVE sub(rid, id, revoked) AS (
                \(rootSQL)
                UNION ALL SELECT a.rowid, a.id, a.revoked_at FROM agents a JOIN sub ON a.parent_id = sub.id)
            INSERT INTO temp.cascade_agents(rid, id, revoked) SELECT rid, id, revoked FROM sub
            """).bind(root).run()
        let walked = try db.prepare("SELECT id, revoked IS NULL FROM temp.cascade_agents ORDER BY seq").all { ($0.string(0), $0.int(1) != 0) }
        let agents = walked.filter(\.1).map(\.0)
        let live = try db.prepare("""
            SELECT count(*) FROM temp.cascade_agents s JOIN instances i ON i.agent_id = s.id
            WHERE i.stopped_at IS NULL AND i.last_heartbeat >= ?
            """).bind(liveSince).first { Int($0.int(0)) } ?? 0

        // One row version for the whole cascade, stamped by the UPDATEs themselves; the per-row
        // version triggers would only stand aside for each of these rows (they fire when a row's
        // version is left unchanged), so this connection skips them for these two statements.
        try db.run("UPDATE row_version SET v = v + 1 WHERE id = 1")
        let version = try db.prepare("SELECT v FROM row_version WHERE id = 1").first { $0.int(0) } ?? 0
        // With triggers off, each UPDATE keeps its rows' hashes and the state digest itself, in
        // the same pass (`digestSwap`).
        let agentDigest = try digestSwap("agents", changes: ["revoked_at": "?1", "revoke_reason": "?2", "revoked_by": "?3"])
        let credentialDigest = try digestSwap("credentials", changes: ["revoked_at": "?1", "revoked_by": "?2"])
        try beginDigestSwaps()
        let (revokedAgents, revokedCredentials) = try db.withoutTriggers { () throws(StoreError) -> (Int, [(Int64, String, String)]) in
            try db.prepare("""
                UPDATE agents SET revoked_at = ?1, revoke_reason = ?2, revoked_by = ?3, version = ?4, \(agentDigest)
                WHERE rowid IN (SELECT rid FROM temp.cascade_agents WHERE revoked IS NULL) AND revoked_at IS NULL
                """).bind(r.at, r.reason, r.cause, version).run()
            let a = db.changes
            // The credentials are found and revoked in one pass (by their agent's index) and
            // named by RETURNING, rather than collected into a table first and revoked from it.
            let revoked = try db.prepare("""
                UPDATE credentials SET revoked_at = ?1, revoked_by = ?2, version = ?3, \(credentialDigest)
                WHERE agent_id IN (SELECT id FROM temp.cascade_agents) AND revoked_at IS NULL
                RETURNING rowid, agent_id, id
                """).bind(r.at, r.cause, version).all { ($0.int(0), $0.string(1), $0.string(2)) }
            return (a, revoked)
        }
        // RETURNING's order is SQLite's: the plan lists them as `revocationPlan` does, in the
        // walk's order of their agents, each agent's in write order.
        var position: [String: Int] = [:]
        position.reserveCapacity(walked.count)
        for (i, w) in walked.enumerated() { position[w.0] = i }
        let credentials = revokedCredentials
            .map { (agent: position[$0.1] ?? Int.max, rowid: $0.0, id: $0.2) }
            .sorted { ($0.agent, $0.rowid) < ($1.agent, $1.rowid) }
            .map(\.id)
        try applyDigestSwaps()
        // Inside one write transaction nothing else moves; a mismatch means the plan is not what was done.
        guard revokedAgents == agents.count else {
            throw .io("cascade revoked \(revokedAgents) agents, planned \(agents.count)")
        }
        try clearCascade()
        if agents.count + credentials.count >= Self.largeCascade { handOffCheckpoints() }
        return RevocationPlan(target: target, agents: agents, credentials: credentials, liveInstances: live)
    }

    private func clearCascade() throws(StoreError) {
        try db.run("DELETE FROM temp.cascade_agents")
    }
}
