import WardenCore
import WardenStore

// Bulk loading for synthetic stores (benchmarks, scale tests), as the SQLite store's
// `bulkLoad`: a whole fleet and its call history in one rule write transaction, thousands of
// rows per statement, bypassing the per-item rule checks of the operator commands. The caller
// vouches for the shape (attenuation, IDs); secrets are still stored only as their SHA-256, and
// one journal record notes the load. Every row loaded carries one row version taken from the
// commit-ordered cursor (the triggers keep a version an insert brings), so readers of the
// change feed see the load as one change.
extension PostgresStore {
    /// What `bulkLoad` wrote.
    public struct BulkOutcome: Sendable {
        public var principals = 0
        public var agents = 0
        public var credentials = 0
        public var instances = 0
        public var calls = 0
    }

    /// Rows per statement: bounds the parameters' size, not a tuning knob.
    static let bulkChunk = 5_000

    /// Writes principals, agents (parents before children), instances, credentials (each with
    /// the secret its hash is computed from) and `callCount` tool calls made by `call(i)`, in one
    /// write transaction. Calls are recorded as `recordCalls` records them (cursor-numbered,
    /// per-minute counts, latest tool use).
    @discardableResult
    public func bulkLoad(principals: [Principal], agents: [Agent], credentials: [(credential: Credential, secret: String)],
                         instances: [Instance], callCount: Int, call: (Int) -> ToolCall,
                         operatorName: String = "bulk-load", now: Timestamp) throws(StoreError) -> BulkOutcome {
        try write { () throws(StoreError) -> BulkOutcome in
            let version = try nextRowVersion()
            var out = BulkOutcome()
            for part in Self.chunks(principals) {
                try connection.execute("""
                    INSERT INTO principals(\(Self.principalColumns), version)
                    SELECT *, $8 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[])
                    """, [PGTextArray(part.map(\.id)), PGTextArray(part.map(\.kind.rawValue)), PGTextArray(part.map(\.name)),
                          PGTextArray(part.map(\.scopes.description)), PGTextArray(part.map(\.status.rawValue)),
                          PGInt64Array(part.map(\.createdAt)), PGInt64Array(part.map(\.disabledAt)), version])
                out.principals += part.count
            }
            for part in Self.chunks(agents) {
                // In the given order, so `ord` (the order agents are listed in) follows it.
                try connection.execute("""
                    INSERT INTO agents(\(Self.agentColumns), version)
                    SELECT id, name, principal_id, parent_id, depth, scopes, created_at, expires_at, revoked_at, revoke_reason,
                           registered, revoked_by, $13
                    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::integer[], $6::text[], $7::bigint[],
                                $8::bigint[], $9::bigint[], $10::text[], $11::boolean[], $12::text[])
                        WITH ORDINALITY AS a(id, name, principal_id, parent_id, depth, scopes, created_at, expires_at, revoked_at,
                                             revoke_reason, registered, revoked_by, n)
                    ORDER BY n
                    """, [PGTextArray(part.map(\.id)), PGTextArray(part.map(\.name)), PGTextArray(part.map(\.principalID)),
                          PGTextArray(part.map(\.parentID)), PGInt64Array(part.map { Int64($0.depth) }),
                          PGTextArray(part.map(\.grant.description)), PGInt64Array(part.map(\.createdAt)),
                          PGInt64Array(part.map(\.expiresAt)), PGInt64Array(part.map(\.revokedAt)), PGTextArray(part.map(\.revokeReason)),
                          PGTextArray(part.map { $0.registered ? "t" : "f" }),
                          PGTextArray(part.map { $0.revokedAt == nil ? nil : ($0.revokedBy ?? $0.id) }), version])
                out.agents += part.count
            }
            for part in Self.chunks(instances) {
                try connection.execute("""
                    INSERT INTO instances(\(Self.instanceColumns), version)
                    SELECT id, agent_id, host, pid, started_at, last_heartbeat, stopped_at, $8
                    FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
                        WITH ORDINALITY AS i(id, agent_id, host, pid, started_at, last_heartbeat, stopped_at, n)
                    ORDER BY n
                    """, [PGTextArray(part.map(\.id)), PGTextArray(part.map(\.agentID)), PGTextArray(part.map(\.host)),
                          PGInt64Array(part.map(\.pid)), PGInt64Array(part.map(\.startedAt)), PGInt64Array(part.map(\.lastHeartbeat)),
                          PGInt64Array(part.map(\.stoppedAt)), version])
                out.instances += part.count
            }
            for part in Self.chunks(credentials) {
                let rows = part.map(\.credential)
                try connection.execute("""
                    INSERT INTO credentials(id, agent_id, instance_id, secret_hash, scopes, issued_at, expires_at, revoked_at,
                                            revoked_by, renewed_from, version)
                    SELECT id, agent_id, instance_id, decode(secret_hash, 'hex'), scopes, issued_at, expires_at, revoked_at,
                           revoked_by, renewed_from, $11
                    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[],
                                $9::text[], $10::text[])
                        WITH ORDINALITY AS c(id, agent_id, instance_id, secret_hash, scopes, issued_at, expires_at, revoked_at,
                                             revoked_by, renewed_from, n)
                    ORDER BY n
                    """, [PGTextArray(rows.map(\.id)), PGTextArray(rows.map(\.agentID)), PGTextArray(rows.map(\.instanceID)),
                          PGTextArray(part.map { Secrets.hex(Secrets.sha256($0.secret)) }), PGTextArray(rows.map(\.scopes.description)),
                          PGInt64Array(rows.map(\.issuedAt)), PGInt64Array(rows.map(\.expiresAt)), PGInt64Array(rows.map(\.revokedAt)),
                          PGTextArray(rows.map { $0.revokedAt == nil ? nil : ($0.revokedBy ?? $0.id) }),
                          PGTextArray(rows.map(\.renewedFrom)), version])
                out.credentials += part.count
            }
            var n = 0
            while n < callCount {
                let batch = (n..<min(callCount, n + Self.bulkChunk)).map(call)
                out.calls += try insertCalls(batch).count
                n += batch.count
            }
            try PostgresRuleTransaction(store: self, writing: true).journal(
                Mutation(operatorName: operatorName, now: now), action: "fleet.bulk_load", target: "fleet", before: nil,
                after: AuditPayload.json([
                    "principals": .int(out.principals), "agents": .int(out.agents), "credentials": .int(out.credentials),
                    "instances": .int(out.instances), "calls": .int(out.calls),
                ]))
            return out
        }
    }

    private static func chunks<T>(_ rows: [T]) -> [ArraySlice<T>] {
        stride(from: 0, to: rows.count, by: bulkChunk).map { rows[$0..<min(rows.count, $0 + bulkChunk)] }
    }
}
