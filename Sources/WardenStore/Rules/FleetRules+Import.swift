import WardenCore

// `warden import`: a validated fleet document applied in one transaction, or not at all.
// Principals first, then agents in document order (a parent before its children), each
// agent's instances and credentials after it.
extension FleetRules {
    package func importFleet(_ doc: FleetDocument, _ m: Mutation) throws(StoreError) -> ImportOutcome {
        try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> ImportOutcome in
            let td = try tx.trustDomain()
            if let want = doc.trustDomain, want != td {
                throw .invalid("trust_domain: the document is for '\(want)' but this store's trust domain is '\(td)'")
            }
            var outcome = ImportOutcome()
            var documentPrincipals = Set<String>()
            for p in doc.principals {
                if try tx.principal(p.id) != nil { throw .invalid("\(p.path).id: principal '\(p.id)' already exists in the store") }
                try tx.insert(Principal(id: p.id, kind: p.kind, name: p.name, scopes: p.scopes, createdAt: m.now))
                documentPrincipals.insert(p.id)
                outcome.principals += 1
            }
            // Per agent written so far, by document index: what its children inherit.
            var ids: [String] = []
            var expiries: [Timestamp?] = []
            var depths: [Int] = []
            var roots: [String] = []
            for spec in doc.agents {
                let parentIndex = spec.parent
                let principalID: String
                if let pi = parentIndex {
                    principalID = roots[pi]
                } else {
                    principalID = spec.principalID ?? ""
                    if !documentPrincipals.contains(principalID), try tx.principal(principalID) == nil {
                        throw .invalid("\(spec.path).by: no principal '\(principalID)' in the document or the store")
                    }
                }
                let id: String
                if let given = spec.id {
                    guard Identity.isAgentID(given, in: td) else {
                        throw .invalid("\(spec.path).id: '\(given)' is not an agent ID in trust domain '\(td)'")
                    }
                    if try tx.agent(given) != nil { throw .invalid("\(spec.path).id: agent '\(given)' already exists in the store") }
                    id = given
                } else {
                    id = try tx.newAgentID(trustDomain: td, name: spec.name)
                }
                // Imports record what exists: a grant wider than its delegator's is kept (findings flag
                // it) while effective scopes still clamp it.
                let parentExpiry = parentIndex.flatMap { expiries[$0] }
                let expiry = spec.ttlMs.map { m.now + $0 } ?? parentExpiry
                let depth = parentIndex.map { depths[$0] + 1 } ?? 1
                try tx.insert(Agent(id: id, name: spec.name, principalID: principalID, parentID: parentIndex.map { ids[$0] },
                                    depth: depth, grant: spec.scopes, createdAt: m.now, expiresAt: expiry))
                ids.append(id); expiries.append(expiry); depths.append(depth); roots.append(principalID)
                outcome.agents += 1
                for inst in spec.instances {
                    if try tx.instance(inst.id) != nil {
                        throw .invalid("\(inst.path).id: instance '\(inst.id)' already exists in the store")
                    }
                    try tx.insert(Instance(id: inst.id, agentID: id, host: inst.host, pid: inst.pid,
                                           startedAt: m.now, lastHeartbeat: m.now, stoppedAt: nil))
                    outcome.instances += 1
                }
                for c in spec.credentials {
                    var cid = c.id ?? ""
                    if cid.isEmpty { cid = try tx.newCredentialID() }
                    if try tx.credential(cid) != nil { throw .invalid("\(c.path).id: credential '\(cid)' already exists in the store") }
                    if let t = c.issuedAt, let problem = IssueTime.problem(t, now: m.now) {
                        throw .invalid("\(c.path).issued: \(problem); nothing was imported")
                    }
                    let issued = c.issuedAt ?? m.now
                    let secret: String
                    if let given = c.secret {
                        secret = given
                    } else {
                        secret = try Secrets.newSecret()
                        outcome.issuedSecrets.append((cid, id, secret))
                    }
                    let hash = Secrets.sha256(secret)
                    if try tx.credential(secretHash: hash) != nil {
                        throw .invalid("\(c.path).secret: this key is already registered in the store")
                    }
                    try tx.insert(Credential(id: cid, agentID: id, instanceID: c.instanceID, scopes: c.scopes ?? spec.scopes,
                                             issuedAt: issued, expiresAt: c.ttlMs.map { issued + $0 }), secretHash: hash)
                    outcome.credentials += 1
                }
            }
            try tx.journal(m, action: "fleet.import", target: "fleet", before: nil, after: AuditPayload.json([
                "principals": .int(outcome.principals), "agents": .int(outcome.agents),
                "credentials": .int(outcome.credentials), "instances": .int(outcome.instances),
            ]))
            return outcome
        }
    }
}
