import WardenStore
import CSQLite
import WardenCore

// Bulk loading for synthetic stores (benchmarks, scale tests): a whole fleet and its call
// history written in one transaction with prepared statements, bypassing the per-item rule
// checks of the operator commands. The caller vouches for the shape (attenuation, IDs); the
// secrets are still only stored as their SHA-256, and one audit record notes the load.
extension SQLiteStore {
    /// The secret text for 32 bytes, written as issued credentials are: for bulk loaders (the
    /// benchmark) that bring their own, seeded, randomness.
    public static func credentialSecret(from bytes: [UInt8]) -> String { Secrets.secret(from: bytes) }

    /// A credential to load with the secret its hash is computed from (the secret is not stored).
    public struct BulkCredential: Sendable {
        public var credential: Credential
        public var secret: String
        public init(credential: Credential, secret: String) {
            self.credential = credential
            self.secret = secret
        }
    }

    /// What `bulkLoad` wrote.
    public struct BulkOutcome: Sendable {
        public var principals = 0
        public var agents = 0
        public var credentials = 0
        public var instances = 0
        public var calls = 0
    }

    /// Writes principals, agents (parents before children), instances, credentials and
    /// `callCount` tool calls made by `call(i)` (in time order), in one write transaction.
    /// Per-minute call counts are aggregated as `recordCalls` keeps them.
    @discardableResult
    public func bulkLoad(principals: [Principal], agents: [Agent], credentials: [BulkCredential],
                         instances: [Instance], callCount: Int, call: (Int) -> ToolCall,
                         operatorName: String = "bulk-load", now: Timestamp) throws(StoreError) -> BulkOutcome {
        // A larger page cache for the duration of the load (1 GB: indexes are built as rows go
        // in, in random key order, and must not spill), and a journal kept in memory-sized steps.
        try db.exec("PRAGMA cache_size = -1048576")
        defer { try? db.exec("PRAGMA cache_size = -2000") }
        return try write { () throws(StoreError) -> BulkOutcome in
            var out = BulkOutcome()
            for p in principals { try insertPrincipal(p); out.principals += 1 }
            for a in agents { try insertAgent(a); out.agents += 1 }
            let inst = try db.prepare("INSERT INTO instances(\(Self.instanceColumns)) VALUES (?,?,?,?,?,?,?)")
            for i in instances {
                try inst.bind(i.id, i.agentID, i.host, i.pid, i.startedAt, i.lastHeartbeat, i.stoppedAt).run()
                out.instances += 1
            }
            for c in credentials {
                try insertCredential(c.credential, secretHash: Secrets.sha256(c.secret))
                out.credentials += 1
            }
            if callCount > 0 {
                let insert = try db.prepare("""
                    INSERT INTO tool_calls(at, agent_id, instance_id, credential_id, server, tool, decision, reason, duration_ms, result, args)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?)
                    """)
                var minutes: [MinuteKey: (calls: Int64, denied: Int64)] = [:]
                var usage = ToolUsageBatch()
                let st = insert.stmt
                for n in 0..<callCount {
                    let c = call(n).forRecording()
                    // Direct binds: the variadic `bind` casts every value, which dominates at a million rows.
                    insert.reset()
                    sqlite3_bind_int64(st, 1, c.at)
                    Self.bulkText(st, 2, c.agentID)
                    Self.bulkText(st, 3, c.instanceID)
                    Self.bulkText(st, 4, c.credentialID)
                    Self.bulkText(st, 5, c.server)
                    Self.bulkText(st, 6, c.tool)
                    Self.bulkText(st, 7, c.decision.rawValue)
                    Self.bulkText(st, 8, c.reason)
                    if let d = c.durationMs { sqlite3_bind_int64(st, 9, d) } else { sqlite3_bind_null(st, 9) }
                    Self.bulkText(st, 10, c.result?.rawValue)
                    Self.bulkText(st, 11, c.args)
                    try insert.run()
                    let key = MinuteKey(agent: c.agentID, minute: c.at / 60_000)
                    let denied: Int64 = c.decision == .deny ? 1 : 0
                    if let v = minutes[key] { minutes[key] = (v.calls + 1, v.denied + denied) } else { minutes[key] = (1, denied) }
                    usage.note(agent: c.agentID, server: c.server, tool: c.tool, decision: c.decision, at: c.at)
                    out.calls += 1
                }
                try usage.flush(db)
                let bump = try db.prepare("""
                    INSERT INTO call_minutes(agent_id, minute, calls, denied) VALUES (?, ?, ?, ?)
                    ON CONFLICT(minute, agent_id) DO UPDATE SET calls = calls + excluded.calls, denied = denied + excluded.denied
                    """)
                for (k, v) in minutes { try bump.bind(k.agent, k.minute, v.calls, v.denied).run() }
            }
            try appendAudit(Mutation(operatorName: operatorName, now: now), action: "fleet.bulk_load", target: "fleet",
                            before: nil, after: json([
                                "principals": .int(out.principals), "agents": .int(out.agents),
                                "credentials": .int(out.credentials), "instances": .int(out.instances),
                                "calls": .int(out.calls),
                            ]))
            return out
        }
    }

    /// Folds the write-ahead log into the main file (so a copy of the file alone is the store).
    public func checkpoint() throws(StoreError) {
        try db.exec("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    private static func bulkText(_ st: OpaquePointer, _ i: Int32, _ v: String?) {
        guard var v else { sqlite3_bind_null(st, i); return }
        v.withUTF8 { b in
            guard let base = b.baseAddress, b.count > 0 else { _ = sqlite3_bind_text(st, i, "", 0, warden_sqlite_transient()); return }
            _ = sqlite3_bind_text(st, i, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(b.count), warden_sqlite_transient())
        }
    }

    private struct MinuteKey: Hashable {
        let agent: String
        let minute: Int64
    }
}
