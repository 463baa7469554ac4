import WardenStore
import WardenCore

// Cascade revocation, set-based (rule 3). One recursive walk below the roots fills a temp table
// with the subtree, in the order `revocationPlan` lists it; the plan is read back from it, and one
// UPDATE per table revokes by rowid what it names. A 10,000-agent subtree or a chain 10,000 deep
// is a handful of statements, not 30,000.
extension SQLiteStore {
    /// Temp tables (this connection only, in memory): the walk and the credentials it reaches.
    /// `seq` keeps the walk's order; `rid` is the row to update; `revoked` the agent's revoked_at.
    static let cascadeTables = """
        CREATE TEMP TABLE IF NOT EXISTS cascade_agents(seq INTEGER PRIMARY KEY, rid INTEGER NOT NULL, id TEXT NOT NULL, revoked INTEGER);
        CREATE TEMP TABLE IF NOT EXISTS cascade_credentials(seq INTEGER PRIMARY KEY, rid INTEGER NOT NULL, id TEXT NOT NULL);
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
        try db.prepare("""
            INSERT INTO temp.cascade_credentials(rid, id)
            SELECT c.rowid, c.id FROM temp.cascade_agents s JOIN credentials c ON c.agent_id = s.id
            WHERE c.revoked_at IS NULL ORDER BY s.seq, c.rowid
            """).run()
        let agents = try db.prepare("SELECT id FROM temp.cascade_agents WHERE revoked IS NULL ORDER BY seq").all { $0.string(0) }
        let credentials = try db.prepare("SELECT id FROM temp.cascade_credentials ORDER BY seq").all { $0.string(0) }
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
        let (revokedAgents, revokedCredentials) = try db.withoutTriggers { () throws(StoreError) -> (Int, Int) in
            try db.prepare("""
                UPDATE agents SET revoked_at = ?1, revoke_reason = ?2, revoked_by = ?3, version = ?4, \(agentDigest)
                WHERE rowid IN (SELECT rid FROM temp.cascade_agents WHERE revoked IS NULL) AND revoked_at IS NULL
                """).bind(r.at, r.reason, r.cause, version).run()
            let a = db.changes
            try db.prepare("""
                UPDATE credentials SET revoked_at = ?1, revoked_by = ?2, version = ?3, \(credentialDigest)
                WHERE rowid IN (SELECT rid FROM temp.cascade_credentials) AND revoked_at IS NULL
                """).bind(r.at, r.cause, version).run()
            return (a, db.changes)
        }
        try applyDigestSwaps()
        // Inside one write transaction nothing else moves; a mismatch means the plan is not what was done.
        guard revokedAgents == agents.count, revokedCredentials == credentials.count else {
            throw .io("cascade revoked \(revokedAgents) agents and \(revokedCredentials) credentials, planned \(agents.count) and \(credentials.count)")
        }
        try clearCascade()
        if agents.count + credentials.count >= Self.largeCascade { handOffCheckpoints() }
        return RevocationPlan(target: target, agents: agents, credentials: credentials, liveInstances: live)
    }

    private func clearCascade() throws(StoreError) {
        try db.run("DELETE FROM temp.cascade_agents")
        try db.run("DELETE FROM temp.cascade_credentials")
    }
}
