import WardenStore
import WardenCore

// Row mapping and read queries.
extension SQLiteStore {
    static let principalColumns = "id, kind, name, scopes, status, created_at, disabled_at"
    static let agentColumns = "id, name, principal_id, parent_id, depth, scopes, created_at, expires_at, revoked_at, revoke_reason, registered"
    /// What `agentRow` reads: the inserted columns and the revocation's cause.
    static let agentSelectColumns = agentColumns + ", revoked_by"
    static let instanceColumns = "id, agent_id, host, pid, started_at, last_heartbeat, stopped_at"
    static let credentialColumns = "id, agent_id, instance_id, scopes, issued_at, expires_at, revoked_at, revoked_by, renewed_from"
    static let callColumns = "seq, at, agent_id, instance_id, credential_id, server, tool, decision, reason, duration_ms, result, args, via, mcp_session, client"
    /// The same for a file an older Warden wrote, opened read-only (not migrated).
    static let callColumnsBeforeOrigin = "seq, at, agent_id, instance_id, credential_id, server, tool, decision, reason, duration_ms, result, args, NULL, NULL, NULL"
    static let auditColumns = "seq, at, operator, action, target, before, after, reason, prev_hash, hash, state_digest, claimed_by"
    static let auditColumnsBeforeDigest = "seq, at, operator, action, target, before, after, reason, prev_hash, hash, NULL, NULL"
    static let auditColumnsBeforeClaim = "seq, at, operator, action, target, before, after, reason, prev_hash, hash, state_digest, NULL"

    func principalRow(_ s: Statement) -> Principal {
        Principal(id: sharedText(s, 0), kind: Principal.Kind(rawValue: s.string(1)) ?? .human, name: s.string(2),
                  scopes: scopes(s.string(3)), status: Principal.Status(rawValue: s.string(4)) ?? .disabled,
                  createdAt: s.int(5), disabledAt: s.optInt(6))
    }

    func agentRow(_ s: Statement, at o: Int32 = 0) -> Agent {
        // Principals and grants repeat across agents: shared, not decoded per row.
        Agent(id: s.string(o), name: s.string(o + 1), principalID: sharedText(s, o + 2), parentID: s.optString(o + 3),
              depth: Int(s.int(o + 4)), grant: s.bytes(o + 5).map { scopes(bytes: $0) } ?? scopes(""), createdAt: s.int(o + 6),
              expiresAt: s.optInt(o + 7), revokedAt: s.optInt(o + 8), revokeReason: s.optString(o + 9),
              registered: s.int(o + 10) != 0, revokedBy: s.optString(o + 11))
    }

    func instanceRow(_ s: Statement) -> Instance {
        Instance(id: s.string(0), agentID: s.string(1), host: s.string(2), pid: s.optInt(3),
                 startedAt: s.int(4), lastHeartbeat: s.int(5), stoppedAt: s.optInt(6))
    }

    func credentialRow(_ s: Statement) -> Credential {
        // Scopes repeat across credentials as across agents: found by their bytes, no string made.
        Credential(id: s.string(0), agentID: s.string(1), instanceID: s.optString(2),
                   scopes: s.bytes(3).map { scopes(bytes: $0) } ?? scopes(""),
                   issuedAt: s.int(4), expiresAt: s.optInt(5), revokedAt: s.optInt(6), revokedBy: s.optString(7),
                   renewedFrom: s.optString(8))
    }

    func callRow(_ s: Statement) -> ToolCall {
        ToolCall(seq: s.int(0), at: s.int(1), agentID: s.string(2), instanceID: s.optString(3),
                 credentialID: s.optString(4), server: s.string(5), tool: s.string(6),
                 decision: ToolCall.Decision(rawValue: s.string(7)) ?? .deny, reason: s.optString(8),
                 durationMs: s.optInt(9), result: s.optString(10).flatMap(ToolCall.Result.init(rawValue:)),
                 args: s.optString(11), via: s.optString(12).flatMap(ToolCall.Via.init(rawValue:)),
                 session: s.optString(13), client: s.optString(14))
    }

