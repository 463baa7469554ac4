import WardenStore
import CSQLite
import WardenCore

// Telemetry: events that agents and tool servers report about themselves (instances starting,
// heartbeating and stopping, tool calls, delegations seen at run time), applied in batches.
// Identities the store does not know are recorded as unregistered agents: they are exactly
// what an operator must see.

extension SQLiteStore {
    /// WAL checkpoints move to a thread of their own until `endBulkWrites` (see
    /// `BackgroundCheckpointer`). Nested calls are counted; read-only stores ignore them.
    public func beginBulkWrites() {
        bulkWrites += 1
        guard bulkWrites == 1, !isReadOnly else { return }
        let c = BackgroundCheckpointer(path: location)
        if c.start(for: db) { checkpointer = c }
    }

    public func endBulkWrites() {
        guard bulkWrites > 0 else { return }
        bulkWrites -= 1
        guard bulkWrites == 0, let c = checkpointer else { return }
        checkpointer = nil
        c.stop(for: db)
    }

    /// The synthetic principal that unregistered agents seen in telemetry hang under.
    public static let unregisteredPrincipalID = "workload:unregistered"
    /// The SPIFFE ID suffix given to an unregistered agent seen only by name.
    public static let unregisteredSuffix = "unregistered"

    /// Applies a batch in one write transaction. Refused events are listed in the outcome and
    /// the rest applied, or, when `atomically`, the first refusal rolls everything back (the
    /// outcome then lists that one refusal and nothing applied). Database failures throw.
    public func applyTelemetry(_ events: [TelemetryEvent], session: TelemetrySession,
                               atomically: Bool) throws(StoreError) -> TelemetryOutcome {
        if events.isEmpty { return TelemetryOutcome() }
        var firstRefusal: (Int, String)?
        do {
            return try write { () throws(StoreError) -> TelemetryOutcome in
                var w = try TelemetryWriter(store: self, session: session)
                var out = TelemetryOutcome()
                // By index: each event is borrowed from the array, not copied out of it.
                for i in events.indices {
                    do {
                        if try w.apply(events[i], &out) { out.applied += 1 } else { out.skipped.append(i) }
                    } catch let refusal as EventRefusal {
                        if atomically {
                            firstRefusal = (i, refusal.reason)
                            throw StoreError.refused(refusal.reason)
                        }
                        out.rejected.append((i, refusal.reason))
                    } catch let e as StoreError {
                        throw e
                    } catch {
                        throw StoreError.io("\(error)")
                    }
                }
                try w.flushMinutes()
                return out
            }
        } catch {
            guard let (i, reason) = firstRefusal else { throw error }
            var out = TelemetryOutcome()
            out.rejected = [(i, reason)]
            return out
        }
    }
}

/// A refusal of one event (the batch goes on without it).
struct EventRefusal: Error {
    let reason: String
}

/// Applies events inside one transaction.
struct TelemetryWriter {
    let store: SQLiteStore
    let session: TelemetrySession
    let db: Database
    let insertCall: Statement
    /// Calls by (agent slot, minute) in this batch, written once at the end.
    var minutes: [SlotMinute: (calls: Int64, denied: Int64)] = [:]
    /// Allowed tools by agent in this batch, written once at the end.
    var usage = ToolUsageBatch()

    struct SlotMinute: Hashable {
        let slot: Int
        let minute: Int64
    }

    struct MinuteKey: Hashable {
        let agent: String
        let minute: Int64
    }

    init(store: SQLiteStore, session: TelemetrySession) throws(StoreError) {
        self.store = store
        self.session = session
        self.db = store.db
        insertCall = try db.prepare("""
            INSERT INTO tool_calls(at, agent_id, instance_id, credential_id, server, tool, decision, reason, duration_ms, result, args)
            VALUES (?,?,?,?,?,?,?,?,?,?,?)
            """)
        if session.trustDomain == nil { session.trustDomain = try store.trustDomain() }
        // Only between batches: this batch's minute counts hold slots.
        session.forgetIfLarge()
    }

