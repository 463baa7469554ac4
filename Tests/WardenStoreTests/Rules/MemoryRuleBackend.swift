import WardenCore
@testable import WardenStore

/// A backend of plain arrays, no SQL: the rules run over it exactly as over SQLite, so their
/// tests prove the rules and nothing of a database. A write transaction that throws restores
/// the rows it began with.
final class MemoryRuleBackend: RuleBackend {
    struct Rows {
        var principals: [Principal] = []
        /// In the order written (as `agents()` returns them).
        var agents: [Agent] = []
        var credentials: [(credential: Credential, secretHash: [UInt8])] = []
        var instances: [Instance] = []
        var journal: [AuditRecord] = []
        var calls: [ToolCall] = []
        var callMinutes: [MinuteKey: (calls: Int, denied: Int)] = [:]
        var toolUse: [ToolUsageBatch.Key: Timestamp] = [:]
        var toolServers: [String: ToolServer] = [:]
        var toolPolicies = ToolPolicies()
        var toolPins: [String: ToolPin] = [:]
        /// By `ToolKeys.decision`, with the time written to keep their order.
        var toolDecisions: [String: (server: String, tool: String, decision: ToolDecision)] = [:]
        var toolDefinitions: [String: String] = [:]
        var gates: [Gate] = []
        var gateCredentials: [(credential: GateCredential, secretHash: [UInt8])] = []
    }

    struct MinuteKey: Hashable {
        let agent: String
        let minute: Int64
    }

    let trustDomain: String
    var rows = Rows()
    /// The governed state's digest as a backend would keep it; nil keeps none. Tests change it
    /// behind the rules' back to stand for a change made outside them.
    var digest: StateDigest?
    /// The digest at the start of the transaction, or at its last journal record.
    var digestAtStart: StateDigest?
    private(set) var commits = 0
    let toolListMemo = ToolListMemo()

    init(trustDomain: String = "acme.example") {
        self.trustDomain = trustDomain
    }

    var rules: FleetRules<MemoryRuleBackend> { FleetRules(self) }

    func writeTransaction<T>(_ body: (MemoryTransaction) throws(StoreError) -> T) throws(StoreError) -> T {
        let saved = rows
        digestAtStart = digest
        do {
            let result = try body(MemoryTransaction(backend: self))
            commits += 1
            return result
        } catch {
            rows = saved
            throw error
        }
    }

    func readTransaction<T>(_ body: (MemoryTransaction) throws(StoreError) -> T) throws(StoreError) -> T {
        try body(MemoryTransaction(backend: self))
    }
}

struct MemoryTransaction: RuleTransaction {
    let backend: MemoryRuleBackend
    private var rows: MemoryRuleBackend.Rows {
        get { backend.rows }
        nonmutating set { backend.rows = newValue }
    }

    func trustDomain() throws(StoreError) -> String { backend.trustDomain }

    // MARK: Reads

    func principal(_ id: String) throws(StoreError) -> Principal? { rows.principals.first { $0.id == id } }
    func agent(_ id: String) throws(StoreError) -> Agent? { rows.agents.first { $0.id == id } }

    func chain(of agentID: String) throws(StoreError) -> [Agent] {
        var out: [Agent] = []
        var next: String? = agentID
        while let id = next, let a = try agent(id) {
            out.append(a)
            next = a.parentID
        }
        return out
    }

    func credential(_ id: String) throws(StoreError) -> Credential? { rows.credentials.first { $0.credential.id == id }?.credential }

    func credential(secretHash: [UInt8]) throws(StoreError) -> Credential? {
        rows.credentials.first { $0.secretHash == secretHash }?.credential
    }

    func successor(of credentialID: String) throws(StoreError) -> String? {
        rows.credentials.first { $0.credential.renewedFrom == credentialID }?.credential.id
    }

    func instance(_ id: String) throws(StoreError) -> Instance? { rows.instances.first { $0.id == id } }