    /// The call columns this file has.
    func callSelectColumns() throws(StoreError) -> String {
        try userVersion() < Migrations.callOriginVersion ? Self.callColumnsBeforeOrigin : Self.callColumns
    }

    func auditRow(_ s: Statement) -> AuditRecord {
        AuditRecord(seq: s.int(0), at: s.int(1), operatorName: s.string(2), action: s.string(3), target: s.string(4),
                    before: s.optString(5), after: s.optString(6), reason: s.optString(7),
                    prevHash: s.string(8), hash: s.string(9), stateDigest: s.optString(10), claimedBy: s.optString(11))
    }

    public func principals() throws(StoreError) -> [Principal] {
        try db.prepare("SELECT \(Self.principalColumns) FROM principals ORDER BY id").all { principalRow($0) }
    }

    public func principal(_ id: String) throws(StoreError) -> Principal? {
        try hot(.principalByID).bind(id).first { principalRow($0) }
    }

    public func agents() throws(StoreError) -> [Agent] {
        try db.prepare("SELECT \(Self.agentSelectColumns) FROM agents ORDER BY rowid").all { agentRow($0) }
    }

    /// `agents_principal` holds (principal_id, rowid): the order comes with the index.
    public func agents(ofPrincipal principalID: String) throws(StoreError) -> [Agent] {
        try db.prepare("SELECT \(Self.agentSelectColumns) FROM agents WHERE principal_id = ? ORDER BY rowid")
            .bind(principalID).all { agentRow($0) }
    }

    /// Agents are never deleted, so the largest rowid bounds their number (read from the b-tree's end).
    public func agentCountBound() throws(StoreError) -> Int {
        try db.prepare("SELECT max(rowid) FROM agents").first { Int($0.int(0)) } ?? 0
    }

    public func agent(_ id: String) throws(StoreError) -> Agent? {
        try hot(.agentByID).bind(id).first { agentRow($0) }
    }

    /// The chain, one primary-key lookup per link (cheaper than a recursive query for the
    /// usual few links, and a loop, not recursion, for a chain 10,000 deep).
    public func chain(of agentID: String) throws(StoreError) -> [Agent] {
        let lookup = try hot(.agentByID)
        var out: [Agent] = []
        var seen = Set<String>()
        var next: String? = agentID
        while let id = next {
            guard let a = try lookup.bind(id).first({ agentRow($0) }) else { break }
            out.append(a)
            next = a.parentID
            // A cycle cannot be written through the store; guard against a damaged file anyway.
            if out.count > 64 { guard seen.insert(id).inserted else { break } }
        }
        return out
    }

    public func effectiveScopes(of agentID: String) throws(StoreError) -> ScopeSet {
        let chain = try self.chain(of: agentID)
        guard let top = chain.last else { throw .notFound("no agent '\(agentID)'") }
        var eff = try principal(top.principalID)?.scopes ?? .none
        for a in chain.reversed() { eff = a.grant.intersection(eff) }
        return eff
    }

    public func instances(agentID: String?) throws(StoreError) -> [Instance] {
        if let agentID {
            return try db.prepare("SELECT \(Self.instanceColumns) FROM instances WHERE agent_id = ? ORDER BY started_at")
                .bind(agentID).all { instanceRow($0) }
        }
        return try db.prepare("SELECT \(Self.instanceColumns) FROM instances ORDER BY rowid").all { instanceRow($0) }
    }

    public func credentials(agentID: String?) throws(StoreError) -> [Credential] {
        if let agentID {
            return try db.prepare("SELECT \(Self.credentialColumns) FROM credentials WHERE agent_id = ? ORDER BY issued_at")
                .bind(agentID).all { credentialRow($0) }
        }
        return try db.prepare("SELECT \(Self.credentialColumns) FROM credentials ORDER BY rowid").all { credentialRow($0) }
    }

    public func credential(_ id: String) throws(StoreError) -> Credential? {
        try db.prepare("SELECT \(Self.credentialColumns) FROM credentials WHERE id = ?").bind(id).first { credentialRow($0) }
    }

