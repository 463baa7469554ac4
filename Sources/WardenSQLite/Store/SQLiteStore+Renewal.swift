import WardenStore
import WardenCore

// `token renew`: the agent, not an operator, exchanges its credential. One write transaction
// reads the facts, lets WardenCore decide (`Renewal.plan`), issues the successor, shortens the
// old credential to the grace, and journals it with the agent as the actor.
extension SQLiteStore {
    public func renewCredential(secret: String, scopes: ScopeSet?, ttlMs: Int64?, policy: Policy,
                                now: Timestamp, reason: String?) throws(StoreError) -> RenewedCredential {
        try write { () throws(StoreError) -> RenewedCredential in
            guard let old = try hot(.credentialByHash).bind(Secrets.sha256(secret)).first({ credentialRow($0) }) else {
                throw .refused(Renewal.Refusal.denied(credential: nil, .unknownCredential).description)
            }
            let chain = try self.chain(of: old.agentID)
            let principal = try chain.last.flatMap { a throws(StoreError) in try self.principal(a.principalID) }
            let successor = try db.prepare("SELECT id FROM credentials WHERE renewed_from = ? LIMIT 1").bind(old.id).first { $0.string(0) }
            let plan: Renewal.Plan
            do throws(Renewal.Refusal) {
                plan = try Renewal.plan(credential: old, chain: chain, principal: principal, successor: successor,
                                        requestedScopes: scopes, requestedTTLMs: ttlMs, policy: policy, now: now)
            } catch { throw .refused(error.description) }
            let newSecret = try Secrets.newSecret()
            let cred = Credential(id: Credential.idPrefix + (try Secrets.randomHex(bytes: 8)), agentID: old.agentID,
                                  instanceID: old.instanceID, scopes: plan.scopes, issuedAt: now, expiresAt: plan.expiresAt,
                                  renewedFrom: old.id)
            try insertCredential(cred, secretHash: Secrets.sha256(newSecret))
            try db.prepare("UPDATE credentials SET expires_at = ? WHERE id = ?").bind(plan.oldExpiresAt, old.id).run()
            // The agent renews itself: its ID is the journal's actor, never an operator's name.
            try appendAudit(Mutation(operatorName: old.agentID, now: now, reason: reason), action: "credential.renew",
                            target: cred.id,
                            before: json(["credential": .string(old.id), "expires_at": .time(old.expiresAt)]),
                            after: json([
                                "renewed_from": .string(old.id), "agent": .string(old.agentID),
                                "scopes": .strings(plan.scopes.strings), "expires_at": .time(plan.expiresAt),
                                "instance": .optString(old.instanceID), "old_expires_at": .time(plan.oldExpiresAt),
                            ]))
            return RenewedCredential(issued: IssuedCredential(credential: cred, secret: newSecret),
                                     renewedFrom: old.id, oldExpiresAt: plan.oldExpiresAt)
        }
    }
}
