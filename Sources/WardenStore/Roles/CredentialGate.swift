import WardenCore

/// What a credential's holder meets: the decision on each tool call (the proxy's and the hooks'
/// hot path), and renewal. Not operator actions, and `authorize` is not journaled.
public protocol CredentialGate: AnyObject {
    /// Rule 4, evaluated against the store now: the backend reads the chain's facts in one
    /// round trip and WardenCore decides.
    func authorize(secret: String, serverTool: String, now: Timestamp) throws(StoreError) -> AuthorizationOutcome
    /// `authorize` for `DecisionCache`: in one snapshot, the governance version first, handed
    /// to `reuse`; when it answers, that is the outcome and no facts are read; otherwise the
    /// facts, decided, with the version and the chain's span without expiries.
    func authorize(secret: String, serverTool: String, now: Timestamp,
                   reuse: (GovernanceVersion) -> AuthorizationOutcome?) throws(StoreError) -> VersionedOutcome
    /// The governance version now (`GovernanceVersion`); nil when the store keeps none.
    func governanceVersion() throws(StoreError) -> GovernanceVersion?
    /// The same facts as `authorize` reads, but the tool's: the chain decided once for a whole
    /// `tools/list` (one read, then `Authorization.Standing.decide` per tool).
    func standing(secret: String, now: Timestamp) throws(StoreError) -> CredentialStanding
    /// An agent exchanges its live credential (given by its secret) for a new one: same or
    /// narrower scopes, no longer-lived, bound to the same instance; the old one expires after
    /// `policy.renewGraceMs`. Refused with the decision's reason when the credential or its chain
    /// does not stand. Journaled (`credential.renew`) with the agent's ID as the actor.
    func renewCredential(secret: String, scopes: ScopeSet?, ttlMs: Int64?, policy: Policy,
                         now: Timestamp, reason: String?) throws(StoreError) -> RenewedCredential
}

extension CredentialGate {
    /// A store that keeps no governance version: every decision is read afresh, never reused.
    public func authorize(secret: String, serverTool: String, now: Timestamp,
                          reuse: (GovernanceVersion) -> AuthorizationOutcome?) throws(StoreError) -> VersionedOutcome {
        VersionedOutcome(outcome: try authorize(secret: secret, serverTool: serverTool, now: now), version: nil)
    }

    public func governanceVersion() throws(StoreError) -> GovernanceVersion? { nil }
}
