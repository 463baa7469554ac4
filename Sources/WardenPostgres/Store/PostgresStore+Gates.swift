import WardenCore
import WardenStore

// Gates' rows (the rules are `FleetRules+Gates`). Apart from agents' credentials, so the
// authorization path of agents reads nothing new.
extension PostgresRuleTransaction {
    static let gateColumns = "id, created_at, revoked_at, revoke_reason"
    static let gateCredentialColumns = "id, gate_id, issued_at, expires_at, revoked_at"

    static func gateRow(_ r: PGRow) -> Gate {
        Gate(name: r.string(0), createdAt: r.int64(1), revokedAt: r.optionalInt64(2), revokeReason: r.optionalString(3))
    }

    static func gateCredentialRow(_ r: PGRow) -> GateCredential {
        GateCredential(id: r.string(0), gate: r.string(1), issuedAt: r.int64(2), expiresAt: r.optionalInt64(3), revokedAt: r.optionalInt64(4))
    }

    package func gate(_ name: String) throws(StoreError) -> Gate? {
        try store.connection.query("SELECT \(Self.gateColumns) FROM gates WHERE id = $1", [name]).first(Self.gateRow)
    }

    package func gates() throws(StoreError) -> [Gate] {
        try store.connection.query("SELECT \(Self.gateColumns) FROM gates ORDER BY id COLLATE \"C\"").map(Self.gateRow)
    }

    package func gateCredentials(gate: String?) throws(StoreError) -> [GateCredential] {
        let order = "ORDER BY issued_at, id COLLATE \"C\""
        guard let gate else {
            return try store.connection.query("SELECT \(Self.gateCredentialColumns) FROM gate_credentials \(order)").map(Self.gateCredentialRow)
        }
        return try store.connection.query("SELECT \(Self.gateCredentialColumns) FROM gate_credentials WHERE gate_id = $1 \(order)", [gate])
            .map(Self.gateCredentialRow)
    }

    package func gateCredential(secretHash: [UInt8]) throws(StoreError) -> (credential: GateCredential, gateRevoked: Bool)? {
        try store.connection.query("""
            SELECT c.id, c.gate_id, c.issued_at, c.expires_at, c.revoked_at, g.revoked_at IS NOT NULL OR g.id IS NULL
            FROM gate_credentials c LEFT JOIN gates g ON g.id = c.gate_id WHERE c.secret_hash = $1
            """, [secretHash]).first { (Self.gateCredentialRow($0), $0.bool(5)) }
    }

    package func insert(_ gate: Gate) throws(StoreError) {
        try store.connection.execute("INSERT INTO gates(\(Self.gateColumns)) VALUES ($1, $2, $3, $4)",
                                     [gate.name, gate.createdAt, gate.revokedAt, gate.revokeReason])
    }

    package func insert(_ c: GateCredential, secretHash: [UInt8]) throws(StoreError) {
        try store.connection.execute("INSERT INTO gate_credentials(\(Self.gateCredentialColumns), secret_hash) VALUES ($1, $2, $3, $4, $5, $6)",
                                     [c.id, c.gate, c.issuedAt, c.expiresAt, c.revokedAt, secretHash])
    }

    package func revokeGate(_ name: String, at: Timestamp, reason: String?) throws(StoreError) -> [String] {
        let ids = try store.connection.query("""
            UPDATE gate_credentials SET revoked_at = $1 WHERE gate_id = $2 AND revoked_at IS NULL RETURNING id
            """, [at, name]).map { $0.string(0) }.sorted()
        try store.connection.execute("UPDATE gates SET revoked_at = $1, revoke_reason = $2 WHERE id = $3", [at, reason, name])
        return ids
    }

    package func revokeGateCredential(_ id: String, at: Timestamp) throws(StoreError) {
        try store.connection.execute("UPDATE gate_credentials SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", [at, id])
    }
}

extension PostgresStore: GateIdentities, GateAuthenticating {
    public func addGate(name: String, _ m: Mutation) throws(StoreError) -> Gate {
        try permitted("add gates") { () throws(StoreError) in try rules.addGate(name: name, m) }
    }
    public func gates() throws(StoreError) -> [Gate] { try rules.gates() }
    public func gateCredentials(gate: String?) throws(StoreError) -> [GateCredential] { try rules.gateCredentials(gate: gate) }
    public func revokeGate(name: String, _ m: Mutation) throws(StoreError) -> Gate {
        try permitted("revoke gates") { () throws(StoreError) in try rules.revokeGate(name: name, m) }
    }
    public func issueGateCredential(gate: String, ttlMs: Int64?, _ m: Mutation) throws(StoreError) -> IssuedGateCredential {
        try permitted("issue gate credentials") { () throws(StoreError) in try rules.issueGateCredential(gate: gate, ttlMs: ttlMs, m) }
    }
    public func revokeGateCredential(id: String, _ m: Mutation) throws(StoreError) -> GateCredential {
        try permitted("revoke gate credentials") { () throws(StoreError) in try rules.revokeGateCredential(id: id, m) }
    }
    public func gateCredential(matching ref: String) throws(StoreError) -> GateCredential? { try rules.gateCredential(matching: ref) }
    /// One statement, one round trip: the decision API's hot path.
    public func authenticateGate(secret: String, now: Timestamp) throws(StoreError) -> GateAuthentication {
        let found = try PostgresRuleTransaction(store: self, writing: false).gateCredential(secretHash: Secrets.sha256(secret))
        return GateAuthentication.decide(credential: found?.credential, gateRevoked: found?.gateRevoked ?? false, now: now)
    }
}
