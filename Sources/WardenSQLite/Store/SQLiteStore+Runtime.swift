import WardenStore
import CSQLite
import Glibc
import WardenCore

// The runtime path: proxies and ingesters authorize and record; nothing here is an operator action.
extension SQLiteStore {
    public func authorize(secret: String, serverTool: String, now: Timestamp) throws(StoreError) -> AuthorizationOutcome {
        guard let (server, tool) = Authorization.splitTool(serverTool) else {
            throw .invalid("tool '\(serverTool)' must be SERVER/TOOL")
        }
        // One read transaction, whose snapshot is taken by the first lookup, after the call
        // started: a revoke committed before the call is seen, and every lookup sees the same
        // state (a cascade committing meanwhile is seen whole or not at all). One transaction
        // also takes the file locks once, not once per lookup.
        return try db.read { () throws(StoreError) -> AuthorizationOutcome in
            let c = try standingInSnapshot(secret: secret, now: now)
            // The pin is read only when it could change the answer.
            let pin = c.standing.stands ? try pinFacts(server: server, tool: tool) : .unpinned
            return AuthorizationOutcome(decision: c.standing.decide(server: server, tool: tool, pin: pin),
                                        credentialID: c.credentialID, agentID: c.agentID, instanceID: c.instanceID)
        }
    }

    public func authorize(secret: String, serverTool: String, now: Timestamp,
                          reuse: (GovernanceVersion) -> AuthorizationOutcome?) throws(StoreError) -> VersionedOutcome {
        guard let (server, tool) = Authorization.splitTool(serverTool) else {
            throw .invalid("tool '\(serverTool)' must be SERVER/TOOL")
        }
        // The version and the facts in one read transaction: a decision is stamped with the
        // version of the very snapshot it was read from, so a write committed in between can
        // never be stamped as seen.
        return try db.read { () throws(StoreError) -> VersionedOutcome in
            let version = try versionInSnapshot()
            if let version, let kept = reuse(version) {
                return VersionedOutcome(outcome: kept, version: version, reused: true)
            }
            let c = try standingInSnapshot(secret: secret, now: now)
            let pin = c.standing.stands ? try pinFacts(server: server, tool: tool) : .unpinned
            let outcome = AuthorizationOutcome(decision: c.standing.decide(server: server, tool: tool, pin: pin),
                                               credentialID: c.credentialID, agentID: c.agentID, instanceID: c.instanceID)
            return VersionedOutcome(outcome: outcome, version: version, stableFrom: c.standing.stableFrom,
                                    stableUntil: c.standing.stableUntil)
        }
    }

    public func governanceVersion() throws(StoreError) -> GovernanceVersion? {
        try db.read { () throws(StoreError) -> GovernanceVersion? in try versionInSnapshot() }
    }

