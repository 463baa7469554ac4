import WardenCore

/// Column lists and row decoders for what the change feed and the activity paths return, in the
/// SQLite store's column order.
enum PostgresRows {
    static let principalColumns = "id, kind, name, scopes, status, created_at, disabled_at"
    static let agentColumns = "id, name, principal_id, parent_id, depth, scopes, created_at, expires_at, revoked_at, revoke_reason, registered, revoked_by"
    static let credentialColumns = "id, agent_id, instance_id, scopes, issued_at, expires_at, revoked_at, revoked_by, renewed_from"
    static let instanceColumns = "id, agent_id, host, pid, started_at, last_heartbeat, stopped_at"
    static let callColumns = "seq, at, agent_id, instance_id, credential_id, server, tool, decision, reason, duration_ms, result, args"

    /// Stored lists were validated on the way in; an unparsable one grants nothing.
    static func scopes(_ text: String) -> ScopeSet { (try? ScopeSet(parsing: text)) ?? .none }

    static func principal(_ r: PGRow) -> Principal {
        Principal(id: r.string(0), kind: Principal.Kind(rawValue: r.string(1)) ?? .human, name: r.string(2),
                  scopes: scopes(r.string(3)), status: Principal.Status(rawValue: r.string(4)) ?? .disabled,
                  createdAt: r.int64(5), disabledAt: r.optionalInt64(6))
    }

    static func agent(_ r: PGRow) -> Agent {
        Agent(id: r.string(0), name: r.string(1), principalID: r.string(2), parentID: r.optionalString(3),
              depth: r.int(4), grant: scopes(r.string(5)), createdAt: r.int64(6),
              expiresAt: r.optionalInt64(7), revokedAt: r.optionalInt64(8), revokeReason: r.optionalString(9),
              registered: r.bool(10), revokedBy: r.optionalString(11))
    }

    static func credential(_ r: PGRow) -> Credential {
        Credential(id: r.string(0), agentID: r.string(1), instanceID: r.optionalString(2), scopes: scopes(r.string(3)),
                   issuedAt: r.int64(4), expiresAt: r.optionalInt64(5), revokedAt: r.optionalInt64(6),
                   revokedBy: r.optionalString(7), renewedFrom: r.optionalString(8))
    }

    static func instance(_ r: PGRow) -> Instance {
        Instance(id: r.string(0), agentID: r.string(1), host: r.string(2), pid: r.optionalInt64(3),
                 startedAt: r.int64(4), lastHeartbeat: r.int64(5), stoppedAt: r.optionalInt64(6))
    }

    static func call(_ r: PGRow) -> ToolCall {
        ToolCall(seq: r.int64(0), at: r.int64(1), agentID: r.string(2), instanceID: r.optionalString(3),
                 credentialID: r.optionalString(4), server: r.string(5), tool: r.string(6),
                 decision: ToolCall.Decision(rawValue: r.string(7)) ?? .deny, reason: r.optionalString(8),
                 durationMs: r.optionalInt64(9), result: r.optionalString(10).flatMap(ToolCall.Result.init(rawValue:)),
                 args: r.optionalString(11))
    }
}
