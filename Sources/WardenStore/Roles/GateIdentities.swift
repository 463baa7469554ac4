import WardenCore

/// Gates: identities of third-party gateways that ask for decisions (AuthZEN) and may do nothing
/// else. Operator actions, journaled in the same transaction as the change (`gate.add`,
/// `gate.revoke`, `gate.credential.issue`); gates and their credentials are governed state.
public protocol GateIdentities: AnyObject {
    func addGate(name: String, _ m: Mutation) throws(StoreError) -> Gate
    /// By name.
    func gates() throws(StoreError) -> [Gate]
    /// One gate's credentials (all gates' when nil), by issue time.
    func gateCredentials(gate: String?) throws(StoreError) -> [GateCredential]
    /// Revokes the gate and every credential it holds, in one transaction. Final.
    func revokeGate(name: String, _ m: Mutation) throws(StoreError) -> Gate
    /// Revokes one credential of a gate (rotating: issue the new one first), leaving the gate
    /// and its other credentials standing. Final.
    func revokeGateCredential(id: String, _ m: Mutation) throws(StoreError) -> GateCredential
    /// The gate credential `ref` names: its full ID, or a unique prefix by the rule agents'
    /// credentials follow (`tok_` and at least 6 more characters); nil when none matches.
    func gateCredential(matching ref: String) throws(StoreError) -> GateCredential?
    /// Issues a credential to a live gate; the secret in the result is never stored.
    func issueGateCredential(gate: String, ttlMs: Int64?, _ m: Mutation) throws(StoreError) -> IssuedGateCredential
}

/// What the gate purpose needs to know of a caller of the decision API: which gate a secret
/// belongs to, and whether it stands now. One lookup by the secret's hash; agents' decisions
/// never read it.
public protocol GateAuthenticating: AnyObject {
    func authenticateGate(secret: String, now: Timestamp) throws(StoreError) -> GateAuthentication
}

public struct IssuedGateCredential: Sendable {
    public let credential: GateCredential
    /// `wdn_…`: shown once.
    public let secret: String
    public init(credential: GateCredential, secret: String) {
        self.credential = credential
        self.secret = secret
    }
}
