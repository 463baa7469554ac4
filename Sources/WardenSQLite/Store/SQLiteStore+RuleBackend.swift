import WardenStore
import WardenCore

// The rules' backend interface in SQL: one write transaction is one `BEGIN IMMEDIATE`, and
// each row operation one or a few prepared statements. No rule is decided here.
extension SQLiteStore: RuleBackend {
    package func writeTransaction<T>(_ body: (SQLiteRuleTransaction) throws(StoreError) -> T) throws(StoreError) -> T {
        try write { () throws(StoreError) -> T in try body(SQLiteRuleTransaction(store: self)) }
    }

    package func readTransaction<T>(_ body: (SQLiteRuleTransaction) throws(StoreError) -> T) throws(StoreError) -> T {
        try db.read { () throws(StoreError) -> T in try body(SQLiteRuleTransaction(store: self)) }
    }
}

/// Rows inside this connection's current transaction.
package struct SQLiteRuleTransaction: RuleTransaction {
    let store: SQLiteStore
    private var db: Database { store.db }

    package func trustDomain() throws(StoreError) -> String { try store.trustDomain() }

    // MARK: Reads

    package func principal(_ id: String) throws(StoreError) -> Principal? { try store.principal(id) }
    package func agent(_ id: String) throws(StoreError) -> Agent? { try store.agent(id) }
    package func chain(of agentID: String) throws(StoreError) -> [Agent] { try store.chain(of: agentID) }
    package func credential(_ id: String) throws(StoreError) -> Credential? { try store.credential(id) }

    package func credential(secretHash: [UInt8]) throws(StoreError) -> Credential? {
        try store.hot(.credentialByHash).bind(secretHash).first { store.credentialRow($0) }
    }

    package func successor(of credentialID: String) throws(StoreError) -> String? {
        try db.prepare("SELECT id FROM credentials WHERE renewed_from = ? LIMIT 1").bind(credentialID).first { $0.string(0) }
    }

    package func instance(_ id: String) throws(StoreError) -> Instance? {
        try db.prepare("SELECT \(SQLiteStore.instanceColumns) FROM instances WHERE id = ?").bind(id).first { store.instanceRow($0) }
    }

    package func agents(named name: String, limit: Int) throws(StoreError) -> [(id: String, registered: Bool)] {
        try db.prepare("SELECT id, registered FROM agents WHERE name = ? ORDER BY registered DESC, rowid LIMIT ?")
            .bind(name, limit).all { ($0.string(0), $0.int(1) != 0) }
    }

    package func ids(startingWith prefix: String, of kind: IDTable, limit: Int) throws(StoreError) -> [String] {
        let table = kind == .agents ? "agents" : "credentials"
        return try db.prepare("SELECT id FROM \(table) WHERE id >= ? AND id < ? ORDER BY id LIMIT ?")
            .bind(prefix, prefix + "\u{10FFFF}", limit).all { $0.string(0) }
    }

    package func registeredAgentNames(startingWith prefix: String, limit: Int) throws(StoreError) -> [String] {
        try db.prepare("SELECT DISTINCT name FROM agents WHERE name >= ? AND name < ? AND registered = 1 ORDER BY name LIMIT ?")
            .bind(prefix, prefix + "\u{10FFFF}", limit).all { $0.string(0) }
    }

    package func liveRegisteredAgent(named name: String, at: Timestamp) throws(StoreError) -> String? {
        try db.prepare("""
            SELECT id FROM agents WHERE name = ? AND registered = 1 AND revoked_at IS NULL
                AND (expires_at IS NULL OR expires_at > ?) LIMIT 1
            """).bind(name, at).first { $0.string(0) }
    }

    package func subtree(of agentID: String) throws(StoreError) -> [NarrowingPlan.Node] { try store.subtreeNodes(agentID) }

    // MARK: Writes

    package func insert(_ principal: Principal) throws(StoreError) { try store.insertPrincipal(principal) }
    package func insert(_ agent: Agent) throws(StoreError) { try store.insertAgent(agent) }

    package func insert(_ credential: Credential, secretHash: [UInt8]) throws(StoreError) {
        try store.insertCredential(credential, secretHash: secretHash)
    }

    package func insert(_ i: Instance) throws(StoreError) {
        try db.prepare("INSERT INTO instances(\(SQLiteStore.instanceColumns)) VALUES (?,?,?,?,?,?,?)")
            .bind(i.id, i.agentID, i.host, i.pid, i.startedAt, i.lastHeartbeat, i.stoppedAt).run()
    }

    package func insertIfAbsent(_ p: Principal) throws(StoreError) -> Bool {
        try db.prepare("INSERT OR IGNORE INTO principals(\(SQLiteStore.principalColumns)) VALUES (?,?,?,?,?,?,?)")
            .bind(p.id, p.kind.rawValue, p.name, p.scopes.description, p.status.rawValue, p.createdAt, p.disabledAt).run()
        return db.changes > 0
    }

    package func insertIfAbsent(_ a: Agent) throws(StoreError) -> Bool {
        try db.prepare("INSERT OR IGNORE INTO agents(\(SQLiteStore.agentColumns), revoked_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
            .bind(a.id, a.name, a.principalID, a.parentID, a.depth, a.grant.description, a.createdAt,
                  a.expiresAt, a.revokedAt, a.revokeReason, a.registered,
                  a.revokedAt == nil ? nil : (a.revokedBy ?? a.id)).run()
        return db.changes > 0
    }

    package func disablePrincipal(_ id: String, at: Timestamp) throws(StoreError) {
        try db.prepare("UPDATE principals SET status = 'disabled', disabled_at = ? WHERE id = ?").bind(at, id).run()
    }

    package func setGrant(agentID: String, _ scopes: ScopeSet) throws(StoreError) {
        try db.prepare("UPDATE agents SET scopes = ? WHERE id = ?").bind(scopes.description, agentID).run()
    }

    package func setGrants(_ changes: [NarrowingPlan.Change]) throws(StoreError) { try store.narrowDescendants(changes) }

    package func setExpiry(credentialID: String, _ at: Timestamp) throws(StoreError) {
        try db.prepare("UPDATE credentials SET expires_at = ? WHERE id = ?").bind(at, credentialID).run()
    }

    package func revoke(agents: [String], credentials: [String], _ revocation: Revocation) throws(StoreError) {
        try store.revokeRows(agents: agents, credentials: credentials, revocation)
    }

    package func revokeSubtree(_ target: RevocationPlan.Target, _ revocation: Revocation,
                               liveSince: Timestamp) throws(StoreError) -> RevocationPlan {
        try store.cascade(target, revocation, liveSince: liveSince)
    }

    // MARK: Instances and telemetry

    package func heartbeat(instanceID: String, at: Timestamp) throws(StoreError) -> Bool {
        try store.heartbeat(instanceID: instanceID, at: at)
    }

    package func stop(instanceID: String, at: Timestamp) throws(StoreError) -> Bool { try store.stopInstance(instanceID, at: at) }

    package func upsertInstance(id: String, agentID: String, host: String, pid: Int64?, at: Timestamp) throws(StoreError) {
        try store.upsertInstance(id: id, agentID: agentID, host: host, pid: pid, at: at)
    }

    package func callWriter(session: TelemetrySession) throws(StoreError) -> TelemetryWriter {
        try TelemetryWriter(db: db, session: session)
    }

    package func addCallMinutes(_ counts: [CallMinute]) throws(StoreError) { try store.addCallMinutes(counts) }

    package func noteToolUse(_ usage: ToolUsageBatch) throws(StoreError) {
        try SQLiteStore.upsertToolUse(usage, db)
    }

    // MARK: Journal and digest

    package func journalHead() throws(StoreError) -> AuditHead? { try store.auditHead() }
    package func appendJournal(_ record: AuditRecord) throws(StoreError) { try store.insertAuditRecord(record) }

    package func journalRecords(afterSeq: Int64, limit: Int) throws(StoreError) -> [AuditRecord] {
        try store.auditRecords(afterSeq: afterSeq, limit: limit)
    }

    package func journalHash(seq: Int64) throws(StoreError) -> String? { try store.auditHash(seq: seq) }
    package func lastJournaledDigest() throws(StoreError) -> (seq: Int64, hex: String)? { try store.lastAuditDigest() }
    package func stateDigest() throws(StoreError) -> StateDigest? { try store.liveStateDigest() }

    package func stateDigestAtStart() throws(StoreError) -> StateDigest? {
        guard db.tracksStateDigest else { return nil }
        return db.digestAtBegin.flatMap { StateDigest(bytes: $0) }
    }
}
