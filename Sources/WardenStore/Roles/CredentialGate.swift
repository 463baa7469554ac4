import WardenCore

/// What a credential's holder meets: the decision on each tool call (the proxy's and the hooks'
/// hot path), and renewal. Not operator actions, and `authorize` is not journaled.
public protocol CredentialGate: AnyObject {
    /// Rule 4, evaluated against the store now: the backend reads the chain's facts in one
    /// round trip and WardenCore decides.
    func authorize(secret: String, serverTool: String, now: Timestamp) throws(StoreError) -> AuthorizationOutcome
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