    /// Newest first.
    public func calls(_ q: CallQuery) throws(StoreError) -> [ToolCall] {
        var sql = "SELECT \(try callSelectColumns()) FROM tool_calls WHERE seq > ?"
        if q.agentID != nil { sql += " AND agent_id = ?" }
        if q.deniedOnly { sql += " AND decision = 'deny'" }
        if q.via != nil { sql += " AND via = ?" }
        sql += " ORDER BY seq DESC LIMIT ?"
        let s = try db.prepare(sql)
        var i: Int32 = 1
        s.bindOne(i, q.afterSeq)
        if let a = q.agentID { i += 1; s.bindOne(i, a) }
        if let v = q.via { i += 1; s.bindOne(i, v.rawValue) }
        s.bindOne(i + 1, q.limit)
        return try s.all { callRow($0) }
    }

    public func callMinutes(since: Timestamp) throws(StoreError) -> [CallMinute] {
        try db.prepare("SELECT agent_id, minute, calls, denied FROM call_minutes WHERE minute >= ? ORDER BY minute")
            .bind(since / 60_000).all { CallMinute(agentID: $0.string(0), minute: $0.int(1), calls: Int($0.int(2)), denied: Int($0.int(3))) }
    }

    public func auditRecords(afterSeq: Int64, limit: Int) throws(StoreError) -> [AuditRecord] {
        // A store from before schema 3, opened read-only (not migrated), has no digests yet;
        // one from before the last, no claims.
        let columns = try !hasStateDigest() ? Self.auditColumnsBeforeDigest
            : try userVersion() < Migrations.latest ? Self.auditColumnsBeforeClaim : Self.auditColumns
        return try db.prepare("SELECT \(columns) FROM audit WHERE seq > ? ORDER BY seq LIMIT ?")
            .bind(afterSeq, limit).all { auditRow($0) }
    }

    public func auditHead() throws(StoreError) -> AuditHead? {
        try db.prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").first { AuditHead(seq: $0.int(0), hash: $0.string(1)) }
    }

    /// Resolves what an operator typed, by the rules' one reading (`FleetRules.resolve`).
    public func resolve(_ ref: String) throws(StoreError) -> EntityRef { try rules.resolve(ref) }

    public func revocationPlan(_ target: EntityRef, now: Timestamp) throws(StoreError) -> RevocationPlan {
        switch target {
        case .credential(let id):
            guard let c = try credential(id) else { throw .notFound("no credential '\(id)'") }
            return RevocationPlan(target: .credential(id), agents: [], credentials: c.revokedAt == nil ? [id] : [], liveInstances: 0)
        case .agent(let id):
            guard try agent(id) != nil else { throw .notFound("no agent '\(id)'") }
            return try plan(target: .agent(id), rootSQL: "SELECT ?", root: id, now: now)
        case .principal(let id):
            guard try principal(id) != nil else { throw .notFound("no principal '\(id)'") }
            return try plan(target: .principal(id), rootSQL: "SELECT id FROM agents WHERE principal_id = ? AND parent_id IS NULL", root: id, now: now)
        }
    }

    /// Walks the subtree below the roots inside SQLite (a queue, not a call stack), so a chain
    /// 10,000 deep and 10,000 children cost the same.
    private func plan(target: RevocationPlan.Target, rootSQL: String, root: String, now: Timestamp) throws(StoreError) -> RevocationPlan {
        let sub = "WITH RECURSIVE sub(id) AS (\(rootSQL) UNION ALL SELECT a.id FROM agents a JOIN sub ON a.parent_id = sub.id)"
        return try db.read { () throws(StoreError) -> RevocationPlan in
            let agents = try db.prepare("\(sub) SELECT a.id FROM sub JOIN agents a ON a.id = sub.id WHERE a.revoked_at IS NULL")
                .bind(root).all { $0.string(0) }
            let creds = try db.prepare("\(sub) SELECT c.id FROM sub JOIN credentials c ON c.agent_id = sub.id WHERE c.revoked_at IS NULL")
                .bind(root).all { $0.string(0) }
            let live = try db.prepare("""
                \(sub) SELECT count(*) FROM sub JOIN instances i ON i.agent_id = sub.id
                WHERE i.stopped_at IS NULL AND i.last_heartbeat >= ?
                """).bind(root, now - Instance.liveWindowMs).first { Int($0.int(0)) } ?? 0
            return RevocationPlan(target: target, agents: agents, credentials: creds, liveInstances: live)
        }
    }
}

