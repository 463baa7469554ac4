import WardenCore
import WardenStore

/// The `--json` shapes. Field names are snake_case and stable; the README documents them.
/// Times are RFC 3339 UTC strings with milliseconds, or null.
enum JSONModels {
    static func scopes(_ s: ScopeSet) -> JSONValue { .strings(s.strings) }

    static func principal(_ p: Principal, agents: Int? = nil) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .string(p.id)),
            ("kind", .string(p.kind.rawValue)),
            ("name", .string(p.name)),
            ("status", .string(p.status.rawValue)),
            ("scopes", scopes(p.scopes)),
            ("created_at", .time(p.createdAt)),
            ("disabled_at", .time(p.disabledAt)),
        ]
        if let agents { fields.append(("agents", .int(agents))) }
        return .object(fields)
    }

    static func agent(_ a: Agent, effective: ScopeSet, now: Timestamp) -> JSONValue {
        .object(agentFields(a, effective: effective, now: now))
    }

    static func agentFields(_ a: Agent, effective: ScopeSet, now: Timestamp) -> [(String, JSONValue)] {
        [
            ("id", .string(a.id)),
            ("name", .string(a.name)),
            ("status", .string(a.status(at: now).rawValue)),
            ("principal_id", .string(a.principalID)),
            ("parent_id", .optString(a.parentID)),
            ("delegator_id", .string(a.delegatorID)),
            ("depth", .int(a.depth)),
            ("grant", scopes(a.grant)),
            ("effective_scopes", scopes(effective)),
            ("created_at", .time(a.createdAt)),
            ("expires_at", .time(a.expiresAt)),
            ("revoked_at", .time(a.revokedAt)),
            ("revoke_reason", .optString(a.revokeReason)),
            ("revoked_by", .optString(a.revokedBy)),
            ("registered", .bool(a.registered)),
        ]
    }

    static func instance(_ i: Instance, now: Timestamp) -> JSONValue {
        .object([
            ("id", .string(i.id)),
            ("agent_id", .string(i.agentID)),
            ("host", .string(i.host)),
            ("pid", .optInt(i.pid)),
            ("state", .string(i.state(at: now).rawValue)),
            ("started_at", .time(i.startedAt)),
            ("last_heartbeat", .time(i.lastHeartbeat)),
            ("stopped_at", .time(i.stoppedAt)),
        ])
    }

    static func credential(_ c: Credential, effective: ScopeSet?, now: Timestamp) -> JSONValue {
        .object([
            ("id", .string(c.id)),
            ("agent_id", .string(c.agentID)),
            ("instance_id", .optString(c.instanceID)),
            ("status", .string(c.status(at: now).rawValue)),
            ("scopes", scopes(c.scopes)),
            ("effective_scopes", effective.map(scopes) ?? .null),
            ("issued_at", .time(c.issuedAt)),
            ("expires_at", .time(c.expiresAt)),
            ("revoked_at", .time(c.revokedAt)),
            ("revoked_by", .optString(c.revokedBy)),
            ("renewed_from", .optString(c.renewedFrom)),
            ("static", .bool(c.isStatic(policy: .standard))),
        ])
    }

    static func call(_ c: ToolCall) -> JSONValue {
        .object([
            ("seq", .int(c.seq)),
            ("at", .time(c.at)),
            ("agent_id", .string(c.agentID)),
            ("instance_id", .optString(c.instanceID)),
            ("credential_id", .optString(c.credentialID)),
            ("server", .string(c.server)),
            ("tool", .string(c.tool)),
            ("decision", .string(c.decision.rawValue)),
            ("reason", .optString(c.reason)),
            ("duration_ms", .optInt(c.durationMs)),
            ("result", .optString(c.result?.rawValue)),
            ("args", .optString(c.args)),
            ("via", .optString(c.via?.rawValue)),
            ("session", .optString(c.session)),
            ("client", .optString(c.client)),
        ])
    }

    static func audit(_ r: AuditRecord) -> JSONValue {
        .object([
            ("seq", .int(r.seq)),
            ("at", .time(r.at)),
            ("operator", .string(r.operatorName)),
            // What the operator claimed (`--operator`) when the store names the login instead.
            ("claimed_by", .optString(r.claimedBy)),
            ("action", .string(r.action)),
            ("target", .string(r.target)),
            ("before", .optString(r.before)),
            ("after", .optString(r.after)),
            ("reason", .optString(r.reason)),
            ("prev_hash", .string(r.prevHash)),
            ("hash", .string(r.hash)),
        ])
    }

    static func head(_ h: AuditHead?) -> JSONValue {
        guard let h else { return .null }
        return .object([("seq", .int(h.seq)), ("hash", .string(h.hash))])
    }

    static func plan(_ p: RevocationPlan, action: String) -> JSONValue {
        let (kind, id): (String, String)
        switch p.target {
        case .agent(let a): (kind, id) = ("agent", a)
        case .principal(let a): (kind, id) = ("principal", a)
        case .credential(let a): (kind, id) = ("credential", a)
        }
        return .object([
            ("action", .string(action)),
            ("target_kind", .string(kind)),
            ("target_id", .string(id)),
            ("agents", .strings(p.agents)),
            ("credentials", .strings(p.credentials)),
            ("live_instances", .int(p.liveInstances)),
        ])
    }
}
