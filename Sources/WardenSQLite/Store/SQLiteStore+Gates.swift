import WardenStore
import WardenCore

// Gates' rows (the rules are `FleetRules+Gates`). Apart from agents' credentials, so the
// authorization path of agents reads nothing new.
extension SQLiteRuleTransaction {
    static let gateColumns = "id, created_at, revoked_at, revoke_reason"
    static let gateCredentialColumns = "id, gate_id, issued_at, expires_at, revoked_at"

    static func gateRow(_ s: Statement) -> Gate {
        Gate(name: s.string(0), createdAt: s.int(1), revokedAt: s.optInt(2), revokeReason: s.optString(3))
    }

    static func gateCredentialRow(_ s: Statement) -> GateCredential {
        GateCredential(id: s.string(0), gate: s.string(1), issuedAt: s.int(2), expiresAt: s.optInt(3), revokedAt: s.optInt(4))
    }

    package func gate(_ name: String) throws(StoreError) -> Gate? {
        try store.db.prepare("SELECT \(Self.gateColumns) FROM gates WHERE id = ?").bind(name).first(Self.gateRow)
    }

    package func gates() throws(StoreError) -> [Gate] {
        try store.db.prepare("SELECT \(Self.gateColumns) FROM gates ORDER BY id").all(Self.gateRow)
    }

    package func gateCredentials(gate: String?) throws(StoreError) -> [GateCredential] {
        let order = "ORDER BY issued_at, id"
        guard let gate else {
            return try store.db.prepare("SELECT \(Self.gateCredentialColumns) FROM gate_credentials \(order)").all(Self.gateCredentialRow)
        }
        return try store.db.prepare("SELECT \(Self.gateCredentialColumns) FROM gate_credentials WHERE gate_id = ? \(order)")
            .bind(gate).all(Self.gateCredentialRow)
    }

    package func gateCredential(secretHash: [UInt8]) throws(StoreError) -> (credential: GateCredential, gateRevoked: Bool)? {
        try store.db.prepare("""
            SELECT c.id, c.gate_id, c.issued_at, c.expires_at, c.revoked_at, g.revoked_at IS NOT NULL OR g.id IS NULL
            FROM gate_credentials c LEFT JOIN gates g ON g.id = c.gate_id WHERE c.secret_hash = ?
            """).bind(secretHash).first { (Self.gateCredentialRow($0), $0.int(5) != 0) }
    }

    package func insert(_ gate: Gate) throws(StoreError) {
        try store.db.prepare("INSERT INTO gates(\(Self.gateColumns)) VALUES (?,?,?,?)")
            .bind(gate.name, gate.createdAt, gate.revokedAt, gate.revokeReason).run()
    }

    package func insert(_ c: GateCredential, secretHash: [UInt8]) throws(StoreError) {
        try store.db.prepare("INSERT INTO gate_credentials(\(Self.gateCredentialColumns), secret_hash) VALUES (?,?,?,?,?,?)")
            .bind(c.id, c.gate, c.issuedAt, c.expiresAt, c.revokedAt, secretHash).run()
    }

    package func revokeGate(_ name: String, at: Timestamp, reason: String?) throws(StoreError) -> [String] {
        let ids = try store.db.prepare("SELECT id FROM gate_credentials WHERE gate_id = ? AND revoked_at IS NULL ORDER BY issued_at, id")
            .bind(name).all { $0.string(0) }
        try store.db.prepare("UPDATE gate_credentials SET revoked_at = ? WHERE gate_id = ? AND revoked_at IS NULL").bind(at, name).run()
        try store.db.prepare("UPDATE gates SET revoked_at = ?, revoke_reason = ? WHERE id = ?").bind(at, reason, name).run()
        return ids
    }

    package func revokeGateCredential(_ id: String, at: Timestamp) throws(StoreError) {
        try store.db.prepare("UPDATE gate_credentials SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").bind(at, id).run()
    }
}

extension SQLiteStore: GateIdentities, GateAuthenticating {
    public func addGate(name: String, _ m: Mutation) throws(StoreError) -> Gate { try rules.addGate(name: name, m) }
    public func gates() throws(StoreError) -> [Gate] { try rules.gates() }
    public func gateCredentials(gate: String?) throws(StoreError) -> [GateCredential] { try rules.gateCredentials(gate: gate) }
    public func revokeGate(name: String, _ m: Mutation) throws(StoreError) -> Gate { try rules.revokeGate(name: name, m) }
    public func issueGateCredential(gate: String, ttlMs: Int64?, _ m: Mutation) throws(StoreError) -> IssuedGateCredential {
        try rules.issueGateCredential(gate: gate, ttlMs: ttlMs, m)
    }
    public func revokeGateCredential(id: String, _ m: Mutation) throws(StoreError) -> GateCredential {
        try rules.revokeGateCredential(id: id, m)
    }
    public func gateCredential(matching ref: String) throws(StoreError) -> GateCredential? { try rules.gateCredential(matching: ref) }
    /// One statement (atomic by itself), no transaction around it: the decision API's hot path.
    public func authenticateGate(secret: String, now: Timestamp) throws(StoreError) -> GateAuthentication {
        let found = try SQLiteRuleTransaction(store: self).gateCredential(secretHash: Secrets.sha256(secret))
        return GateAuthentication.decide(credential: found?.credential, gateRevoked: found?.gateRevoked ?? false, now: now)
    }
}