extension Substring {
    var trimmingSpaces: String { String(self.drop(while: { $0 == " " })) }
}

extension SQLiteStore {
    public func toolUsage(since: Timestamp) throws(StoreError) -> [String: Set<String>] {
        // Read from the aggregate the call writers keep (the latest allowed call per agent and
        // tool), so pruned calls count. At 100k agents the pairs number in the hundreds of
        // thousands and the tools in the dozens: each `server/tool` is one shared string found
        // by its bytes, and an agent's rows come together (key order), so its set is built aside
        // and stored once, with no string made per row. Agents use a few thousand combinations
        // of tools between them (2,602 for 70,088 agents at L): each combination is one set,
        // shared by its agents, found by its tools' slots (a set each was ~130 bytes an agent).
        var out: [String: Set<String>] = [:]
        var tools = ByteKeys()
        var agent: [UInt8] = [], used: [Int] = []
        var sets: [[Int]: Set<String>] = [:]
        func flush() {
            guard !used.isEmpty else { return }
            used.sort()
            let set: Set<String>
            if let held = sets[used] {
                set = held
            } else {
                set = Set(used.map { tools.strings[$0] })
                sets[used] = set
            }
            let id = String(decoding: agent, as: UTF8.self)
            if let before = out.updateValue(set, forKey: id) { out[id] = before.union(set) }
        }
        _ = try db.prepare("""
            SELECT agent_id, server || '/' || tool FROM tool_last_used WHERE last_at >= ? ORDER BY agent_id
            """).bind(since).all { (row: Statement) -> Void in
                guard let a = row.bytes(0), let t = row.bytes(1) else { return }
                if !agent.elementsEqual(a) {
                    flush()
                    agent = Array(a)
                    used = []
                }
                used.append(tools.slot(t))
            }
        flush()
        return out
    }
}

extension SQLiteStore {
    public func changedRows(after v: RowVersions) throws(StoreError) -> RowChanges {
        try db.read { () throws(StoreError) -> RowChanges in
            let now = try db.prepare("SELECT v FROM row_version WHERE id = 1").first { $0.int(0) } ?? 0
            // A first read keeps insertion order (siblings in the tree); later ones come by version.
            func rows<T>(_ after: Int64?, _ table: String, _ columns: String, firstOrder: String = "rowid",
                         _ decode: (Statement) -> T) throws(StoreError) -> [T] {
                guard let after, after < now else { return [] }
                // A first read takes every row: its array is sized once (a million agents grown by
                // doubling copy 300 MB), by the largest rowid (a count would read the table;
                // principals, a few rows, have no rowid).
                let expected = after == 0 && firstOrder == "rowid" ? try db.prepare("SELECT max(rowid) FROM \(table)").first { Int($0.int(0)) } ?? 0 : 0
                return try db.prepare("SELECT \(columns) FROM \(table) WHERE version > ? ORDER BY \(after == 0 ? firstOrder : "version")")
                    .bind(after).all(reserving: expected, decode)
            }
            return RowChanges(
                version: now,
                principals: try rows(v.structure, "principals", Self.principalColumns, firstOrder: "id") { principalRow($0) },
                agents: try rows(v.structure, "agents", Self.agentSelectColumns) { agentRow($0) },
                credentials: try rows(v.credentials, "credentials", Self.credentialColumns) { credentialRow($0) },
                instances: try rows(v.instances, "instances", Self.instanceColumns) { instanceRow($0) })
        }
    }
}
