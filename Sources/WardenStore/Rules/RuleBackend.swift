import WardenCore

/// What the rules (`FleetRules`) need from a backend: transactions, and row-level reads and
/// writes inside them. A backend implements this with its query language and nothing else: it
/// validates nothing, mints no ID, builds no journal payload and decides no revocation; those
/// are the rules', the same for every backend.
package protocol RuleBackend: AnyObject {
    associatedtype Transaction: RuleTransaction
    /// One write transaction: everything `body` writes commits together, or, when it throws,
    /// nothing does. Concurrent writers are serialized (each sees the others' commits).
    func writeTransaction<T>(_ body: (Transaction) throws(StoreError) -> T) throws(StoreError) -> T
    /// A consistent read of several rows; nothing is written.
    func readTransaction<T>(_ body: (Transaction) throws(StoreError) -> T) throws(StoreError) -> T
    /// This connection's memo of unchanged tool lists (`FleetRules.observeTools`).
    var toolListMemo: ToolListMemo { get }
}

/// The tables whose IDs an operator may abbreviate.
package enum IDTable: Sendable { case agents, credentials }

/// Rows as the rules read and write them, inside one transaction of a `RuleBackend`.
/// Reads see the transaction's own writes.
package protocol RuleTransaction {
    /// Writes a telemetry batch's tool calls (the one path that runs per event at volume).
    associatedtype CallWriter: TelemetryCallWriter

    func trustDomain() throws(StoreError) -> String

    // MARK: Reads
    func principal(_ id: String) throws(StoreError) -> Principal?
    func agent(_ id: String) throws(StoreError) -> Agent?
    /// The agent, its delegator, … up to the agent its principal delegated (empty when unknown).
    func chain(of agentID: String) throws(StoreError) -> [Agent]
    func credential(_ id: String) throws(StoreError) -> Credential?
    /// The credential whose secret hashes to `secretHash` (`Secrets.sha256`).
    func credential(secretHash: [UInt8]) throws(StoreError) -> Credential?
    /// The ID of the credential renewed from `credentialID`, if one was.
    func successor(of credentialID: String) throws(StoreError) -> String?
    func instance(_ id: String) throws(StoreError) -> Instance?
    /// Agents carrying `name`: registered ones first, then in the order they were written.
    func agents(named name: String, limit: Int) throws(StoreError) -> [(id: String, registered: Bool)]
    /// Up to `limit` IDs of agents (or credentials) starting with `prefix`, in byte order.
    func ids(startingWith prefix: String, of kind: IDTable, limit: Int) throws(StoreError) -> [String]
    /// Up to `limit` distinct names of registered agents starting with `prefix`, in byte order.
    func registeredAgentNames(startingWith prefix: String, limit: Int) throws(StoreError) -> [String]
    /// A registered agent named `name` that is neither revoked nor expired at `at`.
    func liveRegisteredAgent(named name: String, at: Timestamp) throws(StoreError) -> String?
    /// The agent and its descendants, every delegator before its delegates; `parent` is the
    /// index of the node's delegator in the list (-1 for the first).
    func subtree(of agentID: String) throws(StoreError) -> [NarrowingPlan.Node]

    // MARK: Writes (rows as given; duplicates of a key fail)
    func insert(_ principal: Principal) throws(StoreError)
    func insert(_ agent: Agent) throws(StoreError)
    func insert(_ credential: Credential, secretHash: [UInt8]) throws(StoreError)
    func insert(_ instance: Instance) throws(StoreError)
    /// Inserts unless a principal with the ID exists; true when it inserted.
    func insertIfAbsent(_ principal: Principal) throws(StoreError) -> Bool
    /// Inserts unless an agent with the ID exists; true when it inserted.
    func insertIfAbsent(_ agent: Agent) throws(StoreError) -> Bool
    func disablePrincipal(_ id: String, at: Timestamp) throws(StoreError)
    func setGrant(agentID: String, _ scopes: ScopeSet) throws(StoreError)
    /// Each change's `after` becomes its agent's grant, all in one step (a subtree may be large).
    func setGrants(_ changes: [NarrowingPlan.Change]) throws(StoreError)
    func setExpiry(credentialID: String, _ at: Timestamp) throws(StoreError)
    /// Marks the named agents and credentials revoked, those not revoked yet (row by row).
    func revoke(agents: [String], credentials: [String], _ revocation: Revocation) throws(StoreError)
    /// Revokes every not-yet-revoked agent of the subtree below the target's roots (an agent;
    /// a principal's top-level agents) and every not-yet-revoked credential they hold, in one
    /// set-based step. Returns what it revoked, in `revocationPlan`'s order, with the live
    /// instances (heartbeat at or after `liveSince`, not stopped) of the subtree.
    func revokeSubtree(_ target: RevocationPlan.Target, _ revocation: Revocation,
                       liveSince: Timestamp) throws(StoreError) -> RevocationPlan

    // MARK: Instances (runtime telemetry)
    /// Moves a known instance's last heartbeat up to `at`; false when no instance has the ID.
    func heartbeat(instanceID: String, at: Timestamp) throws(StoreError) -> Bool
    /// Stops a running instance at `at` (its heartbeat moves up to it); false when none was running.
    func stop(instanceID: String, at: Timestamp) throws(StoreError) -> Bool
    /// Inserts the instance, or restarts the one with its ID: host replaced, pid kept when none
    /// given, heartbeat moved up to `at`, no longer stopped.
    func upsertInstance(id: String, agentID: String, host: String, pid: Int64?, at: Timestamp) throws(StoreError)

    // MARK: Telemetry aggregates
    /// A writer for this transaction's tool calls (`session` may hold the backend's scratch).
    func callWriter(session: TelemetrySession) throws(StoreError) -> CallWriter
    /// Adds calls and denials to the per-minute counts of each (agent, minute).
    func addCallMinutes(_ counts: [CallMinute]) throws(StoreError)
    /// Moves each (agent, server, tool)'s latest allowed use up to the time given, and adds to
    /// each (server, tool, minute)'s calls and denials.
    func noteToolUse(_ usage: ToolUsageBatch) throws(StoreError)

    // MARK: Tool pins (governed state; see FleetRules+Tools)
    /// The server's row: its own policy and when it was first seen listing tools.
    func toolServer(_ name: String) throws(StoreError) -> ToolServer?
    /// Inserts or replaces the server's row.
    func writeToolServer(_ server: ToolServer) throws(StoreError)
    func toolServers() throws(StoreError) -> [ToolServer]
    /// The store-wide settings (defaults where none was set).
    func toolPolicies() throws(StoreError) -> ToolPolicies
    func writeToolPolicies(_ policies: ToolPolicies) throws(StoreError)
    /// Pins with their decisions (those of one server, or all), by server then tool. Decisions
    /// oldest first.
    func toolPins(server: String?) throws(StoreError) -> [ToolPin]
    /// Decisions on a tool, whether or not it is pinned (a manifest approves ahead of sight).
    func toolDecisions(server: String, tool: String) throws(StoreError) -> [ToolDecision]
    /// Inserts or replaces a pin's row (its decisions are written apart).
    func writeToolPin(_ pin: ToolPin) throws(StoreError)
    /// Inserts or replaces the decision on (server, tool, hash); a nil hash is the by-name one.
    func writeToolDecision(server: String, tool: String, _ decision: ToolDecision) throws(StoreError)
    func deleteToolDecision(server: String, tool: String, hash: String?) throws(StoreError)
    /// Stores a definition by its hash unless one is stored.
    func insertToolDefinition(hash: String, canonical: String, at: Timestamp) throws(StoreError)
    func toolDefinition(hash: String) throws(StoreError) -> String?
    /// Every (server, tool) an agent used with an allow decision (`tool_last_used`).
    func usedTools() throws(StoreError) -> [(server: String, tool: String)]

    // MARK: What an enforcement point records of a listing (`ToolRules.observe`)
    // Apart from the writes above so that a backend whose roles may do less than the operator
    // (PostgreSQL's gate and ingester) can route exactly these through narrower paths that check
    // them against stored state. The defaults below are the plain writes.
    /// The server's first sight (its policy untouched).
    func recordFirstSight(server: String, at: Timestamp) throws(StoreError)
    /// A definition as listed, under its hash.
    func recordListedDefinition(hash: String, canonical: String, at: Timestamp) throws(StoreError)
    /// A tool as listed now, or marked gone.
    func recordListedTool(_ pin: ToolPin) throws(StoreError)
    /// Trust on first use: the policy's approval of a tool listed at its server's first sight.
    func recordTrustApproval(server: String, tool: String, _ decision: ToolDecision) throws(StoreError)
    /// The upgrade's approval by name leaves; `decision`, when given, approves the definition listed now.
    func recordNamedApprovalPinned(server: String, tool: String, _ decision: ToolDecision?) throws(StoreError)

    // MARK: Gates (governed state; see FleetRules+Gates)
    func gate(_ name: String) throws(StoreError) -> Gate?
    /// By name.
    func gates() throws(StoreError) -> [Gate]
    /// One gate's credentials (every gate's when nil), by issue time.
    func gateCredentials(gate: String?) throws(StoreError) -> [GateCredential]
    /// The gate credential whose secret hashes to `secretHash`, and whether its gate is revoked.
    func gateCredential(secretHash: [UInt8]) throws(StoreError) -> (credential: GateCredential, gateRevoked: Bool)?
    func insert(_ gate: Gate) throws(StoreError)
    func insert(_ credential: GateCredential, secretHash: [UInt8]) throws(StoreError)
    /// Marks the gate and each of its credentials not yet revoked as revoked at `at`; the IDs
    /// of the credentials it revoked.
    func revokeGate(_ name: String, at: Timestamp, reason: String?) throws(StoreError) -> [String]
    /// Marks one gate credential revoked at `at` (the rules checked it stands).
    func revokeGateCredential(_ id: String, at: Timestamp) throws(StoreError)

    // MARK: Journal
    /// The last record's sequence number and hash; nil for an empty journal.
    func journalHead() throws(StoreError) -> AuditHead?
    /// Stores a record the rules built and hashed. Its state digest becomes the transaction's
    /// journaled state (what `stateDigestAtStart` answers from then on).
    func appendJournal(_ record: AuditRecord) throws(StoreError)
    /// Who a record names as its operator, given what the operator claimed: the claim itself,
    /// or, on a backend that knows the login (PostgreSQL's `session_user`), that login with the
    /// claim beside it when they differ.
    func journalOperator(claimed: String) throws(StoreError) -> (name: String, claimedBy: String?)
    func journalRecords(afterSeq: Int64, limit: Int) throws(StoreError) -> [AuditRecord]
    func journalHash(seq: Int64) throws(StoreError) -> String?
    /// The last record carrying a state digest: its sequence number and the digest (hex).
    func lastJournaledDigest() throws(StoreError) -> (seq: Int64, hex: String)?

    // MARK: Governed-state digest (nil throughout on a backend or store that keeps none)
    /// The governed state's digest as the backend keeps it now.
    func stateDigest() throws(StoreError) -> StateDigest?
    /// The digest when this transaction began, or at its last journal record.
    func stateDigestAtStart() throws(StoreError) -> StateDigest?
}

