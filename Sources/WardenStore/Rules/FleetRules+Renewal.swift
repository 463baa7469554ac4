import WardenCore

// `token renew`: the agent, not an operator, exchanges its credential. One write transaction
// reads the facts, lets WardenCore decide (`Renewal.plan`), issues the successor, shortens the
// old credential to the grace, and journals it with the agent as the actor.
extension FleetRules {
    package func renewCredential(secret: String, scopes: ScopeSet?, ttlMs: Int64?, policy: Policy,
                                 now: Timestamp, reason: String?) throws(StoreError) -> RenewedCredential {
        try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> RenewedCredential in
            guard let old = try tx.credential(secretHash: Secrets.sha256(secret)) else {
                throw .refused(Renewal.Refusal.denied(credential: nil, .unknownCredential).description)
            }
            let chain = try tx.chain(of: old.agentID)
            let principal = try chain.last.flatMap { a throws(StoreError) in try tx.principal(a.principalID) }
            let successor = try tx.successor(of: old.id)
            let plan: Renewal.Plan
            do throws(Renewal.Refusal) {
                plan = try Renewal.plan(credential: old, chain: chain, principal: principal, successor: successor,
                                        requestedScopes: scopes, requestedTTLMs: ttlMs, policy: policy, now: now)
            } catch { throw .refused(error.description) }
            let newSecret = try Secrets.newSecret()
            let cred = Credential(id: try tx.newCredentialID(), agentID: old.agentID, instanceID: old.instanceID,
                                  scopes: plan.scopes, issuedAt: now, expiresAt: plan.expiresAt, renewedFrom: old.id)
            try tx.insert(cred, secretHash: Secrets.sha256(newSecret))
            try tx.setExpiry(credentialID: old.id, plan.oldExpiresAt)
            // The agent renews itself: its ID is the journal's actor, never an operator's name.
            try tx.journal(Mutation(operatorName: old.agentID, now: now, reason: reason), action: "credential.renew",
                           target: cred.id,
                           before: AuditPayload.json(["credential": .string(old.id), "expires_at": .time(old.expiresAt)]),
                           after: AuditPayload.json([
                               "renewed_from": .string(old.id), "agent": .string(old.agentID),
                               "scopes": .strings(plan.scopes.strings), "expires_at": .time(plan.expiresAt),
                               "instance": .optString(old.instanceID), "old_expires_at": .time(plan.oldExpiresAt),
                           ]))
            return RenewedCredential(issued: IssuedCredential(credential: cred, secret: newSecret),
                                     renewedFrom: old.id, oldExpiresAt: plan.oldExpiresAt)
        }
    }
}
