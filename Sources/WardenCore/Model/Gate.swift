/// A gate: the identity of a third-party gateway (an MCP gateway, an API gateway) that asks
/// Warden for decisions (AuthZEN) about agents' credentials. A gate authorizes nothing by itself:
/// its credentials are kept apart from agents' and are never a subject of rule 4.
public struct Gate: Hashable, Sendable {
    /// The gate's name, its ID (`warden gate add NAME`).
    public var name: String
    public var createdAt: Timestamp
    public var revokedAt: Timestamp?
    public var revokeReason: String?

    public init(name: String, createdAt: Timestamp, revokedAt: Timestamp? = nil, revokeReason: String? = nil) {
        self.name = name
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.revokeReason = revokeReason
    }

    public var isRevoked: Bool { revokedAt != nil }

    /// Same characters as an agent's name: letters, digits, '.', '_', '-', 1 to 64, no leading '.'.
    public static func validateName(_ name: String) throws(Identity.Invalid) {
        guard !name.isEmpty, name.utf8.count <= 64, name.utf8.allSatisfy(Identity.isSegmentByte), name.first != "." else {
            throw Identity.Invalid("gate name '\(name)' must be 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'")
        }
    }
}

/// A bearer credential of a gate (`warden token issue --gate NAME`): the same secret format and
/// hashing as an agent's, stored apart, only its SHA-256 kept.
public struct GateCredential: Hashable, Sendable {
    /// Public ID, `tok_…`.
    public var id: String
    public var gate: String
    public var issuedAt: Timestamp
    public var expiresAt: Timestamp?
    public var revokedAt: Timestamp?

    public init(id: String, gate: String, issuedAt: Timestamp, expiresAt: Timestamp?, revokedAt: Timestamp? = nil) {
        self.id = id
        self.gate = gate
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    public func isExpired(at now: Timestamp) -> Bool { expiresAt.map { now >= $0 } ?? false }
}

/// Who a gate credential is now: the gate may ask when it stands (`refusal` nil).
public struct GateAuthentication: Equatable, Sendable {
    public enum Refusal: String, Sendable {
        /// No gate credential has this secret.
        case unknown = "unknown_credential"
        case credentialRevoked = "credential_revoked"
        case gateRevoked = "gate_revoked"
        case credentialExpired = "credential_expired"
    }
    public var gate: String?
    public var credentialID: String?
    public var refusal: Refusal?

    public init(gate: String?, credentialID: String?, refusal: Refusal?) {
        self.gate = gate
        self.credentialID = credentialID
        self.refusal = refusal
    }

    public static let unknown = GateAuthentication(gate: nil, credentialID: nil, refusal: .unknown)

    /// Decides on the facts: revocation outranks expiry, as in rule 4.
    public static func decide(credential: GateCredential?, gateRevoked: Bool, now: Timestamp) -> GateAuthentication {
        guard let c = credential else { return .unknown }
        let refusal: Refusal? = c.revokedAt != nil ? .credentialRevoked
            : gateRevoked ? .gateRevoked
            : c.isExpired(at: now) ? .credentialExpired : nil
        return GateAuthentication(gate: c.gate, credentialID: c.id, refusal: refusal)
    }
}
