import WardenCore
import WardenStore

// Activity runtimes report (calls, outcomes, instance lifecycles). Not rule writes: they do not
// wait for operators' transactions.
//
// Commit order: call sequence numbers and outcome cursors are taken from the `cursors` row of
// their kind (`UPDATE … RETURNING`), whose row lock is held to commit, so writers of one kind
// commit in the order of the numbers they took. Every call writer takes `tool_call` before
// anything else it locks; an outcome writer takes `call_outcome` after the call's row.
extension PostgresStore: ActivityRecording {
    @discardableResult
    public func recordCalls(_ calls: [ToolCall]) throws(StoreError) -> [Int64] {
        if calls.isEmpty { return [] }
        return try activity("record calls") { () throws(StoreError) -> [Int64] in try insertCalls(calls) }
    }

    public func recordCall(_ call: ToolCall, key: CallKey) throws(StoreError) -> Int64 {
        try activity("record calls") { () throws(StoreError) -> Int64 in
            let seq = try insertCalls([call])[0]
            // The runtime's IDs are unique per session; a replayed key points at the newest call.
            try connection.execute("""
                INSERT INTO call_keys(session_id, tool_use_id, call_seq) VALUES ($1, $2, $3)
                ON CONFLICT (session_id, tool_use_id) DO UPDATE SET call_seq = excluded.call_seq
                """, [key.session, key.toolUse, seq])
            return seq
        }
    }

    /// The first outcome stands, a repeated report changes nothing; only the credential that
    /// made the call may finish it.
    public func recordOutcome(key: CallKey, credentialID: String, result: ToolCall.Result,
                              at: Timestamp) throws(StoreError) -> ToolCall? {
        try activity("record call outcomes") { () throws(StoreError) -> ToolCall? in
            // The call's row is locked first, so two reports of one call take one outcome cursor.
            guard let (seq, finished) = try connection.query("""
                SELECT c.seq, c.outcome_seq IS NOT NULL FROM call_keys k JOIN tool_calls c ON c.seq = k.call_seq
                WHERE k.session_id = $1 AND k.tool_use_id = $2 AND c.credential_id = $3
                FOR UPDATE OF c
                """, [key.session, key.toolUse, credentialID]).first({ ($0.int64(0), $0.bool(1)) }) else { return nil }
            if !finished {
                let cursor = try takeCursor("call_outcome", 1)
                try connection.execute("UPDATE tool_calls SET duration_ms = greatest(0, $1 - at), result = $2, outcome_seq = $3 WHERE seq = $4",
                                       [at, result.rawValue, cursor, seq])
            }
            return try connection.query("SELECT \(Self.callColumns) FROM tool_calls WHERE seq = $1", [seq]).first { callRow($0) }
        }
    }

    /// Each row written takes a row version (the schema's trigger).
    public func recordInstanceEvents(_ events: [InstanceEvent]) throws(StoreError) {
        if events.isEmpty { return }
        try activity("record instances") { () throws(StoreError) in
            for e in events {
                switch e {
                case .started(let i):
                    let known = try connection.query("SELECT 1 FROM agents WHERE id = $1", [i.agentID]).rowCount > 0
                    guard known else { throw .notFound("no agent '\(i.agentID)' for instance '\(i.id)'") }
                    try connection.execute("""
                        INSERT INTO instances(\(Self.instanceColumns)) VALUES ($1, $2, $3, $4, $5, $6, NULL)
                        ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid,
                            last_heartbeat = greatest(instances.last_heartbeat, excluded.last_heartbeat), stopped_at = NULL
                        """, [i.id, i.agentID, RecordLimits.clip(i.host, RecordLimits.host), i.pid, i.startedAt, i.lastHeartbeat])
                case .heartbeat(let id, let at):
                    try connection.execute("UPDATE instances SET last_heartbeat = greatest(last_heartbeat, $1) WHERE id = $2", [at, id])
                case .stopped(let id, let at):
                    try connection.execute("""
                        UPDATE instances SET stopped_at = $1, last_heartbeat = greatest(last_heartbeat, $1)
                        WHERE id = $2 AND stopped_at IS NULL
                        """, [at, id])
                }
            }
        }
    }

    /// One activity transaction (nested in a caller's, joins it).
    func activity<T>(_ action: String, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        if isReadOnly { throw .readOnly }
        return try permitted(action) { () throws(StoreError) -> T in
            try connection.withTransaction { () throws(StoreError) -> T in
                let result = try body()
                try announceChange()
                return result
            }
        }
    }

    /// The next `n` values of a commit-ordered cursor; returns the last. Its row stays locked
    /// until this transaction ends.
    func takeCursor(_ name: String, _ n: Int64) throws(StoreError) -> Int64 {
        // Through the owner's function: no other role may update `cursors` (LeastPrivilege).
        guard let last = try connection.query("SELECT warden_take_cursor($1, $2)", [name, n])
            .first({ $0.optionalInt64(0) }) ?? nil else { throw .io("the store has no '\(name)' cursor (not a Warden schema)") }
        return last
    }

