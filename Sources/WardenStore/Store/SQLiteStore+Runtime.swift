import WardenCore

// The runtime path: proxies and ingesters authorize and record; nothing here is an operator action.
extension SQLiteStore {
    public func authorize(secret: String, serverTool: String, now: Timestamp) throws(StoreError) -> AuthorizationOutcome {
        guard let (server, tool) = Authorization.splitTool(serverTool) else {
            throw .invalid("tool '\(serverTool)' must be SERVER/TOOL")
        }
        // No read transaction: every lookup below starts after the call did, so a revoke
        // committed before the call is seen by whichever lookup reads it, and any revoked link
        // denies. (A cascade commits all its rows at once.)
        let cred = try hot(.credentialByHash).bind(Secrets.sha256(secret)).first { credentialRow($0) }
        guard let cred else {
            return AuthorizationOutcome(decision: .deny(.unknownCredential), credentialID: nil, agentID: nil, instanceID: nil)
        }
        let chain = try self.chain(of: cred.agentID)
        let principal = try chain.last.flatMap { (a) throws(StoreError) in try self.principal(a.principalID) }
        let decision = Authorization.decide(credential: cred, chain: chain, principal: principal,
                                            server: server, tool: tool, now: now)
        return AuthorizationOutcome(decision: decision, credentialID: cred.id, agentID: cred.agentID, instanceID: cred.instanceID)
    }

    @discardableResult
    public func recordCalls(_ calls: [ToolCall]) throws(StoreError) -> [Int64] {
        if calls.isEmpty { return [] }
        return try write { () throws(StoreError) -> [Int64] in
            let insert = try db.prepare("""
                INSERT INTO tool_calls(at, agent_id, instance_id, credential_id, server, tool, decision, reason, duration_ms, result, args)
                VALUES (?,?,?,?,?,?,?,?,?,?,?)
                """)
            var seqs: [Int64] = []
            seqs.reserveCapacity(calls.count)
            // Per-minute counts are summed in memory and written once per (agent, minute).
            var minutes: [TelemetryWriter.MinuteKey: (calls: Int64, denied: Int64)] = [:]
            for c in calls {
                try insert.bind(c.at, c.agentID, c.instanceID, c.credentialID, c.server, c.tool, c.decision.rawValue,
                                c.reason, c.durationMs, c.result?.rawValue, c.args.map(Self.clip)).run()
                seqs.append(db.lastInsertRowID)
                let key = TelemetryWriter.MinuteKey(agent: c.agentID, minute: c.at / 60_000)
                minutes[key, default: (0, 0)].calls += 1
                if c.decision == .deny { minutes[key, default: (0, 0)].denied += 1 }
            }
            let bump = try db.prepare("""
                INSERT INTO call_minutes(agent_id, minute, calls, denied) VALUES (?, ?, ?, ?)
                ON CONFLICT(minute, agent_id) DO UPDATE SET calls = calls + excluded.calls, denied = denied + excluded.denied
                """)
            for (k, v) in minutes { try bump.bind(k.agent, k.minute, v.calls, v.denied).run() }
            return seqs
        }
    }

    /// Argument summaries are kept short.
    static func clip(_ s: String) -> String {
        // UTF-8 bytes bound the characters from above and are counted in O(1): most summaries stop here.
        s.utf8.count <= ToolCall.maxArgsLength || s.count <= ToolCall.maxArgsLength ? s : String(s.prefix(ToolCall.maxArgsLength - 1)) + "…"
    }

    public func recordInstanceEvents(_ events: [InstanceEvent]) throws(StoreError) {
        if events.isEmpty { return }
        try write { () throws(StoreError) in
            let start = try db.prepare("""
                INSERT INTO instances(\(Self.instanceColumns)) VALUES (?,?,?,?,?,?,NULL)
                ON CONFLICT(id) DO UPDATE SET host = excluded.host, pid = excluded.pid,
                    last_heartbeat = max(last_heartbeat, excluded.last_heartbeat), stopped_at = NULL
                """)
            let beat = try db.prepare("UPDATE instances SET last_heartbeat = max(last_heartbeat, ?) WHERE id = ?")
            let stop = try db.prepare("UPDATE instances SET stopped_at = ?, last_heartbeat = max(last_heartbeat, ?) WHERE id = ? AND stopped_at IS NULL")
            for e in events {
                switch e {
                case .started(let i):
                    guard try agent(i.agentID) != nil else { throw .notFound("no agent '\(i.agentID)' for instance '\(i.id)'") }
                    try start.bind(i.id, i.agentID, i.host, i.pid, i.startedAt, i.lastHeartbeat).run()
                case .heartbeat(let id, let at):
                    try beat.bind(at, id).run()
                case .stopped(let id, let at):
                    try stop.bind(at, at, id).run()
                }
            }
        }
    }
}
