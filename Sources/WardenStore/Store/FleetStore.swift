import WardenCore

/// The only way into a Warden store. The embedded SQLite store implements it today; a
/// PostgreSQL-backed one for fleets spanning hosts will implement the same protocol.
///
/// Every mutation takes a `Mutation` context (operator, time, reason) and writes its audit
/// record in the same transaction as the change. Reads never block writers (WAL).
public protocol FleetStore: AnyObject {
    /// Where the store lives (a file path, or a connection description).
    var location: String { get }
    var isReadOnly: Bool { get }
    func trustDomain() throws(StoreError) -> String
    /// Changes whenever another connection commits (PRAGMA data_version for SQLite).
    func changeCounter() throws(StoreError) -> Int64

    // MARK: Lookup
    /// Resolves what an operator typed by the one rule of `IDReference`: a full ID, a unique ID
    /// prefix reaching `spiffe://TD/agent/NAME/` or `tok_` + 6, or an exact registered agent name.
    func resolve(_ reference: String) throws(StoreError) -> EntityRef
    func principals() throws(StoreError) -> [Principal]
    func principal(_ id: String) throws(StoreError) -> Principal?
    func agents() throws(StoreError) -> [Agent]
    func agent(_ id: String) throws(StoreError) -> Agent?
    /// The agent, its delegator, … up to the agent its principal delegated.
    func chain(of agentID: String) throws(StoreError) -> [Agent]
    func effectiveScopes(of agentID: String) throws(StoreError) -> ScopeSet
    func instances(agentID: String?) throws(StoreError) -> [Instance]
    func credentials(agentID: String?) throws(StoreError) -> [Credential]
    func credential(_ id: String) throws(StoreError) -> Credential?
    func calls(_ query: CallQuery) throws(StoreError) -> [ToolCall]
    /// Per-agent call counts by minute since `since` (for rates and sparklines).
    func callMinutes(since: Timestamp) throws(StoreError) -> [CallMinute]
    /// Rows inserted or updated after `afterVersion` (0: everything), and the version now.
    func changedRows(after: RowVersions) throws(StoreError) -> RowChanges
    /// Tools each agent used with an allow decision since `since`, as `server/tool`.
    func toolUsage(since: Timestamp) throws(StoreError) -> [String: Set<String>]
    func auditRecords(afterSeq: Int64, limit: Int) throws(StoreError) -> [AuditRecord]
    func auditHead() throws(StoreError) -> AuditHead?
    /// Checks the journal's hash chain (and, given a head kept elsewhere, that nothing was cut).
    func verifyAudit(expectedHead: AuditHead?) throws(StoreError) -> AuditVerification
    /// Recomputes the governed state (principals, agents, credentials) from the tables and checks
    /// it against the digest the journal's last record carries: a change made behind Warden's
    /// back shows as `.drifted`. Reads every governed row (O(n)); `authorize` never calls it.
    func verifyState() throws(StoreError) -> StateCheck
    /// Records the state as it is as the new baseline, journaled with what differed (refused
    /// when nothing drifted).
    func acceptStateDrift(_ m: Mutation) throws(StoreError) -> StateCheck
    /// The store's own consistency check (SQLite: `PRAGMA integrity_check`); empty when sound.
    func integrityProblems() throws(StoreError) -> [String]
    /// The schema version of the store, and the one this build writes.
    func schemaVersion() throws(StoreError) -> (file: Int, latest: Int)
    /// What revoking `target` would touch now: the blast radius a dialog shows.
    func revocationPlan(_ target: EntityRef, now: Timestamp) throws(StoreError) -> RevocationPlan