    /// Stores `calls` in the caller's transaction with one multi-row insert, and keeps the
    /// per-minute counts and the latest tool use; returns their sequence numbers in order.
    func insertCalls(_ raw: [ToolCall]) throws(StoreError) -> [Int64] {
        if raw.isEmpty { return [] }
        // Every call is recorded under the one rule: texts capped, arguments redacted.
        let calls = raw.map { $0.forRecording() }
        let n = Int64(calls.count)
        let last = try takeCursor("tool_call", n)
        let seqs = Array((last - n + 1)...last)
        try connection.execute("""
            INSERT INTO tool_calls(seq, at, agent_id, instance_id, credential_id, server, tool, decision, reason, duration_ms, result, args,
                                   via, mcp_session, client)
            SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                                 $8::text[], $9::text[], $10::bigint[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
            """, [
                PGInt64Array(seqs.map { Optional($0) }), PGInt64Array(calls.map { Optional($0.at) }),
                PGTextArray(calls.map { Optional($0.agentID) }), PGTextArray(calls.map(\.instanceID)),
                PGTextArray(calls.map(\.credentialID)), PGTextArray(calls.map { Optional($0.server) }),
                PGTextArray(calls.map { Optional($0.tool) }), PGTextArray(calls.map { Optional($0.decision.rawValue) }),
                PGTextArray(calls.map(\.reason)), PGInt64Array(calls.map(\.durationMs)),
                PGTextArray(calls.map { $0.result?.rawValue }), PGTextArray(calls.map(\.args)),
                PGTextArray(calls.map { $0.via?.rawValue }), PGTextArray(calls.map(\.session)), PGTextArray(calls.map(\.client)),
            ])
        try addMinutes(calls)
        try noteToolUse(calls)
        return seqs
    }

    /// Per-agent counts by minute, summed in memory and written once per (agent, minute).
    private func addMinutes(_ calls: [ToolCall]) throws(StoreError) {
        var minutes: [CallMinuteKey: (calls: Int64, denied: Int64)] = [:]
        for call in calls {
            let key = CallMinuteKey(agent: call.agentID, minute: call.at / 60_000)
            minutes[key, default: (0, 0)].calls += 1
            if call.decision == .deny { minutes[key, default: (0, 0)].denied += 1 }
        }
        // Sorted, so concurrent writers lock the rows in one order.
        let rows = minutes.sorted { ($0.key.minute, $0.key.agent) < ($1.key.minute, $1.key.agent) }
        try connection.execute("""
            INSERT INTO call_minutes(agent_id, minute, calls, denied)
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[])
            ON CONFLICT (minute, agent_id) DO UPDATE
                SET calls = call_minutes.calls + excluded.calls, denied = call_minutes.denied + excluded.denied
            """, [PGTextArray(rows.map { Optional($0.key.agent) }), PGInt64Array(rows.map { Optional($0.key.minute) }),
                  PGInt64Array(rows.map { Optional($0.value.calls) }), PGInt64Array(rows.map { Optional($0.value.denied) })])
    }

    private struct CallMinuteKey: Hashable {
        let agent: String
        let minute: Int64
    }

    /// The latest allowed call per agent and tool (which outlives pruning), and calls and
    /// denials per tool and minute.
    private func noteToolUse(_ calls: [ToolCall]) throws(StoreError) {
        var usage = ToolUsageBatch()
        for call in calls { usage.note(agent: call.agentID, server: call.server, tool: call.tool, decision: call.decision, at: call.at) }
        try writeToolUse(usage.take())
    }

    /// In the caller's transaction, after it took the `tool_call` cursor (the lock order every
    /// call writer keeps). Rows sorted, so concurrent writers lock them in one order.
    func writeToolUse(_ usage: ToolUsageBatch) throws(StoreError) {
        if !usage.latest.isEmpty {
            let rows = usage.latest.sorted { ($0.key.agent, $0.key.server, $0.key.tool) < ($1.key.agent, $1.key.server, $1.key.tool) }
            try connection.execute("""
                INSERT INTO tool_last_used(agent_id, server, tool, last_at)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
                ON CONFLICT (agent_id, server, tool) DO UPDATE SET last_at = greatest(tool_last_used.last_at, excluded.last_at)
                """, [PGTextArray(rows.map { Optional($0.key.agent) }), PGTextArray(rows.map { Optional($0.key.server) }),
                      PGTextArray(rows.map { Optional($0.key.tool) }), PGInt64Array(rows.map { Optional($0.value) })])
        }
        if !usage.minutes.isEmpty {
            let rows = usage.minutes.sorted { ($0.key.minute, $0.key.server, $0.key.tool) < ($1.key.minute, $1.key.server, $1.key.tool) }
            try connection.execute("""
                INSERT INTO tool_minutes(minute, server, tool, calls, denied)
                SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
                ON CONFLICT (minute, server, tool) DO UPDATE
                    SET calls = tool_minutes.calls + excluded.calls, denied = tool_minutes.denied + excluded.denied
                """, [PGInt64Array(rows.map { Optional($0.key.minute) }), PGTextArray(rows.map { Optional($0.key.server) }),
                      PGTextArray(rows.map { Optional($0.key.tool) }), PGInt64Array(rows.map { Optional($0.value.calls) }),
                      PGInt64Array(rows.map { Optional($0.value.denied) })])
        }
    }
}
