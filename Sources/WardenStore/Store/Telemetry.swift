import WardenCore

// Telemetry as every backend takes it: decoded events, what applying a batch did, and a
// writer's memory across batches.

/// One decoded telemetry event. `agent` is a reference as telemetry carries it: a SPIFFE ID
/// or an agent name.
public struct TelemetryEvent: Sendable {
    public enum Body: Sendable {
        /// An instance of `agent` started (or was seen running).
        case instanceStarted(instanceID: String, host: String, pid: Int64?)
        /// An instance is alive. Creates the instance when it is unknown and `agent` is given.
        case heartbeat(instanceID: String, host: String?, pid: Int64?)
        case instanceStopped(instanceID: String)
        /// A tool call; its `agentID` is ignored (the event's `agent` is resolved instead).
        case toolCall(ToolCall)
        /// `agent` (running) delegates a sub-agent: rule 1 applies, a refusal rejects the event.
        /// `id` keeps a given SPIFFE ID (so later events can name it); nil generates one.
        case delegate(name: String, id: String?, scopes: ScopeSet, ttlMs: Int64?)
        /// Telemetry showed `agent` invoking `child` (e.g. nested agent spans). A child the
        /// store does not know becomes an unregistered agent under `agent`.
        case observedDelegation(child: String)
    }

    public var at: Timestamp
    /// The acting agent: a SPIFFE ID or an agent name (nil only for instance events).
    public var agent: String?
    /// The caller's tag (e.g. the line number), handed back with rejections.
    public var source: Int
    public var body: Body

    public init(at: Timestamp, agent: String?, source: Int, body: Body) {
        self.at = at
        self.agent = agent
        self.source = source
        self.body = body
    }
}

/// What applying a batch did.
public struct TelemetryOutcome: Sendable {
    /// Events written.
    public var applied = 0
    /// Events that were valid but changed nothing (a delegation already recorded).
    public var skipped: [Int] = []
    /// Refused events: their index in the batch and why.
    public var rejected: [(index: Int, reason: String)] = []
    /// Unregistered agents created by this batch.
    public var unregisteredAgents: [String] = []
    public init() {}
}

/// Per-connection memory across batches (what references resolved to), so the hot path asks
/// the database nothing it already knows. One per writer; not shared between threads.
public final class TelemetrySession: @unchecked Sendable {
    /// Who delegations and first sightings are audited as.
    public let operatorName: String
    package var agentIDs: [String: Resolved] = [:]
    /// Agent IDs by slot: a batch counts calls per (slot, minute), hashing no ID per call.
    package var slotIDs: [String] = []
    package var trustDomain: String?
    /// A backend's own per-writer scratch (buffers for binding values); opaque here.
    package var backendScratch: AnyObject?

    /// The host's clock, for refusing delegations dated in the future (`IssueTime`). nil for
    /// writers that date events themselves (the simulator, tests on a fixed clock).
    package let clock: (@Sendable () -> Timestamp)?

    public init(operatorName: String, clock: (@Sendable () -> Timestamp)? = nil) {
        self.operatorName = operatorName
        self.clock = clock
    }

    /// What a reference resolved to: the agent ID and its slot.
    package struct Resolved {
        package let id: String
        package let slot: Int
        package init(id: String, slot: Int) { self.id = id; self.slot = slot }
    }

    /// Forgets every reference (between batches, when there are too many).
    package func forgetIfLarge() {
        if agentIDs.count > 100_000 || slotIDs.count > 200_000 {
            agentIDs.removeAll(keepingCapacity: true)
            slotIDs.removeAll(keepingCapacity: true)
        }
    }
}

extension TelemetryIngest {
    /// Stores that do not take telemetry (test doubles, read-only views) refuse it.
    public func applyTelemetry(_ events: [TelemetryEvent], session: TelemetrySession,
                               atomically: Bool) throws(StoreError) -> TelemetryOutcome {
        throw .io("this store does not accept telemetry")
    }
}
