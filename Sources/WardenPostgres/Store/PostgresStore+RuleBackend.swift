import WardenCore
import WardenStore

// The rules' backend interface in SQL: a write transaction is one server transaction behind the
// rules' advisory lock, and each row operation one statement. No rule is decided here.
extension PostgresStore: RuleBackend {
    package func writeTransaction<T>(_ body: (PostgresRuleTransaction) throws(StoreError) -> T) throws(StoreError) -> T {
        try write { () throws(StoreError) -> T in try body(PostgresRuleTransaction(store: self, writing: true)) }
    }

    package func readTransaction<T>(_ body: (PostgresRuleTransaction) throws(StoreError) -> T) throws(StoreError) -> T {
        try read { () throws(StoreError) -> T in try body(PostgresRuleTransaction(store: self, writing: false)) }
    }

    var rules: FleetRules<PostgresStore> { FleetRules(self) }
}

/// Rows inside this connection's current transaction.
package struct PostgresRuleTransaction: RuleTransaction {
    let store: PostgresStore
    /// A write transaction (journal appends lock the chain; the digest at start is known).
    let writing: Bool
    private var c: PGConnection { store.connection }

    package func trustDomain() throws(StoreError) -> String { try store.trustDomain() }

    // MARK: Reads

    package func principal(_ id: String) throws(StoreError) -> Principal? { try store.principal(id) }
    package func agent(_ id: String) throws(StoreError) -> Agent? { try store.agent(id) }
    package func chain(of agentID: String) throws(StoreError) -> [Agent] { try store.chain(of: agentID) }
    package func credential(_ id: String) throws(StoreError) -> Credential? { try store.credential(id) }

    package func credential(secretHash: [UInt8]) throws(StoreError) -> Credential? {
        try c.query("SELECT \(PostgresStore.credentialColumns) FROM credentials WHERE secret_hash = $1", [secretHash])
            .first { store.credentialRow($0) }
    }

    package func successor(of credentialID: String) throws(StoreError) -> String? {
        try c.query("SELECT id FROM credentials WHERE renewed_from = $1 ORDER BY ord LIMIT 1", [credentialID]).first { $0.string(0) }
    }

    package func instance(_ id: String) throws(StoreError) -> Instance? {
        try c.query("SELECT \(PostgresStore.instanceColumns) FROM instances WHERE id = $1", [id]).first { store.instanceRow($0) }
    }

    package func agents(named name: String, limit: Int) throws(StoreError) -> [(id: String, registered: Bool)] {
        try c.query("SELECT id, registered FROM agents WHERE name = $1 ORDER BY registered DESC, ord LIMIT $2", [name, limit])
            .map { ($0.string(0), $0.bool(1)) }
    }

    package func ids(startingWith prefix: String, of kind: IDTable, limit: Int) throws(StoreError) -> [String] {
        let table = kind == .agents ? "agents" : "credentials"
        return try c.query("SELECT id FROM \(table) WHERE starts_with(id, $1) ORDER BY id COLLATE \"C\" LIMIT $2", [prefix, limit])
            .map { $0.string(0) }
    }

    package func registeredAgentNames(startingWith prefix: String, limit: Int) throws(StoreError) -> [String] {
        try c.query("""
            SELECT DISTINCT name COLLATE "C" FROM agents WHERE starts_with(name, $1) AND registered ORDER BY 1 LIMIT $2
            """, [prefix, limit]).map { $0.string(0) }
    }

    package func liveRegisteredAgent(named name: String, at: Timestamp) throws(StoreError) -> String? {
        try c.query("""
            SELECT id FROM agents WHERE name = $1 AND registered AND revoked_at IS NULL
                AND (expires_at IS NULL OR expires_at > $2) ORDER BY ord LIMIT 1
            """, [name, at]).first { $0.string(0) }
    }

    package func subtree(of agentID: String) throws(StoreError) -> [NarrowingPlan.Node] { try store.subtreeNodes(agentID) }

    // MARK: Writes

    package func insert(_ p: Principal) throws(StoreError) { try store.insertPrincipal(p, ifAbsent: false) }
    package func insert(_ a: Agent) throws(StoreError) { try store.insertAgent(a, ifAbsent: false) }

    package func insert(_ cr: Credential, secretHash: [UInt8]) throws(StoreError) {
        try c.execute("""
            INSERT INTO credentials(id, agent_id, instance_id, secret_hash, scopes, issued_at, expires_at, revoked_at, revoked_by, renewed_from)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """, [cr.id, cr.agentID, cr.instanceID, secretHash, cr.scopes.description, cr.issuedAt, cr.expiresAt, cr.revokedAt,
                  cr.revokedAt == nil ? nil : (cr.revokedBy ?? cr.id), cr.renewedFrom])
    }

    package func insert(_ i: Instance) throws(StoreError) {
        try c.execute("INSERT INTO instances(\(PostgresStore.instanceColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                      [i.id, i.agentID, i.host, i.pid, i.startedAt, i.lastHeartbeat, i.stoppedAt])
    }

    /// The principal of identities seen in telemetry goes through the owner's function, which
    /// writes only that one (an ingester may not insert principals).
    package func insertIfAbsent(_ p: Principal) throws(StoreError) -> Bool {
        guard p.id == RuleDefaults.unregisteredPrincipalID, p.scopes == .none, p.kind == .workload, p.status == .active,
              p.disabledAt == nil else { return try store.insertPrincipal(p, ifAbsent: true) }
        return try c.query("SELECT warden_observe_principal($1, $2, $3)", [p.id, p.name, p.createdAt]).first { $0.bool(0) } ?? false
    }

    /// An observed agent (unregistered, no scopes, no expiry) goes through the owner's function,
    /// which writes nothing else (an ingester may not insert or change a registered agent).
    package func insertIfAbsent(_ a: Agent) throws(StoreError) -> Bool {
        guard !a.registered, a.grant == .none, a.expiresAt == nil, a.revokedAt == nil else {
            return try store.insertAgent(a, ifAbsent: true)
        }
        return try c.query("SELECT warden_observe_agent($1, $2, $3, $4, $5)", [a.id, a.name, a.principalID, a.parentID, a.createdAt])
            .first { $0.bool(0) } ?? false
    }

    package func disablePrincipal(_ id: String, at: Timestamp) throws(StoreError) {
        try c.execute("UPDATE principals SET status = 'disabled', disabled_at = $1 WHERE id = $2", [at, id])
    }

    package func setGrant(agentID: String, _ scopes: ScopeSet) throws(StoreError) {
        try c.execute("UPDATE agents SET scopes = $1 WHERE id = $2", [scopes.description, agentID])
    }

    package func setGrants(_ changes: [NarrowingPlan.Change]) throws(StoreError) { try store.narrowDescendants(changes) }

    package func setExpiry(credentialID: String, _ at: Timestamp) throws(StoreError) {
        try c.execute("UPDATE credentials SET expires_at = $1 WHERE id = $2", [at, credentialID])
    }

    package func revoke(agents: [String], credentials: [String], _ r: Revocation) throws(StoreError) {
        try store.revokeRows(agents: agents, credentials: credentials, r)
    }

    package func revokeSubtree(_ target: RevocationPlan.Target, _ r: Revocation,
                               liveSince: Timestamp) throws(StoreError) -> RevocationPlan {
        try store.cascade(target, r, liveSince: liveSince)
    }

    // MARK: Instances and telemetry

    package func heartbeat(instanceID: String, at: Timestamp) throws(StoreError) -> Bool {
        try c.execute("UPDATE instances SET last_heartbeat = greatest(last_heartbeat, $1) WHERE id = $2", [at, instanceID]) > 0
    }

    package func stop(instanceID: String, at: Timestamp) throws(StoreError) -> Bool {
        try c.execute("""
            UPDATE instances SET stopped_at = $1, last_heartbeat = greatest(last_heartbeat, $1) WHERE id = $2 AND stopped_at IS NULL
            """, [at, instanceID]) > 0
    }

    package func upsertInstance(id: String, agentID: String, host: String, pid: Int64?, at: Timestamp) throws(StoreError) {
        try c.execute("""
            INSERT INTO instances(\(PostgresStore.instanceColumns)) VALUES ($1, $2, $3, $4, $5, $5, NULL)
            ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = coalesce(excluded.pid, instances.pid),
                last_heartbeat = greatest(instances.last_heartbeat, excluded.last_heartbeat), stopped_at = NULL
            """, [id, agentID, host, pid, at])
    }

    /// The store flushes the writer's buffered calls before the transaction commits.
    package func callWriter(session: TelemetrySession) throws(StoreError) -> PostgresCallWriter {
        let writer = PostgresCallWriter(connection: c)
        store.pendingCalls.append(writer)
        return writer
    }

    package func addCallMinutes(_ counts: [CallMinute]) throws(StoreError) {
        if counts.isEmpty { return }
        // Summed per key first: one statement may not update a row twice.
        try c.execute("""
            INSERT INTO call_minutes(agent_id, minute, calls, denied)
            SELECT agent_id, minute, sum(calls), sum(denied)
            FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) AS m(agent_id, minute, calls, denied)
            GROUP BY agent_id, minute
            ON CONFLICT (minute, agent_id) DO UPDATE SET calls = call_minutes.calls + excluded.calls,
                denied = call_minutes.denied + excluded.denied
            """, [PGTextArray(counts.map(\.agentID)), PGInt64Array(counts.map(\.minute)),
                  PGInt64Array(counts.map { Int64($0.calls) }), PGInt64Array(counts.map { Int64($0.denied) })])
    }

    package func noteToolUse(_ usage: ToolUsageBatch) throws(StoreError) {
        // The buffered calls go in first: they take the `tool_call` cursor, which every call
        // writer locks before the aggregates' rows (a gate's call of the same tool and minute
        // would otherwise wait on this transaction while holding what it waits for).
        for writer in store.pendingCalls { try writer.flush() }
        try store.writeToolUse(usage)
    }

    // MARK: Journal and digest

    /// In a write transaction, first takes the journal's lock: the head read here stays the
    /// head until this transaction commits, so two appends never link to the same record.
    package func journalHead() throws(StoreError) -> AuditHead? {
        if writing { try c.execute("SELECT pg_advisory_xact_lock($1)", [PostgresStore.journalLockKey]) }
        return try store.auditHead()
    }

    /// An observation (an agent, a tool list) or a drift goes through the owner's function,
    /// which checks it (a gate or an ingester may append nothing else); any other record is
    /// inserted as it is.
    package func appendJournal(_ r: AuditRecord) throws(StoreError) {
        if r.action == "agent.observe" || r.action == "tools.observe" || r.action == "state.drift_detected" {
            try c.execute("SELECT warden_journal_observation($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                          [r.seq, r.at, r.action, r.target, r.before, r.after, r.reason, r.prevHash, r.hash, r.stateDigest,
                           r.claimedBy])
        } else {
            try c.execute("INSERT INTO audit(\(PostgresStore.auditColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                          [r.seq, r.at, r.operatorName, r.action, r.target, r.before, r.after, r.reason, r.prevHash, r.hash,
                           r.stateDigest, r.claimedBy])
        }
        // The next record of this transaction starts from the state this one carries.
        store.digestAtStart = r.stateDigest.flatMap { StateDigest(hex: $0) }
    }

    /// The login writes the record (the schema refuses any other name); a different claim
    /// goes beside it.
    package func journalOperator(claimed: String) throws(StoreError) -> (name: String, claimedBy: String?) {
        let login = try store.login()
        return (login, claimed == login ? nil : claimed)
    }

    package func journalRecords(afterSeq: Int64, limit: Int) throws(StoreError) -> [AuditRecord] {
        try store.auditRecords(afterSeq: afterSeq, limit: limit)
    }

    package func journalHash(seq: Int64) throws(StoreError) -> String? {
        try c.query("SELECT hash FROM audit WHERE seq = $1", [seq]).first { $0.string(0) }
    }

    package func lastJournaledDigest() throws(StoreError) -> (seq: Int64, hex: String)? {
        try c.query("SELECT seq, state_digest FROM audit WHERE state_digest IS NOT NULL ORDER BY seq DESC LIMIT 1")
            .first { ($0.int64(0), $0.string(1)) }
    }

    package func stateDigest() throws(StoreError) -> StateDigest? { try store.keptDigest() }

    package func stateDigestAtStart() throws(StoreError) -> StateDigest? { writing ? store.digestAtStart : nil }
}

