/// A bearer credential issued to an agent. Only the secret's SHA-256 is ever stored.
public struct Credential: Hashable, Sendable {
    public enum Status: String, Sendable { case active, revoked, expired }

    /// Public ID, `tok_…`.
    public var id: String
    public var agentID: String
    public var instanceID: String?
    public var scopes: ScopeSet
    public var issuedAt: Timestamp
    /// nil for a credential with no expiry (an imported static API key).
    public var expiresAt: Timestamp?
    public var revokedAt: Timestamp?
    /// The root of the revocation that revoked it: its own ID, or the agent or principal whose
    /// revocation cascaded to it. nil when not revoked (or unknown).
    public var revokedBy: String?
    /// The credential this one was exchanged for by `token renew` (nil when an operator issued it).
    public var renewedFrom: String?

    public init(id: String, agentID: String, instanceID: String? = nil, scopes: ScopeSet,
                issuedAt: Timestamp, expiresAt: Timestamp?, revokedAt: Timestamp? = nil, revokedBy: String? = nil,
                renewedFrom: String? = nil) {
        self.id = id
        self.agentID = agentID
        self.instanceID = instanceID
        self.scopes = scopes
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.revokedBy = revokedBy
        self.renewedFrom = renewedFrom
    }

    public func isExpired(at now: Timestamp) -> Bool { expiresAt.map { now >= $0 } ?? false }

    public func status(at now: Timestamp) -> Status {
        if revokedAt != nil { return .revoked }
        return isExpired(at: now) ? .expired : .active
    }

    /// Static: no expiry, or a lifetime longer than policy allows. Allowed to exist so it can be flagged.
    public func isStatic(policy: Policy) -> Bool {
        guard let e = expiresAt else { return true }
        return e - issuedAt > policy.maxCredentialTTLMs
    }

    /// `isStatic`, also measuring the lifetime left from `now`: a key stamped as issued in the
    /// future with a short TTL still lives far longer than policy allows.
    public func isStatic(policy: Policy, now: Timestamp) -> Bool {
        guard let e = expiresAt else { return true }
        return max(e - issuedAt, e - now) > policy.maxCredentialTTLMs
    }

    /// The secret's prefix; the rest is 43 base64url characters (32 random bytes).
    public static let secretPrefix = "wdn_"
    public static let idPrefix = "tok_"

    /// Whether text has the shape of a Warden secret (used to refuse secrets where IDs belong).
    public static func looksLikeSecret(_ text: String) -> Bool {
        text.hasPrefix(secretPrefix) && text.utf8.count == secretPrefix.utf8.count + 43
    }
}