    /// The state digest as the governance version; nil on a file from before the digest
    /// (opened read-only, never migrated): its decisions are not reused.
    private func versionInSnapshot() throws(StoreError) -> GovernanceVersion? {
        guard try hasStateDigest() else { return nil }
        let q = try hot(.governanceVersion)
        defer { q.reset() }
        guard try q.step(), let p = sqlite3_column_blob(q.stmt, 0) else { return nil }
        return GovernanceVersion(bytes: UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(q.stmt, 0))))
    }

    public func standing(secret: String, now: Timestamp) throws(StoreError) -> CredentialStanding {
        try db.read { () throws(StoreError) -> CredentialStanding in try standingInSnapshot(secret: secret, now: now) }
    }

    /// The lookups of `authorize`, reading only the columns a decision needs: the credential by
    /// its secret's hash, the chain one primary-key lookup per link (a loop, not recursion, for
    /// a chain 10,000 deep), then the root principal. Builds no `Agent`; scope lists come from
    /// the parsed-text cache.
    private func standingInSnapshot(secret: String, now: Timestamp) throws(StoreError) -> CredentialStanding {
        authHasher.hash(secret)
        let cs = try hot(.authCredential)
        sqlite3_bind_blob(cs.stmt, 1, authHasher.digest, 32, warden_sqlite_static())
        guard try cs.step() else {
            cs.reset()
            return CredentialStanding(standing: .unknownCredential, credentialID: nil, agentID: nil, instanceID: nil)
        }
        let credentialID = cs.string(0), agentID = cs.string(1), instanceID = cs.optString(2)
        let credentialScopes = cs.bytes(3).map { scopes(bytes: $0) } ?? .none
        let credentialExpiresAt = cs.optInt(4), credentialRevokedAt = cs.optInt(5), credentialRevokedBy = cs.optString(6)
        cs.reset()

        // The chain: `key` holds the ID being looked up, `next` receives its parent's, then they swap.
        var (key, next, root) = authKeys
        key.set(agentID)
        var links = authLinks
        authLinks = []
        links.removeAll(keepingCapacity: true)
        defer { authLinks = links }
        var seen = Set<String>()
        let ls = try hot(.authLink)
        while true {
            ls.reset()
            key.bind(ls.stmt, 1)
            guard try ls.step() else { break }
            let revokedAt = ls.optInt(4)
            // The ID and the cause are read only for a revoked link: a live chain builds no string.
            links.append(Authorization.Link(grant: ls.bytes(2).map { scopes(bytes: $0) } ?? .none,
                                            expiresAt: ls.optInt(3), revokedAt: revokedAt,
                                            id: revokedAt == nil ? nil : key.string,
                                            revokedBy: revokedAt == nil ? nil : ls.optString(5)))
            root.set(ls.bytes(1))
            guard let parent = ls.bytes(0) else { break }
            // A cycle cannot be written through the store; guard against a damaged file anyway.
            if links.count > 64 { guard seen.insert(key.string).inserted else { break } }
            next.set(parent)
            swap(&key, &next)
        }
        ls.reset()

        var principalDisabledAt: Timestamp?
        var principalID: String?
        var activePrincipalScopes: ScopeSet?
        if !links.isEmpty {
            let ps = try hot(.authPrincipal)
            root.bind(ps.stmt, 1)
            if try ps.step() {
                // A status other than 'active' reads as disabled, as `principalRow` reads it.
                let active = ps.bytes(0).map { $0.elementsEqual("active".utf8) } ?? false
                if active {
                    activePrincipalScopes = ps.bytes(2).map { scopes(bytes: $0) } ?? ScopeSet.none
                } else {
                    principalDisabledAt = ps.optInt(1) ?? 0
                    principalID = root.string
                }
            }
            ps.reset()
        }
        let standing = Authorization.Standing(credentialScopes: credentialScopes, credentialExpiresAt: credentialExpiresAt,
                                              credentialRevokedAt: credentialRevokedAt, credentialID: credentialID,
                                              credentialRevokedBy: credentialRevokedBy, chain: links,
                                              principalDisabledAt: principalDisabledAt, principalID: principalID,
                                              activePrincipalScopes: activePrincipalScopes, now: now)
        return CredentialStanding(standing: standing, credentialID: credentialID, agentID: agentID, instanceID: instanceID)
    }

    @discardableResult
    public func recordCalls(_ calls: [ToolCall]) throws(StoreError) -> [Int64] {
        if calls.isEmpty { return [] }
        return try write { () throws(StoreError) -> [Int64] in try insertCalls(calls) }
    }

    /// The inserts of `recordCalls`, inside the caller's write transaction.
    func insertCalls(_ calls: [ToolCall]) throws(StoreError) -> [Int64] {
        let insert = try db.prepare("""
            INSERT INTO tool_calls(at, agent_id, instance_id, credential_id, server, tool, decision, reason, duration_ms, result, args,
                                   via, mcp_session, client)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """)
        var seqs: [Int64] = []
        seqs.reserveCapacity(calls.count)
        // Per-minute counts are summed in memory and written once per (agent, minute).
        var minutes: [TelemetryWriter.MinuteKey: (calls: Int64, denied: Int64)] = [:]
        var usage = ToolUsageBatch()
        for raw in calls {
            // Every call is recorded under the one rule: texts capped, arguments redacted.
            let c = raw.forRecording()
            try insert.bind(c.at, c.agentID, c.instanceID, c.credentialID, c.server, c.tool, c.decision.rawValue,
                            c.reason, c.durationMs, c.result?.rawValue, c.args, c.via?.rawValue, c.session, c.client).run()
            seqs.append(db.lastInsertRowID)
            let key = TelemetryWriter.MinuteKey(agent: c.agentID, minute: c.at / 60_000)
            minutes[key, default: (0, 0)].calls += 1
            if c.decision == .deny { minutes[key, default: (0, 0)].denied += 1 }
            usage.note(agent: c.agentID, server: c.server, tool: c.tool, decision: c.decision, at: c.at)
        }
        try usage.flush(db)
        let bump = try db.prepare("""
            INSERT INTO call_minutes(agent_id, minute, calls, denied) VALUES (?, ?, ?, ?)
            ON CONFLICT(minute, agent_id) DO UPDATE SET calls = calls + excluded.calls, denied = denied + excluded.denied
            """)
        for (k, v) in minutes { try bump.bind(k.agent, k.minute, v.calls, v.denied).run() }
        return seqs
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
                    try start.bind(i.id, i.agentID, RecordLimits.clip(i.host, RecordLimits.host), i.pid, i.startedAt, i.lastHeartbeat).run()
                case .heartbeat(let id, let at):
                    try beat.bind(at, id).run()
                case .stopped(let id, let at):
                    try stop.bind(at, at, id).run()
                }
            }
        }
    }
}

/// A growable byte buffer holding one text to bind SQLITE_STATIC (an ID copied out of a row
/// before the row's statement moves on).
final class ByteBuffer {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0
    /// nil when the text set was NULL.
    private(set) var isNull = true

    init(capacity: Int = 128) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    func set(_ bytes: UnsafeBufferPointer<UInt8>?) {
        guard let bytes else { isNull = true; count = 0; return }
        if bytes.count > capacity {
            base.deallocate()
            capacity = max(bytes.count, capacity * 2)
            base = .allocate(capacity: capacity)
        }
        if let p = bytes.baseAddress, bytes.count > 0 { base.update(from: p, count: bytes.count) }
        count = bytes.count
        isNull = false
    }

    func set(_ text: String) {
        var text = text
        text.withUTF8 { set($0) }
    }

    var string: String { String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }

    /// Binds the text SQLITE_STATIC: it must not change until the statement is reset.
    func bind(_ stmt: OpaquePointer, _ index: Int32) {
        if isNull {
            sqlite3_bind_null(stmt, index)
        } else {
            sqlite3_bind_text(stmt, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(count), warden_sqlite_static())
        }
    }
}
