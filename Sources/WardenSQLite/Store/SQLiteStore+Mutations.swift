import WardenStore
import WardenCore

// Operator mutations: the rules (`FleetRules`) decide and journal; this backend writes rows.
extension SQLiteStore {
    var rules: FleetRules<SQLiteStore> { FleetRules(self) }

    public func addPrincipal(id: String, kind: Principal.Kind, name: String, scopes: ScopeSet,
                             _ m: Mutation) throws(StoreError) -> Principal {
        try rules.addPrincipal(id: id, kind: kind, name: name, scopes: scopes, m)
    }

    public func disablePrincipal(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan {
        try rules.disablePrincipal(id, m)
    }

    public func registerAgent(name: String, delegator: String, scopes: ScopeSet, ttlMs: Int64?,
                              _ m: Mutation) throws(StoreError) -> Agent {
        try rules.registerAgent(name: name, delegator: delegator, scopes: scopes, ttlMs: ttlMs, m)
    }

    public func issueCredential(agentID: String, ttlMs: Int64?, scopes: ScopeSet?, instanceID: String?,
                                _ m: Mutation) throws(StoreError) -> IssuedCredential {
        try rules.issueCredential(agentID: agentID, ttlMs: ttlMs, scopes: scopes, instanceID: instanceID, m)
    }

    public func revokeAgent(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan {
        try rules.revokeAgent(id, m)
    }

    public func revokeCredential(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan {
        try rules.revokeCredential(id, m)
    }

    public func narrowingPlan(agentID: String, _ change: Narrowing) throws(StoreError) -> NarrowingPlan {
        try rules.narrowingPlan(agentID: agentID, change)
    }

    public func narrow(agentID: String, _ change: Narrowing, _ m: Mutation) throws(StoreError) -> NarrowingPlan {
        try rules.narrow(agentID: agentID, change, m)
    }

    public func importFleet(_ document: FleetDocument, _ m: Mutation) throws(StoreError) -> ImportOutcome {
        try rules.importFleet(document, m)
    }

    public func renewCredential(secret: String, scopes: ScopeSet?, ttlMs: Int64?, policy: Policy,
                                now: Timestamp, reason: String?) throws(StoreError) -> RenewedCredential {
        try rules.renewCredential(secret: secret, scopes: scopes, ttlMs: ttlMs, policy: policy, now: now, reason: reason)
    }

    public func applyTelemetry(_ events: [TelemetryEvent], session: TelemetrySession,
                               atomically: Bool) throws(StoreError) -> TelemetryOutcome {
        try rules.applyTelemetry(events, session: session, atomically: atomically)
    }

    public func verifyAudit(expectedHead: AuditHead? = nil) throws(StoreError) -> AuditVerification {
        try rules.verifyAudit(expectedHead: expectedHead)
    }

    // MARK: Rows

    func insertPrincipal(_ p: Principal) throws(StoreError) {
        try db.prepare("INSERT INTO principals(\(Self.principalColumns)) VALUES (?,?,?,?,?,?,?)")
            .bind(p.id, p.kind.rawValue, p.name, p.scopes.description, p.status.rawValue, p.createdAt, p.disabledAt).run()
    }

    func insertAgent(_ a: Agent) throws(StoreError) {
        try db.prepare("INSERT INTO agents(\(Self.agentColumns), revoked_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
            .bind(a.id, a.name, a.principalID, a.parentID, a.depth, a.grant.description, a.createdAt,
                  a.expiresAt, a.revokedAt, a.revokeReason, a.registered,
                  a.revokedAt == nil ? nil : (a.revokedBy ?? a.id)).run()
    }

    func insertCredential(_ c: Credential, secretHash: [UInt8]) throws(StoreError) {
        try db.prepare("INSERT INTO credentials(id, agent_id, instance_id, secret_hash, scopes, issued_at, expires_at, revoked_at, revoked_by, renewed_from) VALUES (?,?,?,?,?,?,?,?,?,?)")
            .bind(c.id, c.agentID, c.instanceID, secretHash, c.scopes.description, c.issuedAt, c.expiresAt, c.revokedAt,
                  c.revokedAt == nil ? nil : (c.revokedBy ?? c.id), c.renewedFrom).run()
    }

    /// Marks agents and credentials revoked row by row (inside the caller's transaction): for a
    /// single credential. Cascades go set-based through `cascade`.
    func revokeRows(agents: [String], credentials: [String], _ r: Revocation) throws(StoreError) {
        // One row version for the whole revocation, set here, so the per-row version triggers
        // stand aside (they fire only when a row's version is left unchanged).
        try db.run("UPDATE row_version SET v = v + 1 WHERE id = 1")
        let version = try db.prepare("SELECT v FROM row_version WHERE id = 1").first { $0.int(0) } ?? 0
        let ua = try db.prepare("UPDATE agents SET revoked_at = ?, revoke_reason = ?, revoked_by = ?, version = ? WHERE id = ? AND revoked_at IS NULL")
        for id in agents { try ua.bind(r.at, r.reason, r.cause, version, id).run() }
        let uc = try db.prepare("UPDATE credentials SET revoked_at = ?, revoked_by = ?, version = ? WHERE id = ? AND revoked_at IS NULL")
        for id in credentials { try uc.bind(r.at, r.cause, version, id).run() }
    }

    /// A journal payload (`AuditPayload.json`), for the records this backend writes itself.
    func json(_ members: KeyValuePairs<String, JSONValue>) -> String {
        AuditPayload.json(members)
    }
}