    /// True when the event changed something.
    mutating func apply(_ e: TelemetryEvent, _ out: inout TelemetryOutcome) throws -> Bool {
        if let tooLong = Self.overLimit(e) {
            throw EventRefusal(reason: "\(tooLong.field) is \(tooLong.length) characters, longer than the \(tooLong.limit)-character limit")
        }
        switch e.body {
        case .toolCall(let c):
            let agent = try resolveSlot(e.agent, at: e.at, &out)
            try recordCall(c, agent: agent, at: e.at)
            return true
        case .instanceStarted(let id, let host, let pid):
            let agent = try resolve(e.agent, at: e.at, &out)
            try startInstance(id: id, agent: agent, host: host, pid: pid, at: e.at)
            return true
        case .heartbeat(let id, let host, let pid):
            try db.prepare("UPDATE instances SET last_heartbeat = max(last_heartbeat, ?) WHERE id = ?").bind(e.at, id).run()
            if db.changes == 0 {
                guard e.agent != nil else { throw EventRefusal(reason: "heartbeat for unknown instance '\(id)' names no agent") }
                let agent = try resolve(e.agent, at: e.at, &out)
                try startInstance(id: id, agent: agent, host: host ?? "unknown", pid: pid, at: e.at)
            }
            return true
        case .instanceStopped(let id):
            try db.prepare("UPDATE instances SET stopped_at = ?, last_heartbeat = max(last_heartbeat, ?) WHERE id = ? AND stopped_at IS NULL")
                .bind(e.at, e.at, id).run()
            if db.changes == 0 {
                if try db.prepare("SELECT 1 FROM instances WHERE id = ?").bind(id).first({ _ in true }) == nil {
                    throw EventRefusal(reason: "no instance '\(id)' to stop")
                }
                return false  // already stopped
            }
            return true
        case .delegate(let name, let id, let scopes, let ttlMs):
            return try delegate(parentRef: e.agent, name: name, id: id, scopes: scopes, ttlMs: ttlMs, at: e.at)
        case .observedDelegation(let child):
            let parent = try resolve(e.agent, at: e.at, &out)
            if try lookup(child) != nil { return false }
            _ = try resolve(child, at: e.at, &out, parent: parent)
            return true
        }
    }

    /// Identifiers are refused over their limit rather than stored cut (two cut IDs could merge).
    static func overLimit(_ e: TelemetryEvent) -> (field: String, limit: Int, length: Int)? {
        func check(_ field: String, _ value: String?, _ limit: Int) -> (String, Int, Int)? {
            guard let value, value.utf8.count > limit, value.count > limit else { return nil }
            return (field, limit, value.count)
        }
        if let a = check("agent", e.agent, RecordLimits.agent) { return a }
        switch e.body {
        case .toolCall(let c): return RecordLimits.overLimit(c)
        case .instanceStarted(let id, _, _), .heartbeat(let id, _, _), .instanceStopped(let id):
            return check("instance", id, RecordLimits.instanceID)
        case .observedDelegation(let child): return check("agent", child, RecordLimits.agent)
        case .delegate(_, let id, _, _): return check("id", id, RecordLimits.agent)
        }
    }

    // MARK: identities

    /// The agent ID a reference names, creating an unregistered agent for an unknown identity.
    mutating func resolve(_ ref: String?, at: Timestamp, _ out: inout TelemetryOutcome, parent: String? = nil) throws -> String {
        try resolveSlot(ref, at: at, &out, parent: parent).id
    }

    /// `resolve`, with the agent's slot for per-minute counts.
    mutating func resolveSlot(_ ref: String?, at: Timestamp, _ out: inout TelemetryOutcome,
                              parent: String? = nil) throws -> TelemetrySession.Resolved {
        guard let ref, !ref.isEmpty else { throw EventRefusal(reason: "no agent given") }
        if let r = session.agentIDs[ref] { return r }
        if let id = try lookup(ref) { return remember(ref, id) }
        let id = try createUnregistered(ref, at: at, parent: parent, &out)
        return remember(ref, id)
    }

    /// Two references to one agent may take two slots: their minute counts are summed on write.
    @discardableResult
    func remember(_ ref: String, _ id: String) -> TelemetrySession.Resolved {
        let r = TelemetrySession.Resolved(id: id, slot: session.slotIDs.count)
        session.slotIDs.append(id)
        session.agentIDs[ref] = r
        return r
    }

