/// Rule 1: what is handed down may only narrow.
public enum Attenuation {
    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        /// The requested scope the delegator does not hold.
        case scopeNotCovered(scope: String, delegator: String)
        case expiryExceedsDelegator(delegator: String, delegatorExpiry: Timestamp)
        case delegatorInactive(delegator: String, status: String)
        case nothingToDrop(scope: String)
        case emptyGrant

        public var description: String {
            switch self {
            case .scopeNotCovered(let s, let d):
                return "refused: scope '\(s)' is not covered by the effective scopes of \(d) (delegation may only narrow)"
            case .expiryExceedsDelegator(let d, let e):
                return "refused: expiry would exceed that of \(d) (\(UTC.rfc3339(e))); choose a shorter --ttl"
            case .delegatorInactive(let d, let s):
                return "refused: \(d) is \(s) and cannot delegate or be issued credentials"
            case .nothingToDrop(let s):
                return "refused: '\(s)' covers no scope of the grant; --drop removes whole grant members (use --keep to narrow a member)"
            case .emptyGrant:
                return "refused: the result would grant nothing; revoke the agent instead"
            }
        }
    }

    /// Checks a delegation and returns the expiry the new agent gets: the requested one, or the
    /// delegator's when none is requested.
    public static func delegate(requested: ScopeSet, requestedExpiry: Timestamp?,
                                delegator: String, delegatorEffective: ScopeSet,
                                delegatorExpiry: Timestamp?) throws(Refusal) -> Timestamp? {
        if let s = requested.uncovered(by: delegatorEffective) {
            throw .scopeNotCovered(scope: s.description, delegator: delegator)
        }
        if requested.isEmpty { throw .emptyGrant }
        guard let limit = delegatorExpiry else { return requestedExpiry }
        guard let wanted = requestedExpiry else { return limit }
        if wanted > limit { throw .expiryExceedsDelegator(delegator: delegator, delegatorExpiry: limit) }
        return wanted
    }

    /// The grant after `--drop LIST`: members covered by a dropped scope are removed.
    public static func drop(_ drop: ScopeSet, from grant: ScopeSet) throws(Refusal) -> ScopeSet {
        for d in drop.members where !grant.members.contains(where: { $0.isCovered(by: d) }) {
            throw .nothingToDrop(scope: d.description)
        }
        let result = grant.removing(drop)
        if result.isEmpty { throw .emptyGrant }
        return result
    }

    /// The grant after `--keep LIST`: exactly the kept scopes, each covered by the current grant.
    public static func keep(_ keep: ScopeSet, of grant: ScopeSet, agent: String) throws(Refusal) -> ScopeSet {
        if let s = keep.uncovered(by: grant) { throw .scopeNotCovered(scope: s.description, delegator: agent) }
        if keep.isEmpty { throw .emptyGrant }
        return keep
    }
}
