import WardenCore

/// A whole store: every role a connection can play, for those who need everything (the CLI, the
/// dashboard, the simulator). Consumers that need less ask for the role alone (the proxy's gate
/// needs `CredentialGate`). The embedded SQLite store implements it today; a PostgreSQL-backed
/// one for fleets spanning hosts will implement the same protocols, honouring the contracts
/// written on each.
public protocol FleetStore: FleetReader, ChangeFeed, OperatorActions, CredentialGate, ActivityRecording,
                            TelemetryIngest, StoreDiagnostics, StoreTransfer, ToolPinning, GateIdentities,
                            GateAuthenticating, ServiceRegistry {}

/// What the gate purpose yields: decisions, the tool lists an enforcement point sees, and who a
/// gate credential (a caller of the decision API) is.
public typealias GateStore = CredentialGate & ToolObservation & GateAuthenticating

/// What the ingest purpose yields: telemetry and runtime activity.
public typealias IngestStore = TelemetryIngest & ActivityRecording

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
    /// `warden serve` heartbeat rows silent (or stopped) as long as a prunable instance: a
    /// service that crashed on a host that is gone would otherwise show as silent for ever.
    public var services: Int
    /// Write transactions it took.
    public var batches: Int
    public init(calls: Int = 0, instances: Int = 0, services: Int = 0, batches: Int = 0) {
        self.calls = calls
        self.instances = instances
        self.services = services
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

/// A credential's chain as the store has it now, decided without a tool: what checking a whole
/// tool list needs once (`standing.decide` per tool then gives `authorize`'s answer, given the
/// tool's pin facts).
public struct CredentialStanding: Sendable {
    public let standing: Authorization.Standing
    /// Known when the secret matched a credential.
    public let credentialID: String?
    public let agentID: String?
    public let instanceID: String?
    public init(standing: Authorization.Standing, credentialID: String?, agentID: String?, instanceID: String?) {
        self.standing = standing
        self.credentialID = credentialID
        self.agentID = agentID
        self.instanceID = instanceID
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
    /// Only calls recorded by this path.
    public var via: ToolCall.Via?
    /// Only calls with a sequence above this (incremental reloads).
    public var afterSeq: Int64
    public var limit: Int
    public init(agentID: String? = nil, deniedOnly: Bool = false, via: ToolCall.Via? = nil, afterSeq: Int64 = 0, limit: Int = 50) {
        self.agentID = agentID
        self.deniedOnly = deniedOnly
        self.via = via
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
    /// This machine lacks what the store needs (its client library): no retry can help, so a
    /// decision denies at once rather than after `store_timeout`.
    case missingSoftware(String)

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
        case .missingSoftware(let why): return why
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