    // MARK: Operator mutations (audited)
    func addPrincipal(id: String, kind: Principal.Kind, name: String, scopes: ScopeSet,
                      _ m: Mutation) throws(StoreError) -> Principal
    /// Disables a principal and revokes its whole tree and their credentials, in one transaction.
    func disablePrincipal(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan
    /// Delegates a new agent from a principal or an agent (rule 1 enforced).
    func registerAgent(name: String, delegator: String, scopes: ScopeSet, ttlMs: Int64?,
                       _ m: Mutation) throws(StoreError) -> Agent
    /// Issues a credential; the secret in the result is never stored and never shown again.
    func issueCredential(agentID: String, ttlMs: Int64?, scopes: ScopeSet?, instanceID: String?,
                         _ m: Mutation) throws(StoreError) -> IssuedCredential
    /// Revokes an agent and its whole subtree and their credentials, in one transaction.
    func revokeAgent(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan
    func revokeCredential(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan
    /// What `narrow` would do now, changing nothing: the agent's grant and every descendant grant
    /// it cuts, each before and after (the dashboard's dialog and `narrow --dry-run` show it).
    func narrowingPlan(agentID: String, _ change: Narrowing) throws(StoreError) -> NarrowingPlan
    /// Attenuates a grant and, in the same transaction, cuts every descendant's grant to its
    /// delegator's new effective scopes (rule 6); one journal record lists each change.
    func narrow(agentID: String, _ change: Narrowing, _ m: Mutation) throws(StoreError) -> NarrowingPlan
    /// Applies a validated fleet document all-or-nothing.
    func importFleet(_ document: FleetDocument, _ m: Mutation) throws(StoreError) -> ImportOutcome

    /// An agent exchanges its live credential (given by its secret) for a new one: same or
    /// narrower scopes, no longer-lived, bound to the same instance; the old one expires after
    /// `policy.renewGraceMs`. Refused with the decision's reason when the credential or its chain
    /// does not stand. Journaled (`credential.renew`) with the agent's ID as the actor.
    func renewCredential(secret: String, scopes: ScopeSet?, ttlMs: Int64?, policy: Policy,
                         now: Timestamp, reason: String?) throws(StoreError) -> RenewedCredential

    // MARK: Retention (not governed state; never the journal)
    /// What `prune` would delete now: calls before `callsBefore`, instances stopped before
    /// `instancesStoppedBefore` that no credential is bound to.
    func prunable(callsBefore: Timestamp, instancesStoppedBefore: Timestamp) throws(StoreError) -> PruneCounts
    /// Deletes what `prunable` counts, in batches of at most `batch` rows, each its own short
    /// write transaction (old rows are found in read transactions, which block no one).
    /// Aggregates (per-minute counts, tool usage) are kept.
    @discardableResult
    func prune(callsBefore: Timestamp, instancesStoppedBefore: Timestamp, batch: Int) throws(StoreError) -> PruneCounts
    /// The batch size that keeps this backend's write lock short enough for `prune`.
    var pruneBatch: Int { get }
    /// The store's size and rows per table, and the oldest call kept.
    func storeStats() throws(StoreError) -> StoreStats

    // MARK: Runtime (proxies, ingesters, simulators; not operator actions, not audited)
    /// Rule 4, evaluated against the store now.
    func authorize(secret: String, serverTool: String, now: Timestamp) throws(StoreError) -> AuthorizationOutcome
    /// Stores tool calls in one transaction; returns their sequence numbers.
    @discardableResult
    func recordCalls(_ calls: [ToolCall]) throws(StoreError) -> [Int64]
    /// Stores one call under the runtime's key for it (a hook's session and tool-use ID), so its
    /// outcome can be recorded on the same call later; returns its sequence number.
    func recordCall(_ call: ToolCall, key: CallKey) throws(StoreError) -> Int64
    /// Records how the keyed call ended (duration from the call's time to `at`) on that call and
    /// advances the outcome cursor; nil when no call of `credentialID` has the key.
    func recordOutcome(key: CallKey, credentialID: String, result: ToolCall.Result,
                       at: Timestamp) throws(StoreError) -> ToolCall?
    /// Calls whose outcome was recorded after `cursor`, in that order, and the cursor they reach:
    /// a reader that already holds a call by `seq` applies these to see it updated.
    func callOutcomes(after cursor: Int64, limit: Int) throws(StoreError) -> CallOutcomes
    /// Applies instance lifecycle events in one transaction.
    func recordInstanceEvents(_ events: [InstanceEvent]) throws(StoreError)

    // MARK: Telemetry (ingesters; see SQLiteStore+Telemetry.swift)
    /// Applies decoded telemetry in one write transaction: unknown identities become
    /// unregistered agents, delegations obey rule 1. Refused events are listed in the outcome
    /// (or, `atomically`, the first one rolls back the batch).
    func applyTelemetry(_ events: [TelemetryEvent], session: TelemetrySession,
                        atomically: Bool) throws(StoreError) -> TelemetryOutcome
    /// Bulk writing begins (a whole file ingested): housekeeping the writes cause (SQLite: WAL
    /// checkpoints, with their fsyncs) may move off the writing thread until `endBulkWrites`.
    func beginBulkWrites()
    func endBulkWrites()
}

extension FleetStore {
    public func beginBulkWrites() {}
    public func endBulkWrites() {}
}

/// Who does a mutation, when, and why.
public struct Mutation: Sendable {
    public var operatorName: String
    public var now: Timestamp
    public var reason: String?
    public init(operatorName: String, now: Timestamp, reason: String? = nil) {
        self.operatorName = operatorName
        self.now = now
        self.reason = reason
    }
}

/// What an ID typed by an operator names.
public enum EntityRef: Equatable, Sendable {
    case principal(String)
    case agent(String)
    case credential(String)

    public var id: String {
        switch self {
        case .principal(let id), .agent(let id), .credential(let id): return id
        }
    }

    public var revocationTarget: RevocationPlan.Target {
        switch self {
        case .principal(let id): return .principal(id)
        case .agent(let id): return .agent(id)
        case .credential(let id): return .credential(id)
        }
    }
}

/// How `narrow` changes a grant.
public enum Narrowing: Equatable, Sendable {
    case drop(ScopeSet)
    case keep(ScopeSet)
}

public struct IssuedCredential: Sendable {
    public let credential: Credential
    /// `wdn_…`: shown once.
    public let secret: String
    public init(credential: Credential, secret: String) {
        self.credential = credential
        self.secret = secret
    }
}

public struct RenewedCredential: Sendable {
    /// The successor and its secret (shown once).
    public let issued: IssuedCredential
    public let renewedFrom: String
    /// When the renewed credential now expires (the grace's end).
    public let oldExpiresAt: Timestamp
    public init(issued: IssuedCredential, renewedFrom: String, oldExpiresAt: Timestamp) {
        self.issued = issued
        self.renewedFrom = renewedFrom
        self.oldExpiresAt = oldExpiresAt
    }
}

/// Rows `prune` deletes (or would).
public struct PruneCounts: Equatable, Sendable {
    public var calls: Int
    public var instances: Int
    /// Write transactions it took.
    public var batches: Int
    public init(calls: Int = 0, instances: Int = 0, batches: Int = 0) {
        self.calls = calls
        self.instances = instances
        self.batches = batches
    }
}

public struct StoreStats: Equatable, Sendable {
    /// Bytes on disk: the file and its write-ahead log.
    public var bytes: Int64
    /// Rows per table, by table name, in a stable order.
    public var rows: [(table: String, count: Int64)]
    /// Time of the oldest tool call kept; nil when there is none.
    public var oldestCall: Timestamp?
    public init(bytes: Int64, rows: [(table: String, count: Int64)], oldestCall: Timestamp?) {
        self.bytes = bytes
        self.rows = rows
        self.oldestCall = oldestCall
    }
    public static func == (a: StoreStats, b: StoreStats) -> Bool {
        a.bytes == b.bytes && a.oldestCall == b.oldestCall && a.rows.elementsEqual(b.rows, by: { $0 == $1 })
    }
}

public struct AuthorizationOutcome: Equatable, Sendable {
    public let decision: Authorization.Decision
    /// Known when the secret matched a credential.
    public let credentialID: String?
    public let agentID: String?
    public let instanceID: String?
    public init(decision: Authorization.Decision, credentialID: String?, agentID: String?, instanceID: String?) {
        self.decision = decision
        self.credentialID = credentialID
        self.agentID = agentID
        self.instanceID = instanceID
    }
}

public struct CallQuery: Sendable {
    public var agentID: String?
    public var deniedOnly: Bool
    /// Only calls with a sequence above this (incremental reloads).
    public var afterSeq: Int64
    public var limit: Int
    public init(agentID: String? = nil, deniedOnly: Bool = false, afterSeq: Int64 = 0, limit: Int = 50) {
        self.agentID = agentID
        self.deniedOnly = deniedOnly
        self.afterSeq = afterSeq
        self.limit = limit
    }
}

/// What changed in the store since a version: readers apply these instead of reloading.
public struct RowChanges: Sendable {
    public var version: Int64
    public var principals: [Principal]
    public var agents: [Agent]
    public var credentials: [Credential]
    public var instances: [Instance]
    public init(version: Int64, principals: [Principal], agents: [Agent], credentials: [Credential], instances: [Instance]) {
        self.version = version
        self.principals = principals
        self.agents = agents
        self.credentials = credentials
        self.instances = instances
    }
    public var isEmpty: Bool { principals.isEmpty && agents.isEmpty && credentials.isEmpty && instances.isEmpty }
}

/// How far a reader holds each kind of row, as the row version it last read up to; `nil`
/// leaves that kind out of the read (a dashboard's first frame reads the tree alone).
public struct RowVersions: Sendable, Equatable {
    /// Principals and agents.
    public var structure: Int64?
    public var credentials: Int64?
    public var instances: Int64?
    public init(structure: Int64?, credentials: Int64?, instances: Int64?) {
        self.structure = structure
        self.credentials = credentials
        self.instances = instances
    }
    public static func all(after v: Int64) -> RowVersions { RowVersions(structure: v, credentials: v, instances: v) }
}

extension FleetStore {
    /// Every kind of row inserted or updated after version `v`.
    public func changedRows(afterVersion v: Int64) throws(StoreError) -> RowChanges { try changedRows(after: .all(after: v)) }
}

/// Calls by one agent in one minute.
public struct CallMinute: Equatable, Sendable {
    public let agentID: String
    /// Minute number since the epoch.
    public let minute: Int64
    public let calls: Int
    public let denied: Int
    public init(agentID: String, minute: Int64, calls: Int, denied: Int) {
        self.agentID = agentID
        self.minute = minute
        self.calls = calls
        self.denied = denied
    }
}

public struct AuditHead: Equatable, Sendable, CustomStringConvertible {
    public let seq: Int64
    public let hash: String
    public init(seq: Int64, hash: String) {
        self.seq = seq
        self.hash = hash
    }
    /// Parses `SEQ:HASH` as `warden audit head` prints it.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let seq = Int64(parts[0]), seq >= 0, parts[1].count == 64,
              parts[1].allSatisfy(\.isHexDigit) else { return nil }
        self.init(seq: seq, hash: parts[1].lowercased())
    }
    public var description: String { "\(seq):\(hash)" }
}

public enum InstanceEvent: Sendable {
    case started(Instance)
    case heartbeat(instanceID: String, at: Timestamp)
    case stopped(instanceID: String, at: Timestamp)
}

public struct ImportOutcome: Sendable {
    public var principals: Int = 0
    public var agents: Int = 0
    public var credentials: Int = 0
    public var instances: Int = 0
    /// Secrets generated for credentials the document gave none for, shown once.
    public var issuedSecrets: [(credentialID: String, agentID: String, secret: String)] = []
    public init() {}
}

/// Everything a store can refuse or fail with. Messages are for people.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nothing matched a reference or ID.
    case notFound(String)
    /// A prefix or name matched more than one thing; the candidates are listed (callers sanitize).
    case ambiguous(String, [String])
    /// A rule refused the request (attenuation, inactive delegator, already revoked, …).
    case refused(String)
    /// Input that does not fit (a duplicate ID, a malformed value), with where it is.
    case invalid(String)
    /// No store has been created at the path.
    case missing(path: String)
    /// The store was opened read-only.
    case readOnly
    /// The database or the file system failed.
    case io(String)

    public var description: String {
        switch self {
        case .notFound(let what): return what
        case .ambiguous(let ref, let candidates):
            let shown = candidates.prefix(8).joined(separator: ", ")
            return "'\(ref)' is ambiguous: it matches \(candidates.count) (\(shown)\(candidates.count > 8 ? ", …" : "")); give the full ID"
        case .refused(let why): return why
        case .invalid(let why): return why
        case .missing(let path): return "no Warden store at \(path); create one with `warden init` (or pass --db PATH)"
        case .readOnly: return "the store is open read-only"
        case .io(let why): return "store error: \(why)"
        }
    }
}


/// An agent runtime's own key for one tool call.
public struct CallKey: Hashable, Sendable {
    public let session: String
    public let toolUse: String
    public init(session: String, toolUse: String) {
        self.session = session
        self.toolUse = toolUse
    }
}

/// Calls updated with their outcome, and the outcome cursor read up to.
public struct CallOutcomes: Sendable {
    public var cursor: Int64
    public var calls: [ToolCall]
    public init(cursor: Int64, calls: [ToolCall]) {
        self.cursor = cursor
        self.calls = calls
    }
}

/// The result of checking the journal's hash chain.
public enum AuditVerification: Equatable, Sendable {
    case intact(records: Int, head: AuditHead?)
    /// The first bad record and what is wrong with it.
    case broken(seq: Int64, problem: String)

    public var isIntact: Bool { if case .intact = self { return true } else { return false } }
}
