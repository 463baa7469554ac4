import WardenCore

// Gates: each action checks its rules, then writes its rows and its journal record in one
// write transaction, as every operator action does.
extension FleetRules {
    package func addGate(name: String, _ m: Mutation) throws(StoreError) -> Gate {
        do { try Gate.validateName(name) } catch { throw .invalid(error.description) }
        return try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> Gate in
            if try tx.gate(name) != nil { throw .refused("gate '\(name)' already exists") }
            let gate = Gate(name: name, createdAt: m.now)
            try tx.insert(gate)
            try tx.journal(m, action: "gate.add", target: name, before: nil, after: AuditPayload.json(["status": .string("active")]))
            return gate
        }
    }

    package func gates() throws(StoreError) -> [Gate] {
        try backend.readTransaction { (tx: Backend.Transaction) throws(StoreError) -> [Gate] in try tx.gates() }
    }

    package func gateCredentials(gate: String?) throws(StoreError) -> [GateCredential] {
        try backend.readTransaction { (tx: Backend.Transaction) throws(StoreError) -> [GateCredential] in try tx.gateCredentials(gate: gate) }
    }

    /// The gate and every credential it holds fall together; revocation is final.
    package func revokeGate(name: String, _ m: Mutation) throws(StoreError) -> Gate {
        try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> Gate in
            guard var gate = try tx.gate(name) else { throw .notFound("no gate '\(name)'") }
            if let at = gate.revokedAt { throw .refused("gate '\(name)' was already revoked at \(UTC.rfc3339(at)); revocation is final") }
            let revoked = try tx.revokeGate(name, at: m.now, reason: m.reason)
            try tx.journal(m, action: "gate.revoke", target: name, before: AuditPayload.json(["status": .string("active")]),
                           after: AuditPayload.json(["status": .string("revoked"), "credentials_revoked": .strings(revoked)]))
            gate.revokedAt = m.now
            gate.revokeReason = m.reason
            return gate
        }
    }

    package func revokeGateCredential(id: String, _ m: Mutation) throws(StoreError) -> GateCredential {
        try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> GateCredential in
            guard var c = try tx.gateCredentials(gate: nil).first(where: { $0.id == id }) else { throw .notFound("no gate credential '\(id)'") }
            if let at = c.revokedAt { throw .refused("gate credential \(id) was already revoked at \(UTC.rfc3339(at)); revocation is final") }
            try tx.revokeGateCredential(id, at: m.now)
            try tx.journal(m, action: "gate.credential.revoke", target: id,
                           before: AuditPayload.json(["gate": .string(c.gate), "status": .string("active")]),
                           after: AuditPayload.json(["gate": .string(c.gate), "status": .string("revoked")]))
            c.revokedAt = m.now
            return c
        }
    }

    /// Gates hold a few credentials each: the match is made over the whole table.
    package func gateCredential(matching ref: String) throws(StoreError) -> GateCredential? {
        let all = try gateCredentials(gate: nil)
        if let exact = all.first(where: { $0.id == ref }) { return exact }
        guard IDReference.isCredentialPrefix(ref) else { return nil }
        let matched = all.filter { $0.id.hasPrefix(ref) }
        if matched.count > 1 { throw .ambiguous(ref, matched.map(\.id)) }
        return matched.first
    }

    /// A credential for a live gate. Without a TTL it lives as long as an agent's does by default.
    package func issueGateCredential(gate name: String, ttlMs: Int64?, _ m: Mutation) throws(StoreError) -> IssuedGateCredential {
        if let ttlMs, ttlMs <= 0 { throw .invalid("a gate credential's lifetime must be positive") }
        return try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> IssuedGateCredential in
            guard let gate = try tx.gate(name) else { throw .notFound("no gate '\(name)'") }
            if gate.isRevoked { throw .refused("refused: gate '\(name)' is revoked") }
            let secret = try Secrets.newSecret()
            let expiry = m.now + (ttlMs ?? RuleDefaults.credentialTTLMs)
            let cred = GateCredential(id: try tx.newCredentialID(), gate: name, issuedAt: m.now, expiresAt: expiry)
            try tx.insert(cred, secretHash: Secrets.sha256(secret))
            try tx.journal(m, action: "gate.credential.issue", target: cred.id, before: nil, after: AuditPayload.json([
                "gate": .string(name), "expires_at": .time(expiry),
            ]))
            return IssuedGateCredential(credential: cred, secret: secret)
        }
    }
}