extension RuleTransaction {
    package func recordFirstSight(server: String, at: Timestamp) throws(StoreError) {
        var row = try toolServer(server) ?? ToolServer(name: server, policy: nil, firstSeenAt: nil)
        row.firstSeenAt = at
        try writeToolServer(row)
    }
    package func recordListedDefinition(hash: String, canonical: String, at: Timestamp) throws(StoreError) {
        try insertToolDefinition(hash: hash, canonical: canonical, at: at)
    }
    package func recordListedTool(_ pin: ToolPin) throws(StoreError) { try writeToolPin(pin) }
    package func recordTrustApproval(server: String, tool: String, _ decision: ToolDecision) throws(StoreError) {
        try writeToolDecision(server: server, tool: tool, decision)
    }
    package func recordNamedApprovalPinned(server: String, tool: String, _ decision: ToolDecision?) throws(StoreError) {
        try deleteToolDecision(server: server, tool: tool, hash: nil)
        if let decision { try writeToolDecision(server: server, tool: tool, decision) }
    }
}

/// Writes tool calls of one telemetry batch; made per transaction by `callWriter(session:)`.
package protocol TelemetryCallWriter: AnyObject {
    /// Stores one call (already capped and redacted) as `agentID`'s, at `at`.
    func write(_ call: ToolCall, agentID: String, at: Timestamp) throws(StoreError)
}

/// One revocation's stamp on every row it revokes.
package struct Revocation: Sendable {
    package var at: Timestamp
    package var reason: String?
    /// What was revoked to cause it (the plan's target): `revoked_by`.
    package var cause: String
    package init(at: Timestamp, reason: String?, cause: String) {
        self.at = at
        self.reason = reason
        self.cause = cause
    }
}

extension RuleTransaction {
    /// A backend without logins of its own records what the operator claimed.
    package func journalOperator(claimed: String) throws(StoreError) -> (name: String, claimedBy: String?) { (claimed, nil) }
}
