import WardenCore

/// The rules above the backends: validation, ID minting, the journal's payloads and chain,
/// revocation, narrowing, renewal, import and telemetry identities. Every operator action runs
/// in one write transaction of `backend` together with its journal record; the backend only
/// reads and writes rows. Generic (not an existential) so a backend's calls are direct ones.
package struct FleetRules<Backend: RuleBackend> {
    package let backend: Backend

    package init(_ backend: Backend) {
        self.backend = backend
    }
}

/// Constants of the rules (a generic type cannot hold stored statics).
package enum RuleDefaults {
    /// Credentials live one hour unless asked otherwise: short-lived is the point.
    package static let credentialTTLMs: Int64 = 3_600_000
    /// The synthetic principal that unregistered agents seen in telemetry hang under.
    package static let unregisteredPrincipalID = "workload:unregistered"
    /// The SPIFFE ID suffix given to an unregistered agent seen only by name.
    package static let unregisteredSuffix = "unregistered"
    /// Agent ID suffixes tried before giving up: short ones first, longer if those collide.
    static let agentIDAttempts = 20
}

/// What a principal or agent may hand down now.
package struct Authority: Sendable {
    package var principalID: String
    package var parentAgent: String?
    package var depth: Int
    package var effective: ScopeSet
    package var expiry: Timestamp?
}

extension RuleTransaction {
    /// A fresh SPIFFE ID: the name and four hex digits, longer if those collide.
    package func newAgentID(trustDomain: String, name: String) throws(StoreError) -> String {
        for attempt in 0..<RuleDefaults.agentIDAttempts {
            let id = Identity.agentID(trustDomain: trustDomain, name: name, suffix: try Secrets.randomHex(bytes: attempt < 10 ? 2 : 4))
            if try agent(id) == nil { return id }
        }
        throw .io("could not find a free agent ID for '\(name)'")
    }

    /// A fresh credential ID (`tok_` and 16 hex digits).
    package func newCredentialID() throws(StoreError) -> String {
        Credential.idPrefix + (try Secrets.randomHex(bytes: 8))
    }

    /// What `id` (a principal or an agent) may hand down now; refuses an inactive delegator
    /// (disabled, revoked, expired, or under one that is).
    package func activeAuthority(of id: String, now: Timestamp) throws(StoreError) -> Authority {
        if let p = try principal(id) {
            if p.status != .active { throw .refused(Attenuation.Refusal.delegatorInactive(delegator: id, status: "disabled").description) }
            return Authority(principalID: id, parentAgent: nil, depth: 0, effective: p.scopes, expiry: nil)
        }
        let chain = try self.chain(of: id)
        guard let me = chain.first, let top = chain.last else { throw .notFound("no principal or agent '\(id)'") }
        if me.isRevoked { throw .refused(Attenuation.Refusal.delegatorInactive(delegator: id, status: "revoked").description) }
        if me.isExpired(at: now) { throw .refused(Attenuation.Refusal.delegatorInactive(delegator: id, status: "expired").description) }
        if let a = chain.dropFirst().first(where: { $0.isRevoked || $0.isExpired(at: now) }) {
            throw .refused("refused: \(id) is under \(a.id), which is \(a.isRevoked ? "revoked" : "expired")")
        }
        guard let p = try principal(top.principalID), p.status == .active else {
            throw .refused("refused: the principal \(top.principalID) of \(id) is disabled")
        }
        var eff = p.scopes
        var expiry: Timestamp?
        for a in chain.reversed() {
            eff = a.grant.intersection(eff)
            if let e = a.expiresAt { expiry = min(expiry ?? e, e) }
        }
        return Authority(principalID: p.id, parentAgent: id, depth: me.depth, effective: eff, expiry: expiry)
    }

    /// The agent's effective scopes: its chain's grants cut by its principal's scopes.
    package func effectiveScopes(of agentID: String) throws(StoreError) -> ScopeSet {
        let chain = try self.chain(of: agentID)
        guard let top = chain.last else { throw .notFound("no agent '\(agentID)'") }
        var eff = try principal(top.principalID)?.scopes ?? .none
        for a in chain.reversed() { eff = a.grant.intersection(eff) }
        return eff
    }

    /// Appends a journal record (`AuditJournal.append`).
    package func journal(_ m: Mutation, action: String, target: String, before: String?, after: String?,
                         checkDrift: Bool = true) throws(StoreError) {
        try AuditJournal.append(self, m, action: action, target: target, before: before, after: after, checkDrift: checkDrift)
    }
}

extension FleetRules {
    /// Checks the journal's hash chain in one consistent read.
    package func verifyAudit(expectedHead: AuditHead?) throws(StoreError) -> AuditVerification {
        try backend.readTransaction { (tx: Backend.Transaction) throws(StoreError) -> AuditVerification in
            try AuditJournal.verify(tx, expectedHead: expectedHead)
        }
    }
}