    /// An existing agent by full ID or unique name; nil when none.
    func lookup(_ ref: String) throws -> String? {
        if let r = session.agentIDs[ref] { return r.id }
        if ref.hasPrefix("spiffe://") {
            return try db.prepare("SELECT id FROM agents WHERE id = ?").bind(ref).first { $0.string(0) }
        }
        let named = try db.prepare("SELECT id, registered FROM agents WHERE name = ? ORDER BY registered DESC, rowid LIMIT 4")
            .bind(ref).all { ($0.string(0), $0.int(1) != 0) }
        if named.count <= 1 { return named.first?.0 }
        // A name shared by one registered agent and identities only seen in telemetry means the registered one.
        let registered = named.filter(\.1)
        if registered.count == 1 { return registered[0].0 }
        throw EventRefusal(reason: "agent name '\(ref)' is ambiguous (\(named.map(\.0).joined(separator: ", "))); use the SPIFFE ID")
    }

    mutating func createUnregistered(_ ref: String, at: Timestamp, parent: String?, _ out: inout TelemetryOutcome) throws -> String {
        let td = session.trustDomain ?? "warden.local"
        let id: String, name: String
        if ref.hasPrefix("spiffe://") {
            guard let n = Identity.agentName(fromID: ref), (try? Identity.validateAgentName(n)) != nil,
                  ref.utf8.count <= 512, !ref.utf8.contains(where: { $0 < 0x21 || $0 == 0x7F }) else {
                throw EventRefusal(reason: "agent '\(ref)' is not a valid agent SPIFFE ID (spiffe://DOMAIN/agent/NAME/ID)")
            }
            id = ref; name = n
        } else {
            do { try Identity.validateAgentName(ref) } catch {
                throw EventRefusal(reason: "agent '\(ref)' is neither an agent SPIFFE ID nor a valid agent name")
            }
            id = Identity.agentID(trustDomain: td, name: ref, suffix: SQLiteStore.unregisteredSuffix)
            name = ref
        }
        var principalID = SQLiteStore.unregisteredPrincipalID
        var depth = 1
        if let parent, let p = try store.agent(parent) {
            principalID = p.principalID
            depth = p.depth + 1
        } else {
            try db.prepare("INSERT OR IGNORE INTO principals(\(SQLiteStore.principalColumns)) VALUES (?,?,?,?,?,?,NULL)")
                .bind(principalID, Principal.Kind.workload.rawValue, "Unregistered identities seen in telemetry",
                      ScopeSet.none.description, Principal.Status.active.rawValue, at).run()
        }
        try db.prepare("INSERT OR IGNORE INTO agents(\(SQLiteStore.agentColumns)) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
            .bind(id, name, principalID, parent, depth, ScopeSet.none.description, at, nil, nil, nil, false).run()
        if db.changes > 0 {
            out.unregisteredAgents.append(id)
            try store.appendAudit(Mutation(operatorName: session.operatorName, now: at), action: "agent.observe", target: id,
                                  before: nil, after: store.json([
                                      "registered": .bool(false), "name": .string(name),
                                      "delegator": .string(parent ?? principalID), "seen_as": .string(ref),
                                  ]))
        }
        return id
    }

    // MARK: instances and calls

    func startInstance(id: String, agent: String, host rawHost: String, pid: Int64?, at: Timestamp) throws {
        let host = RecordLimits.clip(rawHost, RecordLimits.host)
        let owner = try db.prepare("SELECT agent_id FROM instances WHERE id = ?").bind(id).first { $0.string(0) }
        if let owner, owner != agent {
            throw EventRefusal(reason: "instance '\(id)' belongs to \(owner), not \(agent)")
        }
        try db.prepare("""
            INSERT INTO instances(\(SQLiteStore.instanceColumns)) VALUES (?,?,?,?,?,?,NULL)
            ON CONFLICT(id) DO UPDATE SET host = excluded.host, pid = coalesce(excluded.pid, pid),
                last_heartbeat = max(last_heartbeat, excluded.last_heartbeat), stopped_at = NULL
            """).bind(id, agent, host, pid, at, at).run()
    }

    mutating func recordCall(_ raw: ToolCall, agent resolved: TelemetrySession.Resolved, at: Timestamp) throws {
        let agent = resolved.id
        // The one rule for recorded calls: texts capped, arguments redacted.
        let c = raw.forRecording()
        let s = insertCall.stmt
        // Every parameter is bound below, so no clear_bindings. The texts are copied into one
        // reused buffer and bound SQLITE_STATIC: no allocation and copy per field inside SQLite.
        sqlite3_reset(s)
        let args = c.args
        let decision = c.decision.rawValue, result = c.result?.rawValue
        let buf = TextBuffer.of(session)
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
        let denied: Int64 = c.decision == .deny ? 1 : 0
        let key = SlotMinute(slot: resolved.slot, minute: Self.minute(at))
        if let v = minutes[key] { minutes[key] = (v.calls + 1, v.denied + denied) } else { minutes[key] = (1, denied) }
        usage.note(agent: agent, server: c.server, tool: c.tool, decision: c.decision, at: at)
    }

    static func minute(_ at: Timestamp) -> Int64 { at >= 0 ? at / 60_000 : (at - 59_999) / 60_000 }

    mutating func flushMinutes() throws(StoreError) {
        try usage.flush(db)
        if minutes.isEmpty { return }
        let bump = try db.prepare("""
            INSERT INTO call_minutes(agent_id, minute, calls, denied) VALUES (?, ?, ?, ?)
            ON CONFLICT(minute, agent_id) DO UPDATE SET calls = calls + excluded.calls, denied = denied + excluded.denied
            """)
        for (k, v) in minutes { try bump.bind(session.slotIDs[k.slot], k.minute, v.calls, v.denied).run() }
        minutes.removeAll()
    }

    // MARK: delegation

    /// Rule 1 applies as for `registerAgent`, evaluated at the event's time.
    mutating func delegate(parentRef: String?, name: String, id: String?, scopes: ScopeSet, ttlMs: Int64?, at: Timestamp) throws -> Bool {
        guard let parentRef, !parentRef.isEmpty else { throw EventRefusal(reason: "no parent given") }
        guard let parent = try lookup(parentRef) else {
            throw EventRefusal(reason: "refused: no agent '\(parentRef)' to delegate from (register it first)")
        }
        if session.agentIDs[parentRef] == nil { remember(parentRef, parent) }
        do { try Identity.validateAgentName(name) } catch { throw EventRefusal(reason: error.description) }
        // The event's time starts the new agent's lifetime: one dated ahead would outlive its TTL.
        if let clock = session.clock, let problem = IssueTime.problem(at, now: clock()) {
            throw EventRefusal(reason: "refused: the delegation's time \(problem)")
        }
        let td = session.trustDomain ?? "warden.local"
        if let id {
            guard Identity.isAgentID(id, in: td) else {
                throw EventRefusal(reason: "id '\(id)' is not an agent ID in trust domain '\(td)'")
            }
            if let existing = try store.agent(id) {
                if existing.parentID == parent && existing.name == name { return false }  // seen before
                throw EventRefusal(reason: "agent '\(id)' already exists (delegated by \(existing.delegatorID))")
            }
        }
        // A name answers to its live registered agent (`resolve`): telemetry may not register a
        // second one under it, or `warden revoke NAME` would stop naming one agent.
        if let holder = try db.prepare("""
            SELECT id FROM agents WHERE name = ? AND registered = 1 AND revoked_at IS NULL
                AND (expires_at IS NULL OR expires_at > ?) LIMIT 1
            """).bind(name, at).first({ $0.string(0) }) {
            throw EventRefusal(reason: "refused: the name '\(name)' belongs to the live registered agent \(holder); delegate under another name")
        }
        let authority: SQLiteStore.Authority
        do { authority = try store.activeAuthority(of: parent, now: at) } catch {
            throw EventRefusal(reason: error.description)
        }
        let expiry: Timestamp?
        do throws(Attenuation.Refusal) {
            expiry = try Attenuation.delegate(requested: scopes, requestedExpiry: ttlMs.map { at + $0 },
                                              delegator: parent, delegatorEffective: authority.effective,
                                              delegatorExpiry: authority.expiry)
        } catch { throw EventRefusal(reason: error.description) }
        let newID = try id ?? store.newAgentID(trustDomain: td, name: name)
        let agent = Agent(id: newID, name: name, principalID: authority.principalID, parentID: parent,
                          depth: authority.depth + 1, grant: scopes, createdAt: at, expiresAt: expiry)
        try store.insertAgent(agent)
        try store.appendAudit(Mutation(operatorName: session.operatorName, now: at), action: "agent.register", target: newID,
                              before: nil, after: store.json([
                                  "name": .string(name), "delegator": .string(parent), "scopes": .strings(scopes.strings),
                                  "expires_at": .time(expiry), "source": .string("telemetry"),
                              ]))
        remember(newID, newID)
        return true
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
