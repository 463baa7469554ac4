import WardenStore
import CSQLite
import WardenCore

// Telemetry's rows (the rules are `FleetRules.applyTelemetry`): tool calls bound from a reused
// buffer, per-minute counts, instances; and bulk writing's checkpoints.

extension SQLiteStore {
    /// WAL checkpoints move to a thread of their own until `endBulkWrites` (see
    /// `BackgroundCheckpointer`). Nested calls are counted; read-only stores ignore them.
    public func beginBulkWrites() {
        bulkWrites += 1
        guard bulkWrites == 1, !isReadOnly, checkpointer == nil else { return }
        let c = BackgroundCheckpointer(path: location)
        if c.start(for: db) { checkpointer = c }
    }

    public func endBulkWrites() {
        guard bulkWrites > 0 else { return }
        bulkWrites -= 1
        guard bulkWrites == 0, !checkpointsHandedOff, let c = checkpointer else { return }
        checkpointer = nil
        c.stop(for: db)
    }

    /// After a large operator write (a cascade): the checkpoint its commit would start (copying
    /// its pages into the file and syncing it, ~55 ms for a 10,000-agent subtree) runs on the
    /// checkpointer's thread instead, for the rest of this connection's life, and the operator
    /// gets the answer without waiting for it. Closing the store still runs the last one.
    func handOffCheckpoints() {
        guard !isReadOnly, !checkpointsHandedOff else { return }
        if checkpointer == nil {
            let c = BackgroundCheckpointer(path: location)
            guard c.start(for: db) else { return }
            checkpointer = c
        }
        checkpointsHandedOff = true
    }
}

/// This backend's writer of a telemetry batch's tool calls (`RuleTransaction.callWriter`):
/// one prepared INSERT, its texts bound from one reused buffer.
package final class TelemetryWriter: TelemetryCallWriter {
    let insertCall: Statement
    let buffer: TextBuffer

    /// Calls by agent and minute, as the call writers outside telemetry sum them.
    struct MinuteKey: Hashable {
        let agent: String
        let minute: Int64
    }

    init(db: Database, session: TelemetrySession) throws(StoreError) {
        // Telemetry is what `warden ingest` loads: its calls came that way, whatever they say.
        insertCall = try db.prepare("""
            INSERT INTO tool_calls(at, agent_id, instance_id, credential_id, server, tool, decision, reason, duration_ms, result, args, via)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,'ingest')
            """)
        buffer = TextBuffer.of(session)
    }

    package func write(_ c: ToolCall, agentID agent: String, at: Timestamp) throws(StoreError) {
        let s = insertCall.stmt
        // Every parameter is bound below, so no clear_bindings. The texts are copied into one
        // reused buffer and bound SQLITE_STATIC: no allocation and copy per field inside SQLite.
        sqlite3_reset(s)
        let args = c.args
        let decision = c.decision.rawValue, result = c.result?.rawValue
        let buf = buffer
        buf.reserve(agent.utf8.count + (c.instanceID?.utf8.count ?? 0) + (c.credentialID?.utf8.count ?? 0)
                    + c.server.utf8.count + c.tool.utf8.count + decision.utf8.count + (c.reason?.utf8.count ?? 0)
                    + (result?.utf8.count ?? 0) + (args?.utf8.count ?? 0))
        var offset = 0
        sqlite3_bind_int64(s, 1, at)
        buf.bind(s, 2, agent, &offset)
        buf.bind(s, 3, c.instanceID, &offset)
        buf.bind(s, 4, c.credentialID, &offset)
        buf.bind(s, 5, c.server, &offset)
        buf.bind(s, 6, c.tool, &offset)
        buf.bind(s, 7, decision, &offset)
        buf.bind(s, 8, c.reason, &offset)
        if let d = c.durationMs { sqlite3_bind_int64(s, 9, d) } else { sqlite3_bind_null(s, 9) }
        buf.bind(s, 10, result, &offset)
        buf.bind(s, 11, args, &offset)
        try insertCall.run()
    }
}

extension SQLiteStore {
    /// Adds to the per-minute counts (`call_minutes`), inside the caller's write transaction.
    func addCallMinutes(_ counts: [CallMinute]) throws(StoreError) {
        if counts.isEmpty { return }
        let bump = try db.prepare("""
            INSERT INTO call_minutes(agent_id, minute, calls, denied) VALUES (?, ?, ?, ?)
            ON CONFLICT(minute, agent_id) DO UPDATE SET calls = calls + excluded.calls, denied = denied + excluded.denied
            """)
        for m in counts { try bump.bind(m.agentID, m.minute, m.calls, m.denied).run() }
    }

    func heartbeat(instanceID id: String, at: Timestamp) throws(StoreError) -> Bool {
        try db.prepare("UPDATE instances SET last_heartbeat = max(last_heartbeat, ?) WHERE id = ?").bind(at, id).run()
        return db.changes > 0
    }

    func stopInstance(_ id: String, at: Timestamp) throws(StoreError) -> Bool {
        try db.prepare("UPDATE instances SET stopped_at = ?, last_heartbeat = max(last_heartbeat, ?) WHERE id = ? AND stopped_at IS NULL")
            .bind(at, at, id).run()
        return db.changes > 0
    }

    func upsertInstance(id: String, agentID: String, host: String, pid: Int64?, at: Timestamp) throws(StoreError) {
        try db.prepare("""
            INSERT INTO instances(\(Self.instanceColumns)) VALUES (?,?,?,?,?,?,NULL)
            ON CONFLICT(id) DO UPDATE SET host = excluded.host, pid = coalesce(excluded.pid, pid),
                last_heartbeat = max(last_heartbeat, excluded.last_heartbeat), stopped_at = NULL
            """).bind(id, agentID, host, pid, at, at).run()
    }
}


/// A growable byte buffer that texts are copied into before binding them SQLITE_STATIC.
final class TextBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Room for `n` bytes from the start (the contents are not kept).
    func reserve(_ n: Int) {
        if n <= capacity { return }
        base.deallocate()
        capacity = max(n, capacity * 2)
        base = .allocate(capacity: capacity)
    }

    /// Copies `value` at `offset` and binds it SQLITE_STATIC (nil binds NULL); advances `offset`.
    /// The bytes must stay put until the statement has been stepped: reserve first, then bind.
    func bind(_ stmt: OpaquePointer, _ index: Int32, _ value: String?, _ offset: inout Int) {
        guard var value else { sqlite3_bind_null(stmt, index); return }
        let n = value.utf8.count
        precondition(offset + n <= capacity, "TextBuffer: reserve before binding")
        let start = base + offset
        value.withUTF8 { b in
            if let p = b.baseAddress, b.count > 0 { start.update(from: p, count: b.count) }
        }
        sqlite3_bind_text(stmt, index, UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self), Int32(n), warden_sqlite_static())
        offset += n
    }
}

extension TextBuffer {
    /// The session's buffer, made on its first batch.
    static func of(_ session: TelemetrySession) -> TextBuffer {
        if let b = session.backendScratch as? TextBuffer { return b }
        let b = TextBuffer()
        session.backendScratch = b
        return b
    }
}
