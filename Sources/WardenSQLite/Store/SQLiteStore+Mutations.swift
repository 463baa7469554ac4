import WardenStore
import WardenCore

// Operator mutations. Each runs in one write transaction together with its audit record.
extension SQLiteStore {
    public func addPrincipal(id: String, kind: Principal.Kind, name: String, scopes: ScopeSet,
                             _ m: Mutation) throws(StoreError) -> Principal {
        do { try Identity.validatePrincipalID(id) } catch { throw .invalid(error.description) }
        if scopes.isEmpty { throw .invalid("a principal needs at least one scope") }
        let p = Principal(id: id, kind: kind, name: name, scopes: scopes, createdAt: m.now)
        return try write { () throws(StoreError) -> Principal in
            if try principal(id) != nil { throw .refused("principal '\(id)' already exists") }
            try insertPrincipal(p)
            try appendAudit(m, action: "principal.add", target: id, before: nil,
                            after: json(["kind": .string(kind.rawValue), "name": .string(name), "scopes": .strings(scopes.strings)]))
            return p
        }
    }

    func insertPrincipal(_ p: Principal) throws(StoreError) {
        try db.prepare("INSERT INTO principals(\(Self.principalColumns)) VALUES (?,?,?,?,?,?,?)")
            .bind(p.id, p.kind.rawValue, p.name, p.scopes.description, p.status.rawValue, p.createdAt, p.disabledAt).run()
    }