/// Writes a telemetry batch's tool calls: buffered, then inserted many rows per statement
/// (`flush`, at the latest before the transaction commits), each numbered from the
/// commit-ordered 'tool_call' cursor (see `cursors` in the schema) in the order written, so a
/// reader's call cursor never skips one.
package final class PostgresCallWriter: TelemetryCallWriter {
    let connection: PGConnection
    /// Rows buffered before a flush: bounds memory and statement size on large batches.
    static let flushEvery = 2_000
    private var at: [Int64?] = [], durations: [Int64?] = []
    private var agents: [String?] = [], instances: [String?] = [], credentials: [String?] = [], servers: [String?] = []
    private var tools: [String?] = [], decisions: [String?] = [], reasons: [String?] = [], results: [String?] = []
    private var args: [String?] = []

    init(connection: PGConnection) { self.connection = connection }

    package func write(_ call: ToolCall, agentID: String, at time: Timestamp) throws(StoreError) {
        at.append(time)
        agents.append(agentID)
        instances.append(call.instanceID)
        credentials.append(call.credentialID)
        servers.append(call.server)
        tools.append(call.tool)
        decisions.append(call.decision.rawValue)
        reasons.append(call.reason)
        durations.append(call.durationMs)
        results.append(call.result?.rawValue)
        args.append(call.args)
        if at.count >= Self.flushEvery { try flush() }
    }

    /// Inserts the buffered calls in one statement, numbered in the order they were written.
    /// Telemetry is what `warden ingest` loads: its calls came that way, whatever they say.
    func flush() throws(StoreError) {
        let n = at.count
        guard n > 0 else { return }
        try connection.execute("""
            WITH next AS (SELECT warden_take_cursor('tool_call', $1) AS value)
            INSERT INTO tool_calls(seq, at, agent_id, instance_id, credential_id, server, tool, decision, reason, duration_ms, result, args, via)
            SELECT next.value - $1 + c.n, c.at, c.agent_id, c.instance_id, c.credential_id, c.server, c.tool, c.decision,
                   c.reason, c.duration_ms, c.result, c.args, 'ingest'
            FROM next, unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                              $10::bigint[], $11::text[], $12::text[])
                WITH ORDINALITY AS c(at, agent_id, instance_id, credential_id, server, tool, decision, reason, duration_ms, result, args, n)
            """, [Int64(n), PGInt64Array(at), PGTextArray(agents), PGTextArray(instances), PGTextArray(credentials),
                  PGTextArray(servers), PGTextArray(tools), PGTextArray(decisions), PGTextArray(reasons),
                  PGInt64Array(durations), PGTextArray(results), PGTextArray(args)])
        at.removeAll(keepingCapacity: true); durations.removeAll(keepingCapacity: true)
        agents.removeAll(keepingCapacity: true); instances.removeAll(keepingCapacity: true)
        credentials.removeAll(keepingCapacity: true); servers.removeAll(keepingCapacity: true)
        tools.removeAll(keepingCapacity: true); decisions.removeAll(keepingCapacity: true)
        reasons.removeAll(keepingCapacity: true); results.removeAll(keepingCapacity: true)
        args.removeAll(keepingCapacity: true)
    }
}
