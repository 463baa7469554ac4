import WardenCore
import WardenStore

/// Everything the dashboard shows, read from the store at one moment, plus what is derived
/// from it. Built off the input path (by the effect runner), then handed to `update`.
public struct FleetSnapshot: Sendable {
    public var trustDomain: String
    public var principals: [Principal]
    public var agents: [Agent]
    public var credentials: [Credential]
    public var instances: [Instance]
    /// Recent calls, oldest first (a bounded window; see `SnapshotLoader.callWindow`).
    public var calls: [ToolCall]
    public var minutes: [CallMinute]
    /// Recent journal records, oldest first.
    public var audit: [AuditRecord]
    public var auditState: AuditVerification?
    /// The store's change counter when this was read.
    public var counter: Int64
    /// When it was read.
    public var loadedAt: Timestamp
    public var index: FleetIndex

    public init(trustDomain: String, principals: [Principal], agents: [Agent], credentials: [Credential],
                instances: [Instance], calls: [ToolCall], minutes: [CallMinute], audit: [AuditRecord],
                auditState: AuditVerification?, counter: Int64, loadedAt: Timestamp) {
        self.trustDomain = trustDomain
        self.principals = principals
        self.agents = agents
        self.credentials = credentials
        self.instances = instances
        self.calls = calls
        self.minutes = minutes
        self.audit = audit
        self.auditState = auditState
        self.counter = counter
        self.loadedAt = loadedAt
        self.index = FleetIndex(principals: principals, agents: agents, credentials: credentials,
                                instances: instances, minutes: minutes, calls: calls, now: loadedAt)
    }

    public static let empty = FleetSnapshot(trustDomain: "", principals: [], agents: [], credentials: [], instances: [],
                                            calls: [], minutes: [], audit: [], auditState: nil, counter: -1, loadedAt: 0)
}

/// Per-agent figures computed once per snapshot, never per frame.
public struct FleetIndex: Sendable {
    public let forest: DelegationForest
    public let effective: [ScopeSet]
    /// Credential indices by agent index.
    public let credentialsByAgent: [[Int]]
    /// Instance indices by agent index.
    public let instancesByAgent: [[Int]]
    /// Calls per minute over the last `sparkMinutes` minutes, oldest first, by agent index.
    public let rates: [[Int]]
    public let deniedLastMinute: [Int]
    public let lastCall: [Timestamp?]
    /// Subtree sizes (the agent plus all descendants), by agent index.
    public let subtreeSize: [Int]
    public let credentialIndex: [String: Int]
    public let principalIndex: [String: Int]
    public static let sparkMinutes = 15

    init(principals: [Principal], agents: [Agent], credentials: [Credential], instances: [Instance],
         minutes: [CallMinute], calls: [ToolCall], now: Timestamp) {
        forest = DelegationForest(principals: principals, agents: agents)
        effective = forest.effectiveScopes()
        var byAgent = [[Int]](repeating: [], count: agents.count)
        var credIndex: [String: Int] = [:]
        credIndex.reserveCapacity(credentials.count)
        for (i, c) in credentials.enumerated() {
            credIndex[c.id] = i
            if let a = forest.index[c.agentID] { byAgent[a].append(i) }
        }
        credentialsByAgent = byAgent
        credentialIndex = credIndex
        var inst = [[Int]](repeating: [], count: agents.count)
        for (i, x) in instances.enumerated() { if let a = forest.index[x.agentID] { inst[a].append(i) } }
        instancesByAgent = inst
        var rates = [[Int]](repeating: [], count: agents.count)
        var denied = [Int](repeating: 0, count: agents.count)
        let thisMinute = now / 60_000
        let first = thisMinute - Int64(FleetIndex.sparkMinutes) + 1
        for m in minutes where m.minute >= first && m.minute <= thisMinute {
            guard let a = forest.index[m.agentID] else { continue }
            if rates[a].isEmpty { rates[a] = [Int](repeating: 0, count: FleetIndex.sparkMinutes) }
            rates[a][Int(m.minute - first)] += m.calls
            if m.minute == thisMinute { denied[a] += m.denied }
        }
        self.rates = rates
        deniedLastMinute = denied
        var last = [Timestamp?](repeating: nil, count: agents.count)
        for c in calls { if let a = forest.index[c.agentID], (last[a] ?? .min) < c.at { last[a] = c.at } }
        lastCall = last
        // Subtree sizes bottom-up: reverse top-down order visits children before parents.
        var size = [Int](repeating: 1, count: agents.count)
        for i in forest.topDownOrder().reversed() {
            if let p = agents[i].parentID, let pi = forest.index[p] { size[pi] += size[i] }
        }
        subtreeSize = size
        var pIndex: [String: Int] = [:]
        for (i, p) in principals.enumerated() { pIndex[p.id] = i }
        principalIndex = pIndex
    }

    /// Live instances of an agent at `now`.
    public func liveInstances(_ agent: Int, _ instances: [Instance], now: Timestamp) -> Int {
        instancesByAgent[agent].reduce(0) { $0 + (instances[$1].state(at: now) == .live ? 1 : 0) }
    }

    /// The soonest expiry among an agent's active credentials.
    public func nearestExpiry(_ agent: Int, _ credentials: [Credential], now: Timestamp) -> Credential? {
        var best: Credential?
        for ci in credentialsByAgent[agent] {
            let c = credentials[ci]
            guard c.status(at: now) == .active, let e = c.expiresAt else { continue }
            if best == nil || e < best!.expiresAt! { best = c }
        }
        return best
    }

    /// Calls in the current minute.
    public func callsPerMinute(_ agent: Int) -> Int { rates[agent].last ?? 0 }
}
