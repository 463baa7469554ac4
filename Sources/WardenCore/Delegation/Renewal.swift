/// `token renew`: an agent exchanges its live credential for a new one, without an operator.
/// What the new one may be is decided here, on the facts the store read in its transaction.
public enum Renewal {
    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        /// The credential or a link of its chain does not stand (the decision's reason).
        case denied(credential: String?, Authorization.Reason)
        /// No expiry, or a lifetime beyond policy: a static key is replaced by an operator.
        case staticCredential(String)
        /// Already exchanged once: a credential renews into exactly one successor.
        case alreadyRenewed(credential: String, into: String)
        case scopeNotHeld(scope: String, credential: String)
        case emptyScopes
        case ttlExceedsOriginal(requested: Int64, original: Int64)
        case ttlNotPositive

        /// The decision's reason when the chain was refused (what `--json` and tests look for).
        public var reason: Authorization.Reason? {
            if case .denied(_, let r) = self { return r }
            return nil
        }

        public var description: String {
            switch self {
            case .denied(let c, let r):
                return "refused: \(c ?? "the credential") cannot be renewed: \(r.rawValue)"
            case .staticCredential(let c):
                return "refused: \(c) is a static credential (no expiry, or a lifetime beyond policy); an operator must issue a short-lived one"
            case .alreadyRenewed(let c, let n):
                return "refused: \(c) was already renewed into \(n); renew that one"
            case .scopeNotHeld(let s, let c):
                return "refused: scope '\(s)' is not held by \(c) (a renewal may only keep or narrow)"
            case .emptyScopes:
                return "refused: --scopes would leave the credential no scope"
            case .ttlExceedsOriginal(let r, let o):
                return "refused: --ttl \(DurationText.canonical(r)) is longer than the lifetime of the credential being renewed (\(DurationText.canonical(o)))"
            case .ttlNotPositive:
                return "refused: --ttl must be positive"
            }
        }
    }

    /// The new credential's scopes and expiry, and the old one's shortened expiry.
    public struct Plan: Equatable, Sendable {
        public var scopes: ScopeSet
        public var expiresAt: Timestamp
        public var oldExpiresAt: Timestamp
    }

    /// Decides a renewal of `credential` (its agent's chain as `Authorization.decide` takes it).
    /// Refused unless the credential and every link stand now (the same reasons, in the same
    /// order, as a decision), the credential is short-lived and not already renewed. The new
    /// lifetime is the one asked for, else the original's; never longer than the original's
    /// (which is within policy's maximum, or the credential is static and refused), and cut to
    /// the earliest expiry up the chain. The old credential keeps
    /// `policy.renewGraceMs` (never more than it had left). Both limits are the stricter of
    /// `policy` and the built-in defaults (`Policy.boundedForRenewal`).
    public static func plan(credential: Credential, chain: [Agent], principal: Principal?, successor: String?,
                            requestedScopes: ScopeSet?, requestedTTLMs: Int64?, policy: Policy,
                            now: Timestamp) throws(Refusal) -> Plan {
        let policy = policy.boundedForRenewal
        if let reason = Authorization.standingDenial(credential: credential, chain: chain, principal: principal, now: now) {
            throw .denied(credential: credential.id, reason)
        }
        guard let oldExpiry = credential.expiresAt, !credential.isStatic(policy: policy, now: now) else {
            throw .staticCredential(credential.id)
        }
        if let successor { throw .alreadyRenewed(credential: credential.id, into: successor) }
        let original = oldExpiry - credential.issuedAt
        let ttl = requestedTTLMs ?? original
        if ttl <= 0 { throw .ttlNotPositive }
        if ttl > original { throw .ttlExceedsOriginal(requested: ttl, original: original) }
        let scopes = requestedScopes ?? credential.scopes
        if let s = scopes.uncovered(by: credential.scopes) { throw .scopeNotHeld(scope: s.description, credential: credential.id) }
        if scopes.isEmpty { throw .emptyScopes }
        var expiry = now + ttl
        for a in chain { if let e = a.expiresAt { expiry = min(expiry, e) } }
        return Plan(scopes: scopes, expiresAt: expiry, oldExpiresAt: min(oldExpiry, now + max(0, policy.renewGraceMs)))
    }
}
