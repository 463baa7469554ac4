import WardenCore
import WardenStore

// FleetReader's queries. Text is ordered by bytes (`COLLATE "C"`), as SQLite orders it, whatever
// the database's locale.
extension PostgresStore {
    /// `columns` with each name qualified by `table` (`a.id, a.name, …`).
    static func qualified(_ columns: String, _ table: String) -> String {
        columns.split(separator: ",").map { table + "." + $0.trimmingCharacters() }.joined(separator: ", ")
    }

    public func principals() throws(StoreError) -> [Principal] {
        try connection.query("SELECT \(Self.principalColumns) FROM principals ORDER BY id COLLATE \"C\"").map { principalRow($0) }
    }

    public func principal(_ id: String) throws(StoreError) -> Principal? {
        try connection.query("SELECT \(Self.principalColumns) FROM principals WHERE id = $1", [id]).first { principalRow($0) }
    }

    public func agents() throws(StoreError) -> [Agent] {
        try connection.query("SELECT \(Self.agentColumns) FROM agents ORDER BY ord").map { agentRow($0) }
    }

    public func agents(ofPrincipal principalID: String) throws(StoreError) -> [Agent] {
        try connection.query("SELECT \(Self.agentColumns) FROM agents WHERE principal_id = $1 ORDER BY ord", [principalID])
            .map { agentRow($0) }
    }

    /// `ord` is unique (indexed) and only grows: its largest value bounds the agents' number.
    public func agentCountBound() throws(StoreError) -> Int {
        try connection.query("SELECT coalesce(max(ord), 0) FROM agents").first { Int($0.int64(0)) } ?? 0
    }

    public func agent(_ id: String) throws(StoreError) -> Agent? {
        try connection.query("SELECT \(Self.agentColumns) FROM agents WHERE id = $1", [id]).first { agentRow($0) }
    }

    /// The chain in one query: the agent, then each delegator up to the top. The walk stops
    /// after a million links, so a cycle written behind Warden's back cannot hang it.
    public func chain(of agentID: String) throws(StoreError) -> [Agent] {
        let a = Self.qualified(Self.agentColumns, "a")
        return try connection.query("""
            WITH RECURSIVE ch(n, id, parent_id) AS (
                SELECT 1, id, parent_id FROM agents WHERE id = $1
                UNION ALL
                SELECT ch.n + 1, a.id, a.parent_id FROM ch JOIN agents a ON a.id = ch.parent_id WHERE ch.n < 1000000)
            SELECT \(a) FROM ch JOIN agents a ON a.id = ch.id ORDER BY ch.n
            """, [agentID]).map { agentRow($0) }
    }

    public func effectiveScopes(of agentID: String) throws(StoreError) -> ScopeSet {
        try read { () throws(StoreError) -> ScopeSet in
            try PostgresRuleTransaction(store: self, writing: false).effectiveScopes(of: agentID)
        }
    }

    public func instances(agentID: String?) throws(StoreError) -> [Instance] {
        if let agentID {
            return try connection.query("SELECT \(Self.instanceColumns) FROM instances WHERE agent_id = $1 ORDER BY started_at, ord",
                                        [agentID]).map { instanceRow($0) }
        }
        return try connection.query("SELECT \(Self.instanceColumns) FROM instances ORDER BY ord").map { instanceRow($0) }
    }

    public func credentials(agentID: String?) throws(StoreError) -> [Credential] {
        if let agentID {
            return try connection.query("SELECT \(Self.credentialColumns) FROM credentials WHERE agent_id = $1 ORDER BY issued_at, ord",
                                        [agentID]).map { credentialRow($0) }
        }
        return try connection.query("SELECT \(Self.credentialColumns) FROM credentials ORDER BY ord").map { credentialRow($0) }
    }

    public func credential(_ id: String) throws(StoreError) -> Credential? {
        try connection.query("SELECT \(Self.credentialColumns) FROM credentials WHERE id = $1", [id]).first { credentialRow($0) }
    }

    /// Newest first.
    public func calls(_ q: CallQuery) throws(StoreError) -> [ToolCall] {
        var sql = "SELECT \(Self.callColumns) FROM tool_calls WHERE seq > $1"
        var params: [(any PGBindable)?] = [q.afterSeq]
        if let agent = q.agentID {
            params.append(agent)
            sql += " AND agent_id = $\(params.count)"
        }
        if q.deniedOnly { sql += " AND decision = 'deny'" }
        if let via = q.via {
            params.append(via.rawValue)
            sql += " AND via = $\(params.count)"
        }
        params.append(q.limit)
        sql += " ORDER BY seq DESC LIMIT $\(params.count)"
        return try connection.query(sql, params).map { callRow($0) }
    }

    public func callMinutes(since: Timestamp) throws(StoreError) -> [CallMinute] {
        try connection.query("SELECT agent_id, minute, calls, denied FROM call_minutes WHERE minute >= $1 ORDER BY minute, agent_id COLLATE \"C\"",
                             [since / 60_000])
            .map { CallMinute(agentID: $0.string(0), minute: $0.int64(1), calls: $0.int(2), denied: $0.int(3)) }
    }

    /// From the aggregate the call writers keep (the latest allowed call per agent and tool),
    /// so pruned calls still count.
    public func toolUsage(since: Timestamp) throws(StoreError) -> [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        var tools: [String: String] = [:]
        _ = try connection.query("SELECT agent_id, server, tool FROM tool_last_used WHERE last_at >= $1", [since]).map { r in
            let t = r.string(1) + "/" + r.string(2)
            let tool = tools[t] ?? t
            if tools[t] == nil { tools[t] = t }
            out[r.string(0), default: []].insert(tool)
        }
        // Agents with the same tools share one set (a fleet uses a few thousand combinations).
        var sets = Set<Set<String>>()
        return out.mapValues { sets.insert($0).memberAfterInsert }
    }

    public func auditRecords(afterSeq: Int64, limit: Int) throws(StoreError) -> [AuditRecord] {
        try connection.query("SELECT \(Self.auditColumns) FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2", [afterSeq, limit])
            .map { auditRow($0) }
    }

    public func auditHead() throws(StoreError) -> AuditHead? {
        try connection.query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").first { AuditHead(seq: $0.int64(0), hash: $0.string(1)) }
    }

    public func revocationPlan(_ target: EntityRef, now: Timestamp) throws(StoreError) -> RevocationPlan {
        try read { () throws(StoreError) -> RevocationPlan in
            switch target {
            case .credential(let id):
                guard let c = try credential(id) else { throw .notFound("no credential '\(id)'") }
                return RevocationPlan(target: .credential(id), agents: [], credentials: c.revokedAt == nil ? [id] : [], liveInstances: 0)
            case .agent(let id):
                guard try agent(id) != nil else { throw .notFound("no agent '\(id)'") }
                return try walk(.agent(id), liveSince: now - Instance.liveWindowMs)
            case .principal(let id):
                guard try principal(id) != nil else { throw .notFound("no principal '\(id)'") }
                return try walk(.principal(id), liveSince: now - Instance.liveWindowMs)
            }
        }
    }

    public func narrowingPlan(agentID: String, _ change: Narrowing) throws(StoreError) -> NarrowingPlan {
        try rules.narrowingPlan(agentID: agentID, change)
    }
}

extension Substring {
    func trimmingCharacters() -> String { String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed()) }
}
