import WardenCore
import WardenStore

// Row writes shared by the rules' transaction and the cascade: inserts, and revocations
// stamped with one row version for the whole change.
extension PostgresStore {
    /// Inserts the principal; with `ifAbsent`, leaves an existing one alone. True when inserted.
    @discardableResult
    func insertPrincipal(_ p: Principal, ifAbsent: Bool) throws(StoreError) -> Bool {
        try connection.execute("""
            INSERT INTO principals(\(Self.principalColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7)
            \(ifAbsent ? "ON CONFLICT (id) DO NOTHING" : "")
            """, [p.id, p.kind.rawValue, p.name, p.scopes.description, p.status.rawValue, p.createdAt, p.disabledAt]) > 0
    }

    /// Inserts the agent (a revoked one names its cause, itself unless given); with `ifAbsent`,
    /// leaves an existing one alone. True when inserted.
    @discardableResult
    func insertAgent(_ a: Agent, ifAbsent: Bool) throws(StoreError) -> Bool {
        try connection.execute("""
            INSERT INTO agents(\(Self.agentColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            \(ifAbsent ? "ON CONFLICT (id) DO NOTHING" : "")
            """, [a.id, a.name, a.principalID, a.parentID, a.depth, a.grant.description, a.createdAt, a.expiresAt,
                  a.revokedAt, a.revokeReason, a.registered, a.revokedAt == nil ? nil : (a.revokedBy ?? a.id)]) > 0
    }

    /// Marks the named agents and credentials revoked, those not revoked yet, with one row version.
    func revokeRows(agents: [String], credentials: [String], _ r: Revocation) throws(StoreError) {
        let version = try nextRowVersion()
        if !agents.isEmpty {
            try connection.execute("""
                UPDATE agents SET revoked_at = $1, revoke_reason = $2, revoked_by = $3, version = $4
                WHERE id = ANY($5::text[]) AND revoked_at IS NULL
                """, [r.at, r.reason, r.cause, version, PGTextArray(agents)])
        }
        if !credentials.isEmpty {
            try connection.execute("""
                UPDATE credentials SET revoked_at = $1, revoked_by = $2, version = $3
                WHERE id = ANY($4::text[]) AND revoked_at IS NULL
                """, [r.at, r.cause, version, PGTextArray(credentials)])
        }
    }
}
