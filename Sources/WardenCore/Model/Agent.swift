/// An identity delegated by a principal or by another agent.
public struct Agent: Hashable, Sendable {
    public enum Status: String, Sendable { case active, revoked, expired }

    /// SPIFFE ID, e.g. `spiffe://acme.example/agent/triage-bot/7f3a`.
    public var id: String
    public var name: String
    /// The root principal of this agent's tree.
    public var principalID: String
    /// The delegating agent, or nil when the principal delegated directly.
    public var parentID: String?
    /// 1 for an agent delegated by a principal, parent's depth + 1 otherwise.
    public var depth: Int
    public var grant: ScopeSet
    public var createdAt: Timestamp
    public var expiresAt: Timestamp?
    public var revokedAt: Timestamp?
    public var revokeReason: String?
    /// The root of the revocation that revoked it: its own ID, or the agent or principal whose
    /// revocation cascaded to it. nil when not revoked (or unknown).
    public var revokedBy: String?
    /// False for an identity only seen in telemetry, never registered by an operator.
    public var registered: Bool

    public init(id: String, name: String, principalID: String, parentID: String?, depth: Int,
                grant: ScopeSet, createdAt: Timestamp, expiresAt: Timestamp?,
                revokedAt: Timestamp? = nil, revokeReason: String? = nil, registered: Bool = true, revokedBy: String? = nil) {
        self.id = id
        self.name = name
        self.principalID = principalID
        self.parentID = parentID
        self.depth = depth
        self.grant = grant
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.revokeReason = revokeReason
        self.registered = registered
        self.revokedBy = revokedBy
    }

    /// The delegator's ID: the parent agent, else the principal.
    public var delegatorID: String { parentID ?? principalID }
    public var isRevoked: Bool { revokedAt != nil }
    public func isExpired(at now: Timestamp) -> Bool { expiresAt.map { now >= $0 } ?? false }

    public func status(at now: Timestamp) -> Status {
        if isRevoked { return .revoked }
        return isExpired(at: now) ? .expired : .active
    }
}
