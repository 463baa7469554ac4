import WardenCore

// Telemetry: events that agents and tool servers report about themselves (instances starting,
// heartbeating and stopping, tool calls, delegations seen at run time), applied in batches.
// Identities the store does not know are recorded as unregistered agents: they are exactly
// what an operator must see.
extension FleetRules {
    /// Applies a batch in one write transaction. Refused events are listed in the outcome and
    /// the rest applied, or, when `atomically`, the first refusal rolls everything back (the
    /// outcome then lists that one refusal and nothing applied). Backend failures throw.
    package func applyTelemetry(_ events: [TelemetryEvent], session: TelemetrySession,
                                atomically: Bool) throws(StoreError) -> TelemetryOutcome {
        if events.isEmpty { return TelemetryOutcome() }
        var firstRefusal: (Int, String)?
        do throws(StoreError) {
            return try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> TelemetryOutcome in
                var applier = try TelemetryApplier(tx, session: session)
                var out = TelemetryOutcome()
                // By index: each event is borrowed from the array, not copied out of it.
                for i in events.indices {
                    do throws(EventFailure) {
                        if try applier.apply(events[i], &out) { out.applied += 1 } else { out.skipped.append(i) }
                    } catch {
                        switch error {
                        case .backend(let failure):
                            throw failure
                        case .refused(let reason):
                            if atomically {
                                firstRefusal = (i, reason)
                                throw StoreError.refused(reason)
                            }
                            out.rejected.append((i, reason))
                        }
                    }
                }
                try applier.flush()
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

/// Why one event was not applied: a refusal (the batch goes on without it) or a backend
/// failure (the batch fails).
enum EventFailure: Error {
    case refused(String)
    case backend(StoreError)
}

/// Applies events inside one transaction: the telemetry identity rules (unknown identities
/// become unregistered agents, delegations obey rule 1), per-minute counts and tool usage kept
/// in memory and written once at the end.
struct TelemetryApplier<Tx: RuleTransaction> {
    // The fields that do not depend on `Tx` come first: their offsets are fixed, not read
    // from the generic type's metadata.
    let session: TelemetrySession
    /// Per-minute counts and tool usage in this batch, written once at the end.
    var counts = CallCounts()
    let tx: Tx
    let calls: Tx.CallWriter

    init(_ tx: Tx, session: TelemetrySession) throws(StoreError) {
        self.tx = tx
        self.session = session
        calls = try tx.callWriter(session: session)
        if session.trustDomain == nil { session.trustDomain = try tx.trustDomain() }
        // Only between batches: this batch's minute counts hold slots.
        session.forgetIfLarge()
    }

    /// A backend call whose failure fails the batch.
    private func io<T>(_ body: () throws(StoreError) -> T) throws(EventFailure) -> T {
        do { return try body() } catch { throw .backend(error) }
    }

    /// True when the event changed something.
    mutating func apply(_ e: TelemetryEvent, _ out: inout TelemetryOutcome) throws(EventFailure) -> Bool {
        if let tooLong = e.fieldOverLimit() {
            throw .refused("\(tooLong.field) is \(tooLong.length) characters, longer than the \(tooLong.limit)-character limit")
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
            if try !io({ () throws(StoreError) in try tx.heartbeat(instanceID: id, at: e.at) }) {
                guard e.agent != nil else { throw .refused("heartbeat for unknown instance '\(id)' names no agent") }
                let agent = try resolve(e.agent, at: e.at, &out)
                try startInstance(id: id, agent: agent, host: host ?? "unknown", pid: pid, at: e.at)
            }
            return true
        case .instanceStopped(let id):
            if try !io({ () throws(StoreError) in try tx.stop(instanceID: id, at: e.at) }) {
                if try io({ () throws(StoreError) in try tx.instance(id) }) == nil {
                    throw .refused("no instance '\(id)' to stop")
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

    /// Writes the batch's per-minute counts and tool usage.
    mutating func flush() throws(StoreError) {
        try tx.noteToolUse(counts.takeUsage())
        let minutes = counts.takeMinutes(slotIDs: session.slotIDs)
        if minutes.isEmpty { return }
        try tx.addCallMinutes(minutes)
    }

    // MARK: identities

    /// The agent ID a reference names, creating an unregistered agent for an unknown identity.
    mutating func resolve(_ ref: String?, at: Timestamp, _ out: inout TelemetryOutcome, parent: String? = nil) throws(EventFailure) -> String {
        try resolveSlot(ref, at: at, &out, parent: parent).id
    }

    /// `resolve`, with the agent's slot for per-minute counts.
    mutating func resolveSlot(_ ref: String?, at: Timestamp, _ out: inout TelemetryOutcome,
                              parent: String? = nil) throws(EventFailure) -> TelemetrySession.Resolved {
        guard let ref, !ref.isEmpty else { throw .refused("no agent given") }
        if let r = session.agentIDs[ref] { return r }
        if let id = try lookup(ref) { return remember(ref, id) }
        let id = try createUnregistered(ref, at: at, parent: parent, &out)
        return remember(ref, id)
    }

    @discardableResult
    func remember(_ ref: String, _ id: String) -> TelemetrySession.Resolved {
        let r = TelemetrySession.Resolved(id: id, slot: session.slotIDs.count)
        session.slotIDs.append(id)
        session.agentIDs[ref] = r
        return r
    }

    /// An existing agent by full ID or unique name; nil when none.
    func lookup(_ ref: String) throws(EventFailure) -> String? {
        if let r = session.agentIDs[ref] { return r.id }
        if ref.hasPrefix("spiffe://") {
            return try io { () throws(StoreError) in try tx.agent(ref)?.id }
        }
        let named = try io { () throws(StoreError) in try tx.agents(named: ref, limit: 4) }
        if named.count <= 1 { return named.first?.id }
        // A name shared by one registered agent and identities only seen in telemetry means the registered one.
        let registered = named.filter(\.registered)
        if registered.count == 1 { return registered[0].id }
        throw .refused("agent name '\(ref)' is ambiguous (\(named.map(\.id).joined(separator: ", "))); use the SPIFFE ID")
    }

    mutating func createUnregistered(_ ref: String, at: Timestamp, parent: String?,
                                     _ out: inout TelemetryOutcome) throws(EventFailure) -> String {
        let td = session.trustDomain ?? "warden.local"
        let id: String, name: String
        if ref.hasPrefix("spiffe://") {
            guard Identity.isObservedAgentID(ref), let n = Identity.agentName(fromID: ref) else {
                throw .refused("agent '\(ref)' is not a valid agent SPIFFE ID (spiffe://DOMAIN/agent/NAME/ID)")
            }
            id = ref; name = n
        } else {
            do { try Identity.validateAgentName(ref) } catch {
                throw .refused("agent '\(ref)' is neither an agent SPIFFE ID nor a valid agent name")
            }
            id = Identity.agentID(trustDomain: td, name: ref, suffix: RuleDefaults.unregisteredSuffix)
            name = ref
        }
        return try io { () throws(StoreError) -> String in
            var principalID = RuleDefaults.unregisteredPrincipalID
            var depth = 1
            if let parent, let p = try tx.agent(parent) {
                principalID = p.principalID
                depth = p.depth + 1
            } else {
                _ = try tx.insertIfAbsent(Principal(id: principalID, kind: .workload, name: "Unregistered identities seen in telemetry",
                                                    scopes: .none, status: .active, createdAt: at))
            }
            let agent = Agent(id: id, name: name, principalID: principalID, parentID: parent, depth: depth, grant: .none,
                              createdAt: at, expiresAt: nil, registered: false)
            if try tx.insertIfAbsent(agent) {
                out.unregisteredAgents.append(id)
                try tx.journal(Mutation(operatorName: session.operatorName, now: at), action: "agent.observe", target: id,
                               before: nil, after: AuditPayload.json([
                                   "registered": .bool(false), "name": .string(name),
                                   "delegator": .string(parent ?? principalID), "seen_as": .string(ref),
                               ]))
            }
            return id
        }
    }

    // MARK: instances and calls

    func startInstance(id: String, agent: String, host rawHost: String, pid: Int64?, at: Timestamp) throws(EventFailure) {
        let host = RecordLimits.clip(rawHost, RecordLimits.host)
        if let owner = try io({ () throws(StoreError) in try tx.instance(id)?.agentID }), owner != agent {
            throw .refused("instance '\(id)' belongs to \(owner), not \(agent)")
        }
        try io { () throws(StoreError) in try tx.upsertInstance(id: id, agentID: agent, host: host, pid: pid, at: at) }
    }

    mutating func recordCall(_ raw: ToolCall, agent resolved: TelemetrySession.Resolved, at: Timestamp) throws(EventFailure) {
        // The one rule for recorded calls: texts capped, arguments redacted. Telemetry came
        // through ingest, whatever it says (the backends write `ingest` too).
        var c = raw.forRecording()
        c.via = .ingest
        try io { () throws(StoreError) in try calls.write(c, agentID: resolved.id, at: at) }
        counts.note(c, agent: resolved, at: at)
    }

    // MARK: delegation

    /// Rule 1 applies as for `registerAgent`, evaluated at the event's time.
    mutating func delegate(parentRef: String?, name: String, id: String?, scopes: ScopeSet, ttlMs: Int64?,
                           at: Timestamp) throws(EventFailure) -> Bool {
        guard let parentRef, !parentRef.isEmpty else { throw .refused("no parent given") }
        guard let parent = try lookup(parentRef) else {
            throw .refused("refused: no agent '\(parentRef)' to delegate from (register it first)")
        }
        if session.agentIDs[parentRef] == nil { remember(parentRef, parent) }
        do { try Identity.validateAgentName(name) } catch { throw .refused(error.description) }
        // The event's time starts the new agent's lifetime: one dated ahead would outlive its TTL.
        if let clock = session.clock, let problem = IssueTime.problem(at, now: clock()) {
            throw .refused("refused: the delegation's time \(problem)")
        }
        let td = session.trustDomain ?? "warden.local"
        if let id {
            guard Identity.isAgentID(id, in: td) else {
                throw .refused("id '\(id)' is not an agent ID in trust domain '\(td)'")
            }
            if let existing = try io({ () throws(StoreError) in try tx.agent(id) }) {
                if existing.parentID == parent && existing.name == name { return false }  // seen before
                throw .refused("agent '\(id)' already exists (delegated by \(existing.delegatorID))")
            }
        }
        // A name answers to its live registered agent (`resolve`): telemetry may not register a
        // second one under it, or `warden revoke NAME` would stop naming one agent.
        if let holder = try io({ () throws(StoreError) in try tx.liveRegisteredAgent(named: name, at: at) }) {
            throw .refused("refused: the name '\(name)' belongs to the live registered agent \(holder); delegate under another name")
        }
        let authority: Authority
        do throws(StoreError) { authority = try tx.activeAuthority(of: parent, now: at) } catch {
            throw .refused(error.description)
        }
        let expiry: Timestamp?
        do throws(Attenuation.Refusal) {
            expiry = try Attenuation.delegate(requested: scopes, requestedExpiry: ttlMs.map { at + $0 },
                                              delegator: parent, delegatorEffective: authority.effective,
                                              delegatorExpiry: authority.expiry)
        } catch { throw .refused(error.description) }
        let newID = try io { () throws(StoreError) -> String in
            let newID: String
            if let id { newID = id } else { newID = try tx.newAgentID(trustDomain: td, name: name) }
            try tx.insert(Agent(id: newID, name: name, principalID: authority.principalID, parentID: parent,
                                depth: authority.depth + 1, grant: scopes, createdAt: at, expiresAt: expiry))
            try tx.journal(Mutation(operatorName: session.operatorName, now: at), action: "agent.register", target: newID,
                           before: nil, after: AuditPayload.json([
                               "name": .string(name), "delegator": .string(parent), "scopes": .strings(scopes.strings),
                               "expires_at": .time(expiry), "source": .string("telemetry"),
                           ]))
            return newID
        }
        remember(newID, newID)
        return true
    }
}

extension TelemetryEvent {
    /// Identifiers are refused over their limit rather than stored cut (two cut IDs could merge).
    func fieldOverLimit() -> (field: String, limit: Int, length: Int)? {
        func check(_ field: String, _ value: String?, _ limit: Int) -> (String, Int, Int)? {
            guard let value, value.utf8.count > limit, value.count > limit else { return nil }
            return (field, limit, value.count)
        }
        if let a = check("agent", agent, RecordLimits.agent) { return a }
        switch body {
        case .toolCall(let c): return RecordLimits.overLimit(c)
        case .instanceStarted(let id, _, _), .heartbeat(let id, _, _), .instanceStopped(let id):
            return check("instance", id, RecordLimits.instanceID)
        case .observedDelegation(let child): return check("agent", child, RecordLimits.agent)
        case .delegate(_, let id, _, _): return check("id", id, RecordLimits.agent)
        }
    }
}
