import WardenCore
import WardenStore

// Operator actions: the rules (`FleetRules`) decide and journal; this backend writes rows.
extension PostgresStore {
    public func addPrincipal(id: String, kind: Principal.Kind, name: String, scopes: ScopeSet,
                             _ m: Mutation) throws(StoreError) -> Principal {
        try permitted("add principals") { () throws(StoreError) in
            try rules.addPrincipal(id: id, kind: kind, name: name, scopes: scopes, m)
        }
    }

    public func disablePrincipal(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan {
        try permitted("disable principals") { () throws(StoreError) in
            try rules.disablePrincipal(id, m)
        }
    }

    public func registerAgent(name: String, delegator: String, scopes: ScopeSet, ttlMs: Int64?,
                              _ m: Mutation) throws(StoreError) -> Agent {
        try permitted("register agents") { () throws(StoreError) in
            try rules.registerAgent(name: name, delegator: delegator, scopes: scopes, ttlMs: ttlMs, m)
        }
    }

    public func issueCredential(agentID: String, ttlMs: Int64?, scopes: ScopeSet?, instanceID: String?,
                                _ m: Mutation) throws(StoreError) -> IssuedCredential {
        try permitted("issue credentials") { () throws(StoreError) in
            try rules.issueCredential(agentID: agentID, ttlMs: ttlMs, scopes: scopes, instanceID: instanceID, m)
        }
    }

    public func revokeAgent(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan {
        try permitted("revoke") { () throws(StoreError) in
            try rules.revokeAgent(id, m)
        }
    }

    public func revokeCredential(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan {
        try permitted("revoke") { () throws(StoreError) in
            try rules.revokeCredential(id, m)
        }
    }

    public func narrow(agentID: String, _ change: Narrowing, _ m: Mutation) throws(StoreError) -> NarrowingPlan {
        try permitted("change an agent's scopes") { () throws(StoreError) in
            try rules.narrow(agentID: agentID, change, m)
        }
    }

    public func importFleet(_ document: FleetDocument, _ m: Mutation) throws(StoreError) -> ImportOutcome {
        try permitted("import a fleet") { () throws(StoreError) in
            try rules.importFleet(document, m)
        }
    }

    public func renewCredential(secret: String, scopes: ScopeSet?, ttlMs: Int64?, policy: Policy,
                                now: Timestamp, reason: String?) throws(StoreError) -> RenewedCredential {
        try permitted("renew credentials") { () throws(StoreError) in
            try rules.renewCredential(secret: secret, scopes: scopes, ttlMs: ttlMs, policy: policy, now: now, reason: reason)
        }
    }

    /// After an operator has looked into a drift: every governed row is rehashed and the sum
    /// rebuilt from the tables as they are, journaled with what differed (`audit accept-drift`).
    public func acceptStateDrift(_ m: Mutation) throws(StoreError) -> StateCheck {
        try permitted("accept drift") { () throws(StoreError) in
            try acceptDrift(m)
        }
    }

    private func acceptDrift(_ m: Mutation) throws(StoreError) -> StateCheck {
        let check = try verifyState()
        guard case .drifted(let since, let rows, let detail) = check else {
            throw .refused(check.isConsistent ? "the governed state matches the journal; there is no drift to accept" : check.summary)
        }
        try write { () throws(StoreError) in
            let before = try keptDigest()
            try rebuildDigest()
            let after = try keptDigest()
            try PostgresRuleTransaction(store: self, writing: true).journal(
                m, action: "state.accept_drift", target: "store",
                before: AuditPayload.json(["since_record": .int(since), "digest": before.map { JSONValue.string($0.hex) } ?? JSONValue.null,
                                           "rows": .array(rows.prefix(200).map { .string($0) }), "detail": .string(detail)]),
                after: AuditPayload.json(["digest": JSONValue.string((after ?? .zero).hex)]),
                checkDrift: false)
        }
        return try verifyState()
    }

    /// Rehashes every governed row and sets the kept sum to what the tables add up to.
    private func rebuildDigest() throws(StoreError) {
        var sums: [String] = []
        for (table, _, _) in GovernedState.tables {
            // The row trigger stores each row's hash as it is now.
            try connection.run("UPDATE \(table) SET digest = NULL")
            sums.append("(SELECT warden_digest_sum(array_agg(digest)) FROM \(table))")
        }
        try connection.run("UPDATE governed_state SET digest = warden_digest_step(\(sums.joined(separator: " + ")), 0, 0) WHERE id = 1")
    }
}