    public func disablePrincipal(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan {
        try write { () throws(StoreError) -> RevocationPlan in
            guard let p = try principal(id) else { throw .notFound("no principal '\(id)'") }
            if p.status == .disabled { throw .refused("principal '\(id)' is already disabled") }
            try db.prepare("UPDATE principals SET status = 'disabled', disabled_at = ? WHERE id = ?").bind(m.now, id).run()
            let plan = try cascade(.principal(id), m)
            try appendAudit(m, action: "principal.disable", target: id, before: json(["status": .string("active")]),
                            after: revocationSummary(plan, status: "disabled"))
            return plan
        }
    }

    public func registerAgent(name: String, delegator: String, scopes: ScopeSet, ttlMs: Int64?,
                              _ m: Mutation) throws(StoreError) -> Agent {
        do { try Identity.validateAgentName(name) } catch { throw .invalid(error.description) }
        return try write { () throws(StoreError) -> Agent in
            let td = try trustDomain()
            let authority = try activeAuthority(of: delegator, now: m.now)
            let expiry: Timestamp?
            do throws(Attenuation.Refusal) {
                expiry = try Attenuation.delegate(requested: scopes, requestedExpiry: ttlMs.map { m.now + $0 },
                                                  delegator: delegator, delegatorEffective: authority.effective,
                                                  delegatorExpiry: authority.expiry)
            } catch { throw .refused(error.description) }
            let id = try newAgentID(trustDomain: td, name: name)
            let agent = Agent(id: id, name: name, principalID: authority.principalID, parentID: authority.parentAgent,
                              depth: authority.depth + 1, grant: scopes, createdAt: m.now, expiresAt: expiry)
            try insertAgent(agent)
            try appendAudit(m, action: "agent.register", target: id, before: nil, after: json([
                "name": .string(name), "delegator": .string(delegator), "scopes": .strings(scopes.strings),
                "expires_at": .time(expiry),
            ]))
            return agent
        }
    }

    func insertAgent(_ a: Agent) throws(StoreError) {
        try db.prepare("INSERT INTO agents(\(Self.agentColumns), revoked_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
            .bind(a.id, a.name, a.principalID, a.parentID, a.depth, a.grant.description, a.createdAt,
                  a.expiresAt, a.revokedAt, a.revokeReason, a.registered,
                  a.revokedAt == nil ? nil : (a.revokedBy ?? a.id)).run()
    }

    /// A fresh SPIFFE ID: the name and four hex digits, longer if those collide.
    func newAgentID(trustDomain: String, name: String) throws(StoreError) -> String {
        for attempt in 0..<20 {
            let id = Identity.agentID(trustDomain: trustDomain, name: name, suffix: try Secrets.randomHex(bytes: attempt < 10 ? 2 : 4))
            if try agent(id) == nil { return id }
        }
        throw .io("could not find a free agent ID for '\(name)'")
    }

    /// What a principal or agent may hand down now; refuses an inactive delegator.
    struct Authority {
        var principalID: String
        var parentAgent: String?
        var depth: Int
        var effective: ScopeSet
        var expiry: Timestamp?
    }

    func activeAuthority(of id: String, now: Timestamp) throws(StoreError) -> Authority {
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

    public func issueCredential(agentID: String, ttlMs: Int64?, scopes requested: ScopeSet?, instanceID: String?,
                                _ m: Mutation) throws(StoreError) -> IssuedCredential {
        try write { () throws(StoreError) -> IssuedCredential in
            guard try agent(agentID) != nil else { throw .notFound("no agent '\(agentID)'") }
            let authority = try activeAuthority(of: agentID, now: m.now)
            // Without --ttl the default lifetime is cut to what the agent itself has left.
            var wanted = m.now + (ttlMs ?? Self.defaultCredentialTTLMs)
            if ttlMs == nil, let limit = authority.expiry { wanted = min(wanted, limit) }
            let grant = try agent(agentID)!.grant
            let scopes = requested ?? grant
            let expiry: Timestamp?
            do throws(Attenuation.Refusal) {
                expiry = try Attenuation.delegate(requested: requested ?? authority.effective, requestedExpiry: wanted,
                                                  delegator: agentID, delegatorEffective: authority.effective,
                                                  delegatorExpiry: authority.expiry)
            } catch { throw .refused(error.description) }
            if let instanceID {
                guard let inst = try db.prepare("SELECT agent_id, stopped_at FROM instances WHERE id = ?").bind(instanceID)
                    .first({ ($0.string(0), $0.optInt(1)) }) else { throw .notFound("no instance '\(instanceID)'") }
                if inst.0 != agentID { throw .refused("refused: instance '\(instanceID)' belongs to another agent") }
                if inst.1 != nil { throw .refused("refused: instance '\(instanceID)' has stopped") }
            }
            let secret = try Secrets.newSecret()
            let cred = Credential(id: Credential.idPrefix + (try Secrets.randomHex(bytes: 8)), agentID: agentID,
                                  instanceID: instanceID, scopes: scopes, issuedAt: m.now, expiresAt: expiry)
            try insertCredential(cred, secretHash: Secrets.sha256(secret))
            try appendAudit(m, action: "credential.issue", target: cred.id, before: nil, after: json([
                "agent": .string(agentID), "scopes": .strings(scopes.strings), "expires_at": .time(expiry),
                "instance": .optString(instanceID),
            ]))
            return IssuedCredential(credential: cred, secret: secret)
        }
    }

    /// Credentials live one hour unless asked otherwise: short-lived is the point.
    public static let defaultCredentialTTLMs: Int64 = 3_600_000

    func insertCredential(_ c: Credential, secretHash: [UInt8]) throws(StoreError) {
        try db.prepare("INSERT INTO credentials(id, agent_id, instance_id, secret_hash, scopes, issued_at, expires_at, revoked_at, revoked_by, renewed_from) VALUES (?,?,?,?,?,?,?,?,?,?)")
            .bind(c.id, c.agentID, c.instanceID, secretHash, c.scopes.description, c.issuedAt, c.expiresAt, c.revokedAt,
                  c.revokedAt == nil ? nil : (c.revokedBy ?? c.id), c.renewedFrom).run()
    }

    public func revokeAgent(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan {
        try write { () throws(StoreError) -> RevocationPlan in
            guard let a = try agent(id) else { throw .notFound("no agent '\(id)'") }
            if let at = a.revokedAt { throw .refused("agent '\(id)' was already revoked at \(UTC.rfc3339(at)); revocation is final") }
            let plan = try cascade(.agent(id), m)
            try appendAudit(m, action: "agent.revoke", target: id, before: json(["status": .string("active")]),
                            after: revocationSummary(plan, status: "revoked"))
            return plan
        }
    }

    public func revokeCredential(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan {
        try write { () throws(StoreError) -> RevocationPlan in
            guard let c = try credential(id) else { throw .notFound("no credential '\(id)'") }
            if let at = c.revokedAt { throw .refused("credential '\(id)' was already revoked at \(UTC.rfc3339(at))") }
            let plan = try revocationPlan(.credential(id), now: m.now)
            try apply(plan, m)
            try appendAudit(m, action: "credential.revoke", target: id, before: json(["status": .string("active")]),
                            after: json(["status": .string("revoked")]))
            return plan
        }
    }

    /// Marks every agent and credential of a plan revoked (inside the caller's transaction), row
    /// by row: for a single credential. Cascades go set-based through `cascade`. Each row
    /// records the plan's target as the cause of its revocation.
    func apply(_ plan: RevocationPlan, _ m: Mutation) throws(StoreError) {
        let cause = plan.target.id
        // One row version for the whole plan, set here, so the per-row version triggers stand
        // aside (they fire only when a row's version is left unchanged).
        try db.run("UPDATE row_version SET v = v + 1 WHERE id = 1")
        let version = try db.prepare("SELECT v FROM row_version WHERE id = 1").first { $0.int(0) } ?? 0
        let ua = try db.prepare("UPDATE agents SET revoked_at = ?, revoke_reason = ?, revoked_by = ?, version = ? WHERE id = ? AND revoked_at IS NULL")
        for id in plan.agents { try ua.bind(m.now, m.reason, cause, version, id).run() }
        let uc = try db.prepare("UPDATE credentials SET revoked_at = ?, revoked_by = ?, version = ? WHERE id = ? AND revoked_at IS NULL")
        for id in plan.credentials { try uc.bind(m.now, cause, version, id).run() }
    }

    func revocationSummary(_ plan: RevocationPlan, status: String) -> String {
        json(["status": .string(status), "agents_revoked": .strings(plan.agents),
              "credentials_revoked": .strings(plan.credentials), "live_instances": .int(plan.liveInstances)])
    }

    func json(_ members: KeyValuePairs<String, JSONValue>) -> String {
        JSONWriter.write(.object(members.map { ($0.key, $0.value) }), indent: false)
    }
}
