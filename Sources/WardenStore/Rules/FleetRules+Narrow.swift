import WardenCore

// Narrowing (rules 1 and 6): the agent's grant only loses members, and every descendant's grant
// is cut to its delegator's new effective scopes in the same transaction, with one journal
// record listing each change.
extension FleetRules {
    /// What `narrow` would do now: each affected agent's grant before and after. Changes nothing.
    package func narrowingPlan(agentID: String, _ change: Narrowing) throws(StoreError) -> NarrowingPlan {
        try backend.readTransaction { (tx: Backend.Transaction) throws(StoreError) -> NarrowingPlan in
            try plan(tx, agentID: agentID, change)
        }
    }

    package func narrow(agentID: String, _ change: Narrowing, _ m: Mutation) throws(StoreError) -> NarrowingPlan {
        try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> NarrowingPlan in
            let plan = try plan(tx, agentID: agentID, change)
            try tx.setGrant(agentID: agentID, plan.target.after)
            if !plan.descendants.isEmpty { try tx.setGrants(plan.descendants) }
            try tx.journal(m, action: "agent.narrow", target: agentID, before: AuditPayload.narrowing(plan, \.before),
                           after: AuditPayload.narrowing(plan, \.after))
            return plan
        }
    }

    /// Refuses what rule 1 refuses (a revoked agent, widening, an empty grant, no change), then
    /// plans the subtree.
    private func plan(_ tx: Backend.Transaction, agentID: String, _ change: Narrowing) throws(StoreError) -> NarrowingPlan {
        guard let a = try tx.agent(agentID) else { throw .notFound("no agent '\(agentID)'") }
        if a.isRevoked { throw .refused("refused: agent '\(agentID)' is revoked") }
        let after: ScopeSet
        do throws(Attenuation.Refusal) {
            switch change {
            case .drop(let d): after = try Attenuation.drop(d, from: a.grant)
            case .keep(let k): after = try Attenuation.keep(k, of: a.grant, agent: agentID)
            }
        } catch { throw .refused(error.description) }
        if after == a.grant { throw .refused("refused: the grant is already \(after)") }
        let above: ScopeSet
        if let parent = a.parentID { above = try tx.effectiveScopes(of: parent) } else { above = try tx.principal(a.principalID)?.scopes ?? .none }
        return NarrowingPlan.plan(nodes: try tx.subtree(of: agentID), newGrant: after, above: above)
    }
}
