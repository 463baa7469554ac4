import WardenCore
import WardenStore

// Row mapping: the columns each read selects, and the values built from them.
extension PostgresStore {
    static let principalColumns = "id, kind, name, scopes, status, created_at, disabled_at"
    static let agentColumns = "id, name, principal_id, parent_id, depth, scopes, created_at, expires_at, revoked_at, revoke_reason, registered, revoked_by"
    static let instanceColumns = "id, agent_id, host, pid, started_at, last_heartbeat, stopped_at"
    static let credentialColumns = "id, agent_id, instance_id, scopes, issued_at, expires_at, revoked_at, revoked_by, renewed_from"
    static let callColumns = "seq, at, agent_id, instance_id, credential_id, server, tool, decision, reason, duration_ms, result, args, via, mcp_session, client"
    static let auditColumns = "seq, at, operator, action, target, before, after, reason, prev_hash, hash, state_digest, claimed_by"

    func principalRow(_ r: PGRow) -> Principal {
        Principal(id: r.string(0), kind: Principal.Kind(rawValue: r.string(1)) ?? .human, name: r.string(2),
                  scopes: scopes(r.string(3)), status: Principal.Status(rawValue: r.string(4)) ?? .disabled,
                  createdAt: r.int64(5), disabledAt: r.optionalInt64(6))
    }

    func agentRow(_ r: PGRow, at o: Int = 0) -> Agent {
        Agent(id: r.string(o), name: r.string(o + 1), principalID: r.string(o + 2), parentID: r.optionalString(o + 3),
              depth: r.int(o + 4), grant: scopes(r.string(o + 5)), createdAt: r.int64(o + 6),
              expiresAt: r.optionalInt64(o + 7), revokedAt: r.optionalInt64(o + 8), revokeReason: r.optionalString(o + 9),
              registered: r.bool(o + 10), revokedBy: r.optionalString(o + 11))
    }

    func instanceRow(_ r: PGRow) -> Instance {
        Instance(id: r.string(0), agentID: r.string(1), host: r.string(2), pid: r.optionalInt64(3),
                 startedAt: r.int64(4), lastHeartbeat: r.int64(5), stoppedAt: r.optionalInt64(6))
    }

    func credentialRow(_ r: PGRow) -> Credential {
        Credential(id: r.string(0), agentID: r.string(1), instanceID: r.optionalString(2), scopes: scopes(r.string(3)),
                   issuedAt: r.int64(4), expiresAt: r.optionalInt64(5), revokedAt: r.optionalInt64(6),
                   revokedBy: r.optionalString(7), renewedFrom: r.optionalString(8))
    }

    func callRow(_ r: PGRow) -> ToolCall {
        ToolCall(seq: r.int64(0), at: r.int64(1), agentID: r.string(2), instanceID: r.optionalString(3),
                 credentialID: r.optionalString(4), server: r.string(5), tool: r.string(6),
                 decision: ToolCall.Decision(rawValue: r.string(7)) ?? .deny, reason: r.optionalString(8),
                 durationMs: r.optionalInt64(9), result: r.optionalString(10).flatMap(ToolCall.Result.init(rawValue:)),
                 args: r.optionalString(11), via: r.optionalString(12).flatMap(ToolCall.Via.init(rawValue:)),
                 session: r.optionalString(13), client: r.optionalString(14))
    }

    func auditRow(_ r: PGRow) -> AuditRecord {
        AuditRecord(seq: r.int64(0), at: r.int64(1), operatorName: r.string(2), action: r.string(3), target: r.string(4),
                    before: r.optionalString(5), after: r.optionalString(6), reason: r.optionalString(7),
                    prevHash: r.string(8), hash: r.string(9), stateDigest: r.optionalString(10), claimedBy: r.optionalString(11))
    }
}
