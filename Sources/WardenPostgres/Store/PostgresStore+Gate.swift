import WardenCore
import WardenStore

// The authorization path: one round trip returns every fact of the chain, WardenCore decides.
extension PostgresStore {
    /// The credential (kind 0), each link of its agent's chain from the agent up (kind 1, 2, …)
    /// and the top agent's principal (kind -1), as rows of one shape, in one statement (one
    /// snapshot: a cascade committing meanwhile is seen whole or not at all), and pinning's facts
    /// (kind -2: is the server known, is the tool's current definition approved, the policy for
    /// unknown servers), lookups by key.
    static let authorizeSQL = """
        WITH RECURSIVE cred AS (
            SELECT id, agent_id, instance_id, scopes, expires_at, revoked_at, revoked_by FROM credentials WHERE secret_hash = $1
        ), chain(n, id, parent_id, principal_id, scopes, expires_at, revoked_at, revoked_by) AS (
            SELECT 1, a.id, a.parent_id, a.principal_id, a.scopes, a.expires_at, a.revoked_at, a.revoked_by
            FROM agents a JOIN cred ON a.id = cred.agent_id
            UNION ALL
            SELECT c.n + 1, a.id, a.parent_id, a.principal_id, a.scopes, a.expires_at, a.revoked_at, a.revoked_by
            FROM chain c JOIN agents a ON a.id = c.parent_id WHERE c.n < 1000000
        ), top AS (SELECT principal_id FROM chain ORDER BY n DESC LIMIT 1)
        SELECT 0, id, agent_id, instance_id, scopes, expires_at, revoked_at, revoked_by FROM cred
        UNION ALL
        SELECT n, id, parent_id, principal_id, scopes, expires_at, revoked_at, revoked_by FROM chain
        UNION ALL
        SELECT -1, p.id, p.status, NULL, p.scopes, p.disabled_at, NULL, NULL FROM principals p JOIN top ON p.id = top.principal_id
        UNION ALL
        SELECT -2, (SELECT (first_seen_at IS NOT NULL)::text FROM tool_servers WHERE id = $2),
               (SELECT (p.gone_at IS NULL AND EXISTS (SELECT 1 FROM tool_decisions d
                    WHERE d.id = p.id || '#' || p.hash AND d.verdict = 'approved'))::text FROM tool_pins p WHERE p.id = $3),
               (SELECT value FROM tool_settings WHERE id = 'unknown_servers'),
               (SELECT version FROM governed_state WHERE id = 1)::text, NULL, NULL, NULL
        ORDER BY 1
        """

    public func authorize(secret: String, serverTool: String, now: Timestamp) throws(StoreError) -> AuthorizationOutcome {
        guard let (server, tool) = Authorization.splitTool(serverTool) else {
            throw .invalid("tool '\(serverTool)' must be SERVER/TOOL")
        }
        let (c, pin, _) = try facts(secret: secret, server: String(server), serverTool: serverTool, now: now)
        return AuthorizationOutcome(decision: c.standing.decide(server: server, tool: tool, pin: pin),
                                    credentialID: c.credentialID, agentID: c.agentID, instanceID: c.instanceID)
    }

    /// One round trip for the version; on a miss, a second for the facts, which reads the
    /// version again in the facts' own snapshot (one statement) and is stamped with that.
    public func authorize(secret: String, serverTool: String, now: Timestamp,
                          reuse: (GovernanceVersion) -> AuthorizationOutcome?) throws(StoreError) -> VersionedOutcome {
        guard let (server, tool) = Authorization.splitTool(serverTool) else {
            throw .invalid("tool '\(serverTool)' must be SERVER/TOOL")
        }
        if let v = try governanceVersion(), let kept = reuse(v) {
            return VersionedOutcome(outcome: kept, version: v, reused: true)
        }
        let (c, pin, version) = try facts(secret: secret, server: String(server), serverTool: serverTool, now: now)
        let outcome = AuthorizationOutcome(decision: c.standing.decide(server: server, tool: tool, pin: pin),
                                           credentialID: c.credentialID, agentID: c.agentID, instanceID: c.instanceID)
        return VersionedOutcome(outcome: outcome, version: version.map { GovernanceVersion(counter: $0) },
                                stableFrom: c.standing.stableFrom, stableUntil: c.standing.stableUntil)
    }

    public func governanceVersion() throws(StoreError) -> GovernanceVersion? {
        let rows = try connection.query("SELECT version FROM governed_state WHERE id = 1")
        guard rows.rowCount == 1, let v = rows[0].optionalInt64(0) else { return nil }
        return GovernanceVersion(counter: v)
    }

    /// The same statement with no tool: its pin row reads nothing, and is not used.
    public func standing(secret: String, now: Timestamp) throws(StoreError) -> CredentialStanding {
        try facts(secret: secret, server: "", serverTool: "", now: now).standing
    }

    /// The chain's facts, decided without the tool, and the tool's pin facts, in one round trip.
    private func facts(secret: String, server: String, serverTool: String,
                       now: Timestamp) throws(StoreError) -> (standing: CredentialStanding, pin: ToolPinFacts, version: Int64?) {
        let rows = try connection.query(Self.authorizeSQL, [Secrets.sha256(secret), server, serverTool])
        // Rows come pin facts (-2), principal (-1), credential (0), then the links in order.
        var principal: PGRow?
        var credential: PGRow?
        var links: [Authorization.Link] = []
        var pin = ToolPinFacts.unpinned
        var version: Int64?
        for i in 0..<rows.rowCount {
            let r = rows[i]
            switch r.int(0) {
            case -2:
                pin = ToolPinFacts(serverKnown: r.optionalString(1) == "true", toolApproved: r.optionalString(2) == "true",
                                   unknownServers: r.optionalString(3).map { UnknownServerPolicy(rawValue: $0) ?? .deny } ?? .allow)
                version = r.optionalString(4).flatMap { Int64($0) }
            case -1: principal = r
            case 0: credential = r
            default:
                let revokedAt = r.optionalInt64(6)
                links.append(Authorization.Link(grant: scopes(r.string(4)), expiresAt: r.optionalInt64(5), revokedAt: revokedAt,
                                                id: revokedAt == nil ? nil : r.string(1),
                                                revokedBy: revokedAt == nil ? nil : r.optionalString(7)))
            }
        }
        guard let credential else {
            return (CredentialStanding(standing: .unknownCredential, credentialID: nil, agentID: nil, instanceID: nil), pin, version)
        }
        var principalDisabledAt: Timestamp?
        var principalID: String?
        var activePrincipalScopes: ScopeSet?
        if let p = principal, !links.isEmpty {
            // A status other than 'active' reads as disabled, as `principalRow` reads it.
            if p.string(2) == Principal.Status.active.rawValue {
                activePrincipalScopes = scopes(p.string(4))
            } else {
                principalDisabledAt = p.optionalInt64(5) ?? 0
                principalID = p.string(1)
            }
        }
        let credentialID = credential.string(1)
        let standing = Authorization.Standing(credentialScopes: scopes(credential.string(4)),
                                              credentialExpiresAt: credential.optionalInt64(5),
                                              credentialRevokedAt: credential.optionalInt64(6), credentialID: credentialID,
                                              credentialRevokedBy: credential.optionalString(7), chain: links,
                                              principalDisabledAt: principalDisabledAt, principalID: principalID,
                                              activePrincipalScopes: activePrincipalScopes, now: now)
        return (CredentialStanding(standing: standing, credentialID: credentialID, agentID: credential.string(2),
                                   instanceID: credential.optionalString(3)), pin, version)
    }
}