    func agents(named name: String, limit: Int) throws(StoreError) -> [(id: String, registered: Bool)] {
        let named = rows.agents.filter { $0.name == name }
        return Array((named.filter(\.registered) + named.filter { !$0.registered }).prefix(limit).map { ($0.id, $0.registered) })
    }

    func ids(startingWith prefix: String, of kind: IDTable, limit: Int) throws(StoreError) -> [String] {
        let ids = kind == .agents ? rows.agents.map(\.id) : rows.credentials.map(\.credential.id)
        return Array(ids.filter { $0.hasPrefix(prefix) }.sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }.prefix(limit))
    }

    func registeredAgentNames(startingWith prefix: String, limit: Int) throws(StoreError) -> [String] {
        let names = Set(rows.agents.filter { $0.registered && $0.name.hasPrefix(prefix) }.map(\.name))
        return Array(names.sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }.prefix(limit))
    }

    func liveRegisteredAgent(named name: String, at: Timestamp) throws(StoreError) -> String? {
        rows.agents.first { $0.name == name && $0.registered && !$0.isRevoked && !$0.isExpired(at: at) }?.id
    }

    /// Breadth first from the agent: every delegator before its delegates.
    func subtree(of agentID: String) throws(StoreError) -> [NarrowingPlan.Node] {
        guard let root = try agent(agentID) else { return [] }
        var nodes = [NarrowingPlan.Node(id: root.id, name: root.name, parent: -1, grant: root.grant, isRevoked: root.isRevoked)]
        var i = 0
        while i < nodes.count {
            for a in rows.agents where a.parentID == nodes[i].id {
                nodes.append(NarrowingPlan.Node(id: a.id, name: a.name, parent: i, grant: a.grant, isRevoked: a.isRevoked))
            }
            i += 1
        }
        return nodes
    }

    // MARK: Writes

    func insert(_ principal: Principal) throws(StoreError) {
        if try self.principal(principal.id) != nil { throw .io("duplicate principal \(principal.id)") }
        rows.principals.append(principal)
    }

    func insert(_ agent: Agent) throws(StoreError) {
        if try self.agent(agent.id) != nil { throw .io("duplicate agent \(agent.id)") }
        rows.agents.append(agent)
    }

    func insert(_ credential: Credential, secretHash: [UInt8]) throws(StoreError) {
        if try self.credential(credential.id) != nil { throw .io("duplicate credential \(credential.id)") }
        rows.credentials.append((credential, secretHash))
    }

    func insert(_ instance: Instance) throws(StoreError) {
        if try self.instance(instance.id) != nil { throw .io("duplicate instance \(instance.id)") }
        rows.instances.append(instance)
    }

    func insertIfAbsent(_ principal: Principal) throws(StoreError) -> Bool {
        if try self.principal(principal.id) != nil { return false }
        rows.principals.append(principal)
        return true
    }

    func insertIfAbsent(_ agent: Agent) throws(StoreError) -> Bool {
        if try self.agent(agent.id) != nil { return false }
        rows.agents.append(agent)
        return true
    }

    private func updateAgent(_ id: String, _ change: (inout Agent) -> Void) {
        if let i = rows.agents.firstIndex(where: { $0.id == id }) { change(&rows.agents[i]) }
    }

    private func updateCredential(_ id: String, _ change: (inout Credential) -> Void) {
        if let i = rows.credentials.firstIndex(where: { $0.credential.id == id }) { change(&rows.credentials[i].credential) }
    }

    func disablePrincipal(_ id: String, at: Timestamp) throws(StoreError) {
        if let i = rows.principals.firstIndex(where: { $0.id == id }) {
            rows.principals[i].status = .disabled
            rows.principals[i].disabledAt = at
        }
    }

    func setGrant(agentID: String, _ scopes: ScopeSet) throws(StoreError) { updateAgent(agentID) { $0.grant = scopes } }

    func setGrants(_ changes: [NarrowingPlan.Change]) throws(StoreError) {
        for c in changes { updateAgent(c.agentID) { $0.grant = c.after } }
    }

    func setExpiry(credentialID: String, _ at: Timestamp) throws(StoreError) { updateCredential(credentialID) { $0.expiresAt = at } }

    func revoke(agents: [String], credentials: [String], _ r: Revocation) throws(StoreError) {
        for id in agents {
            updateAgent(id) { a in
                guard a.revokedAt == nil else { return }
                a.revokedAt = r.at; a.revokeReason = r.reason; a.revokedBy = r.cause
            }
        }
        for id in credentials {
            updateCredential(id) { c in
                guard c.revokedAt == nil else { return }
                c.revokedAt = r.at; c.revokedBy = r.cause
            }
        }
    }

    func revokeSubtree(_ target: RevocationPlan.Target, _ r: Revocation, liveSince: Timestamp) throws(StoreError) -> RevocationPlan {
        var walk: [Agent]
        switch target {
        case .agent(let id): walk = rows.agents.filter { $0.id == id }
        case .principal(let id): walk = rows.agents.filter { $0.principalID == id && $0.parentID == nil }
        case .credential: return RevocationPlan(target: target, agents: [], credentials: [], liveInstances: 0)
        }
        var i = 0
        while i < walk.count {
            let parent = walk[i].id
            walk.append(contentsOf: rows.agents.filter { $0.parentID == parent })
            i += 1
        }
        let agents = walk.filter { !$0.isRevoked }.map(\.id)
        let credentials = walk.flatMap { a in rows.credentials.filter { $0.credential.agentID == a.id && $0.credential.revokedAt == nil }.map(\.credential.id) }
        let ids = Set(walk.map(\.id))
        let live = rows.instances.filter { ids.contains($0.agentID) && $0.stoppedAt == nil && $0.lastHeartbeat >= liveSince }.count
        try revoke(agents: agents, credentials: credentials, r)
        return RevocationPlan(target: target, agents: agents, credentials: credentials, liveInstances: live)
    }

    // MARK: Instances and telemetry

    func heartbeat(instanceID: String, at: Timestamp) throws(StoreError) -> Bool {
        guard let i = rows.instances.firstIndex(where: { $0.id == instanceID }) else { return false }
        rows.instances[i].lastHeartbeat = max(rows.instances[i].lastHeartbeat, at)
        return true
    }

    func stop(instanceID: String, at: Timestamp) throws(StoreError) -> Bool {
        guard let i = rows.instances.firstIndex(where: { $0.id == instanceID && $0.stoppedAt == nil }) else { return false }
        rows.instances[i].stoppedAt = at
        rows.instances[i].lastHeartbeat = max(rows.instances[i].lastHeartbeat, at)
        return true
    }

    func upsertInstance(id: String, agentID: String, host: String, pid: Int64?, at: Timestamp) throws(StoreError) {
        guard let i = rows.instances.firstIndex(where: { $0.id == id }) else {
            rows.instances.append(Instance(id: id, agentID: agentID, host: host, pid: pid, startedAt: at, lastHeartbeat: at))
            return
        }
        rows.instances[i].host = host
        rows.instances[i].pid = pid ?? rows.instances[i].pid
        rows.instances[i].lastHeartbeat = max(rows.instances[i].lastHeartbeat, at)
        rows.instances[i].stoppedAt = nil
    }

    func callWriter(session: TelemetrySession) throws(StoreError) -> MemoryCallWriter { MemoryCallWriter(backend: backend) }

    func addCallMinutes(_ counts: [CallMinute]) throws(StoreError) {
        for c in counts {
            let key = MemoryRuleBackend.MinuteKey(agent: c.agentID, minute: c.minute)
            let sum = rows.callMinutes[key] ?? (0, 0)
            rows.callMinutes[key] = (sum.calls + c.calls, sum.denied + c.denied)
        }
    }

    func noteToolUse(_ usage: ToolUsageBatch) throws(StoreError) {
        for (k, at) in usage.latest { rows.toolUse[k] = max(rows.toolUse[k] ?? at, at) }
    }

    // MARK: Tool pins

    func toolServer(_ name: String) throws(StoreError) -> ToolServer? { rows.toolServers[name] }
    func writeToolServer(_ server: ToolServer) throws(StoreError) { rows.toolServers[server.name] = server }
    func toolServers() throws(StoreError) -> [ToolServer] { rows.toolServers.values.sorted { $0.name < $1.name } }
    func toolPolicies() throws(StoreError) -> ToolPolicies { rows.toolPolicies }
    func writeToolPolicies(_ policies: ToolPolicies) throws(StoreError) { rows.toolPolicies = policies }

    func toolPins(server: String?) throws(StoreError) -> [ToolPin] {
        rows.toolPins.values.filter { server == nil || $0.server == server }
            .sorted { ($0.server, $0.tool) < ($1.server, $1.tool) }
            .map { p in
                var p = p
                p.decisions = (try? toolDecisions(server: p.server, tool: p.tool)) ?? []
                return p
            }
    }

    func toolDecisions(server: String, tool: String) throws(StoreError) -> [ToolDecision] {
        rows.toolDecisions.filter { $0.value.server == server && $0.value.tool == tool }
            .sorted { ($0.value.decision.at, $0.key) < ($1.value.decision.at, $1.key) }.map(\.value.decision)
    }

    func writeToolPin(_ pin: ToolPin) throws(StoreError) {
        var p = pin
        p.decisions = []
        if let old = rows.toolPins[p.name] { p.firstSeenAt = old.firstSeenAt }
        rows.toolPins[p.name] = p
    }

    func writeToolDecision(server: String, tool: String, _ decision: ToolDecision) throws(StoreError) {
        rows.toolDecisions[ToolKeys.decision(server, tool, decision.hash)] = (server, tool, decision)
    }

    func deleteToolDecision(server: String, tool: String, hash: String?) throws(StoreError) {
        rows.toolDecisions[ToolKeys.decision(server, tool, hash)] = nil
    }

    func insertToolDefinition(hash: String, canonical: String, at: Timestamp) throws(StoreError) {
        if rows.toolDefinitions[hash] == nil { rows.toolDefinitions[hash] = canonical }
    }

    func toolDefinition(hash: String) throws(StoreError) -> String? { rows.toolDefinitions[hash] }

    func usedTools() throws(StoreError) -> [(server: String, tool: String)] {
        Set(rows.toolUse.keys.map { ToolKeys.pin($0.server, $0.tool) }).sorted().map { key in
            let slash = key.firstIndex(of: "/")!
            return (String(key[..<slash]), String(key[key.index(after: slash)...]))
        }
    }

    // MARK: Journal and digest

    func journalHead() throws(StoreError) -> AuditHead? { rows.journal.last.map { AuditHead(seq: $0.seq, hash: $0.hash) } }

    func appendJournal(_ record: AuditRecord) throws(StoreError) {
        rows.journal.append(record)
        if backend.digest != nil { backend.digestAtStart = record.stateDigest.flatMap { StateDigest(hex: $0) } }
    }

    func journalRecords(afterSeq: Int64, limit: Int) throws(StoreError) -> [AuditRecord] {
        Array(rows.journal.filter { $0.seq > afterSeq }.prefix(limit))
    }

    func journalHash(seq: Int64) throws(StoreError) -> String? { rows.journal.first { $0.seq == seq }?.hash }

    func lastJournaledDigest() throws(StoreError) -> (seq: Int64, hex: String)? {
        rows.journal.last { $0.stateDigest != nil }.map { ($0.seq, $0.stateDigest!) }
    }

    func stateDigest() throws(StoreError) -> StateDigest? { backend.digest }
    func stateDigestAtStart() throws(StoreError) -> StateDigest? { backend.digest == nil ? nil : backend.digestAtStart }
}

final class MemoryCallWriter: TelemetryCallWriter {
    let backend: MemoryRuleBackend
    init(backend: MemoryRuleBackend) { self.backend = backend }

    func write(_ call: ToolCall, agentID: String, at: Timestamp) throws(StoreError) {
        var c = call
        c.agentID = agentID
        c.at = at
        backend.rows.calls.append(c)
    }
}
