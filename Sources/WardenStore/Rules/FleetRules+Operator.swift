import WardenCore

// Operator mutations: each checks its rules, then writes its rows and its journal record in
// one write transaction.
extension FleetRules {
    package func addPrincipal(id: String, kind: Principal.Kind, name: String, scopes: ScopeSet,
                              _ m: Mutation) throws(StoreError) -> Principal {
        do { try Identity.validatePrincipalID(id) } catch { throw .invalid(error.description) }
        if scopes.isEmpty { throw .invalid("a principal needs at least one scope") }
        let p = Principal(id: id, kind: kind, name: name, scopes: scopes, createdAt: m.now)
        return try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> Principal in
            if try tx.principal(id) != nil { throw .refused("principal '\(id)' already exists") }
            try tx.insert(p)
            try tx.journal(m, action: "principal.add", target: id, before: nil, after: AuditPayload.json([
                "kind": .string(kind.rawValue), "name": .string(name), "scopes": .strings(scopes.strings),
            ]))
            return p
        }
    }

    /// Disables a principal and revokes its whole tree and their credentials.
    package func disablePrincipal(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan {
        try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> RevocationPlan in
            guard let p = try tx.principal(id) else { throw .notFound("no principal '\(id)'") }
            if p.status == .disabled { throw .refused("principal '\(id)' is already disabled") }
            try tx.disablePrincipal(id, at: m.now)
            let plan = try cascade(tx, .principal(id), m)
            try tx.journal(m, action: "principal.disable", target: id, before: AuditPayload.json(["status": .string("active")]),
                           after: AuditPayload.revocationSummary(plan, status: "disabled"))
            return plan
        }
    }

    /// Delegates a new agent from a principal or an agent (rule 1).
    package func registerAgent(name: String, delegator: String, scopes: ScopeSet, ttlMs: Int64?,
                               _ m: Mutation) throws(StoreError) -> Agent {
        do { try Identity.validateAgentName(name) } catch { throw .invalid(error.description) }
        return try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> Agent in
            let td = try tx.trustDomain()
            let authority = try tx.activeAuthority(of: delegator, now: m.now)
            let expiry: Timestamp?
            do throws(Attenuation.Refusal) {
                expiry = try Attenuation.delegate(requested: scopes, requestedExpiry: ttlMs.map { m.now + $0 },
                                                  delegator: delegator, delegatorEffective: authority.effective,
                                                  delegatorExpiry: authority.expiry)
            } catch { throw .refused(error.description) }
            let id = try tx.newAgentID(trustDomain: td, name: name)
            let agent = Agent(id: id, name: name, principalID: authority.principalID, parentID: authority.parentAgent,
                              depth: authority.depth + 1, grant: scopes, createdAt: m.now, expiresAt: expiry)
            try tx.insert(agent)
            try tx.journal(m, action: "agent.register", target: id, before: nil, after: AuditPayload.json([
                "name": .string(name), "delegator": .string(delegator), "scopes": .strings(scopes.strings),
                "expires_at": .time(expiry),
            ]))
            return agent
        }
    }

    /// Issues a credential; the secret in the result is never stored and never shown again.
    package func issueCredential(agentID: String, ttlMs: Int64?, scopes requested: ScopeSet?, instanceID: String?,
                                 _ m: Mutation) throws(StoreError) -> IssuedCredential {
        try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> IssuedCredential in
            guard let agent = try tx.agent(agentID) else { throw .notFound("no agent '\(agentID)'") }
            let authority = try tx.activeAuthority(of: agentID, now: m.now)
            // Without --ttl the default lifetime is cut to what the agent itself has left.
            var wanted = m.now + (ttlMs ?? RuleDefaults.credentialTTLMs)
            if ttlMs == nil, let limit = authority.expiry { wanted = min(wanted, limit) }
            let scopes = requested ?? agent.grant
            let expiry: Timestamp?
            do throws(Attenuation.Refusal) {
                expiry = try Attenuation.delegate(requested: requested ?? authority.effective, requestedExpiry: wanted,
                                                  delegator: agentID, delegatorEffective: authority.effective,
                                                  delegatorExpiry: authority.expiry)
            } catch { throw .refused(error.description) }
            if let instanceID {
                guard let inst = try tx.instance(instanceID) else { throw .notFound("no instance '\(instanceID)'") }
                if inst.agentID != agentID { throw .refused("refused: instance '\(instanceID)' belongs to another agent") }
                if inst.stoppedAt != nil { throw .refused("refused: instance '\(instanceID)' has stopped") }
            }
            let secret = try Secrets.newSecret()
            let cred = Credential(id: try tx.newCredentialID(), agentID: agentID, instanceID: instanceID, scopes: scopes,
                                  issuedAt: m.now, expiresAt: expiry)
            try tx.insert(cred, secretHash: Secrets.sha256(secret))
            try tx.journal(m, action: "credential.issue", target: cred.id, before: nil, after: AuditPayload.json([
                "agent": .string(agentID), "scopes": .strings(scopes.strings), "expires_at": .time(expiry),
                "instance": .optString(instanceID),
            ]))
            return IssuedCredential(credential: cred, secret: secret)
        }
    }

    /// Revokes an agent and its whole subtree and their credentials.
    package func revokeAgent(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan {
        try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> RevocationPlan in
            guard let a = try tx.agent(id) else { throw .notFound("no agent '\(id)'") }
            if let at = a.revokedAt { throw .refused("agent '\(id)' was already revoked at \(UTC.rfc3339(at)); revocation is final") }
            let plan = try cascade(tx, .agent(id), m)
            try tx.journal(m, action: "agent.revoke", target: id, before: AuditPayload.json(["status": .string("active")]),
                           after: AuditPayload.revocationSummary(plan, status: "revoked"))
            return plan
        }
    }

    package func revokeCredential(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan {
        try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> RevocationPlan in
            guard let c = try tx.credential(id) else { throw .notFound("no credential '\(id)'") }
            if let at = c.revokedAt { throw .refused("credential '\(id)' was already revoked at \(UTC.rfc3339(at))") }
            let plan = RevocationPlan(target: .credential(id), agents: [], credentials: [id], liveInstances: 0)
            try tx.revoke(agents: [], credentials: [id], Revocation(at: m.now, reason: m.reason, cause: id))
            try tx.journal(m, action: "credential.revoke", target: id, before: AuditPayload.json(["status": .string("active")]),
                           after: AuditPayload.json(["status": .string("revoked")]))
            return plan
        }
    }

    /// Rule 3: everything below the target falls with it, stamped now, the target as the cause.
    private func cascade(_ tx: Backend.Transaction, _ target: RevocationPlan.Target, _ m: Mutation) throws(StoreError) -> RevocationPlan {
        try tx.revokeSubtree(target, Revocation(at: m.now, reason: m.reason, cause: target.id),
                             liveSince: m.now - Instance.liveWindowMs)
    }
}
