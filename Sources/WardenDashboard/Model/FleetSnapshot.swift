import WardenCore
import TerminalUI
import WardenStore

/// What part of a snapshot changed since the one before it, so the dashboard rebuilds only
/// the rows that depend on it.
public struct SnapshotParts: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Principals or agents: the tree, names, effective scopes.
    public static let structure = SnapshotParts(rawValue: 1)
    public static let credentials = SnapshotParts(rawValue: 2)
    public static let instances = SnapshotParts(rawValue: 4)
    /// Tool calls and per-minute counts.
    public static let activity = SnapshotParts(rawValue: 8)
    public static let audit = SnapshotParts(rawValue: 16)
    /// Tool pins, their definitions and the last hour's calls per tool.
    public static let tools = SnapshotParts(rawValue: 32)
    /// The services' heartbeat rows (the header).
    public static let services = SnapshotParts(rawValue: 64)
    public static let all: SnapshotParts = [.structure, .credentials, .instances, .activity, .audit, .tools, .services]
}

/// Everything the dashboard shows, read from the store at one moment, plus what is derived
/// from it. Built off the input path (by the effect runner), then handed to `update`.
public struct FleetSnapshot: Sendable {
    public var trustDomain: String
    public var principals: [Principal]
    public var agents: [Agent]
    public var credentials: [Credential]
    /// In chunks: heartbeats change a few of 300,000 without copying the rest.
    public var instances: Chunked<Instance>
    /// Recent calls, oldest first (a bounded window; see `SnapshotLoader.callWindow`).
    public var calls: [ToolCall]
    /// Calls per agent per minute over the sparkline window, by minute: a reload replaces the
    /// current minutes' buckets and shares the settled ones with the snapshot before.
    public var minuteBuckets: [Int64: [CallMinute]]
    public var minutes: [CallMinute] { minuteBuckets.keys.sorted().flatMap { minuteBuckets[$0]! } }
    /// Recent journal records, oldest first.
    public var audit: [AuditRecord]
    public var auditState: AuditVerification?
    /// The governed state against the journal (nil until checked).
    public var stateCheck: StateCheck?
    /// Tool pinning (the Tools view); empty until the first complete load.
    public var tools = ToolsSnapshot()
    /// `warden serve` instances on this store, by their heartbeat rows (the header).
    public var services: [ServiceRecord] = []
    /// The store's change counter when this was read.
    public var counter: Int64
    /// When it was read.
    public var loadedAt: Timestamp
    /// What changed since the previous snapshot (everything for the first).
    public var changed: SnapshotParts = .all
    /// What is not loaded yet: the first snapshot of a store carries the tree alone, so the
    /// first frame is drawn before credentials, instances and activity are read.
    public var pending: SnapshotParts = []
    /// How many principals, first in ID order, have their agents in `agents`: all of them,
    /// except while `.structure` is pending (a large store's first screen).
    public var principalsRead = 0
    public var index: FleetIndex

    public init(trustDomain: String, principals: [Principal], agents: [Agent], credentials: [Credential],
                instances: [Instance], calls: [ToolCall], minutes: [CallMinute], audit: [AuditRecord],
                auditState: AuditVerification?, counter: Int64, loadedAt: Timestamp) {
        self.trustDomain = trustDomain
        self.principals = principals
        self.agents = agents
        self.credentials = credentials
        self.instances = Chunked(instances)
        self.calls = calls
        self.minuteBuckets = Dictionary(grouping: minutes, by: \.minute)
        self.audit = audit
        self.auditState = auditState
        self.counter = counter
        self.loadedAt = loadedAt
        self.principalsRead = principals.count
        self.index = FleetIndex()
        reindex(.all)
    }

    /// Whether principal `i`'s agents are not read yet (its subtree shows "loading…").
    public func agentsUnread(principal i: Int) -> Bool { pending.contains(.structure) && i >= principalsRead }

    /// Recomputes the derived figures that depend on `parts`.
    public mutating func reindex(_ parts: SnapshotParts) {
        if parts.contains(.structure) {
            index.rebuildStructure(principals: principals, agents: &agents)
            // Search text, name order and effective scopes: not for the first frame's tree.
            index.rebuildSearch(agents: agents, ready: pending.isEmpty)
        }
        if parts.contains(.structure) || parts.contains(.credentials) { index.rebuildCredentials(credentials) }
        if parts.contains(.structure) || parts.contains(.instances) { index.rebuildInstances(instances) }
        if parts.contains(.structure) || parts.contains(.activity) {
            index.rebuildActivity(minutes: minuteBuckets.values.joined(), calls: calls, now: loadedAt)
        }
        if parts.contains(.structure) || parts.contains(.tools) {
            let index = self.index
            tools.rebuildCoverage(agents: agents, effective: { index.effectiveScopes($0) })
        }
    }

    public static let empty = FleetSnapshot(trustDomain: "", principals: [], agents: [], credentials: [], instances: [],
                                            calls: [], minutes: [], audit: [], auditState: nil, counter: -1, loadedAt: 0)
}

/// Per-agent figures computed once per change, never per frame.
public struct FleetIndex: Sendable {
    public internal(set) var forest = DelegationForest(principals: [], agents: [])
    public internal(set) var effective: [ScopeSet] = []
    /// Subtree sizes (the agent plus all descendants), by agent index.
    public internal(set) var subtreeSize: [Int] = []
    public internal(set) var principalIndex: [String: Int] = [:]
    /// Lowercased text `/` searches, by agent index (status words excepted: they change with time).
    public internal(set) var agentText = SearchText()
    /// Agent indices in name order (the Agents view's default), computed off the input path.
    public internal(set) var nameOrder: [Int] = []
    /// Credential indices by agent index.
    public internal(set) var credentialsByAgent = IndexLists()
    /// Lowercased text `/` searches in the Credentials view (status words and the agent's own
    /// text excepted), and each credential's agent index (-1 if unknown).
    public internal(set) var credentialText = SearchText()
    public internal(set) var credentialAgent: [Int32] = []
    /// Each agent's place in name order: the Credentials view sorts by agent name with it.
    public internal(set) var agentNameRank: [Int] = []
    public internal(set) var credentialIndex: [String: Int] = [:]
    /// Each credential's expiry while it counts toward `expiries` (`.min` otherwise): patched.
    var credentialExpiry: [Timestamp] = []
    /// The widest credential ID: the Credentials view's ID column is never narrower.
    public internal(set) var credentialIDWidth = 0
    /// Instance indices by agent index.
    public internal(set) var instancesByAgent = IndexLists()
    /// Each instance's agent index (-1 if unknown): regrouping needs no ID lookups.
    var instanceAgent: [Int32] = []
    /// When each instance stops counting as live (`.min` once stopped), by instance index: a
    /// per-agent live count reads integers, not instance records.
    public internal(set) var instanceLiveUntil: [Timestamp] = []
    /// Principal index of each agent (-1 if its principal is unknown): sorting by principal.
    public internal(set) var principalOfAgent: [Int] = []
    /// When each running instance stops counting as live, sorted: live counts by binary search.
    public internal(set) var liveUntil: [Timestamp] = []
    /// Expiry of every unrevoked credential that expires, sorted.
    public internal(set) var expiries: [Timestamp] = []
    /// Calls per minute over the last `sparkMinutes` minutes, oldest first: `sparkMinutes`
    /// counts per agent index in one flat array (one buffer to copy and free, not 100,000).
    public internal(set) var rateCounts: [Int32] = []
    /// The minute the counts end at (the snapshot's current minute).
    public internal(set) var rateMinute: Int64 = 0
    public internal(set) var deniedLastMinute: [Int] = []
    public internal(set) var deniedTotalLastMinute = 0
    /// When each recent denied call happened, sorted: the header's sliding 60-second count
    /// is two binary searches, and it slides with the clock between reloads.
    public internal(set) var deniedTimes: [Timestamp] = []
    /// From when on `deniedTimes` holds every denied call (`.min` while the call window is
    /// not full); before that, the per-minute counts stand in.
    public internal(set) var deniedCompleteFrom: Timestamp = .min
    /// Denied calls per minute over the sparkline window, all agents together.
    public internal(set) var deniedByMinute: [Int64: Int] = [:]
    public internal(set) var lastCall: [Timestamp?] = []
    public static let sparkMinutes = 15

    init() {}

    /// `agents` come back with their delegator IDs shared (`DelegationForest(sharingDelegatorIDsOf:)`).
    mutating func rebuildStructure(principals: [Principal], agents: inout [Agent]) {
        forest = DelegationForest(principals: principals, sharingDelegatorIDsOf: &agents)
        // Subtree sizes bottom-up: children before parents. Read from the store, every delegator
        // precedes its delegates, and reverse array order is such an order (no walk of the tree).
        var size = [Int](repeating: 1, count: agents.count)
        let parent = forest.parent
        if parent.indices.allSatisfy({ parent[$0] < $0 }) {
            for i in parent.indices.reversed() where parent[i] >= 0 { size[parent[i]] += size[i] }
        } else {
            for i in forest.topDownOrder().reversed() where parent[i] >= 0 { size[parent[i]] += size[i] }
        }
        subtreeSize = size
        var pIndex: [String: Int] = [:]
        for (i, p) in principals.enumerated() { pIndex[p.id] = i }
        principalIndex = pIndex
        // By index, not through a copy of each agent; agents of one principal share its ID
        // string, so a run of them costs one comparison of identical strings, not a hash each.
        var of = [Int](repeating: -1, count: agents.count)
        var lastID: String?, last = -1
        for i in agents.indices {
            if agents[i].principalID != lastID {
                lastID = agents[i].principalID
                last = pIndex[agents[i].principalID] ?? -1
            }
            of[i] = last
        }
        principalOfAgent = of
    }

    /// What `/`, the Agents view's name order and the detail pane's effective scopes need;
    /// left empty (`ready` false) while the snapshot is the first frame's tree alone.
    mutating func rebuildSearch(agents: [Agent], ready: Bool) {
        guard ready else {
            (effective, agentText, nameOrder, agentNameRank) = ([], SearchText(), [], [])
            return
        }
        effective = forest.effectiveScopes()
        var text = SearchText()
        var scopes = ScopeDescriptions()
        for a in agents {
            FleetIndex.searchParts(a, grant: scopes.description(a.grant)) { text.appendPart($0) }
            text.endLoweredRow()
        }
        agentText = text
        let names = agents.map { $0.name.lowercased() }
        nameOrder = agents.indices.sorted { names[$0] != names[$1] ? names[$0] < names[$1] : $0 < $1 }
        var rank = [Int](repeating: 0, count: agents.count)
        for (k, i) in nameOrder.enumerated() { rank[i] = k }
        agentNameRank = rank
    }

    /// Effective scopes of an agent: precomputed, or folded along its chain while they are not.
    public func effectiveScopes(_ i: Int) -> ScopeSet {
        i < effective.count ? effective[i] : forest.effectiveScopes(of: forest.agents[i].id)
    }

    mutating func rebuildCredentials(_ credentials: [Credential]) {
        var credIndex: [String: Int] = [:]
        credIndex.reserveCapacity(credentials.count)
        var text = SearchText()
        var agentOf: [Int32] = []
        agentOf.reserveCapacity(credentials.count)
        var lookup = AgentLookup()
        var scopes = ScopeDescriptions()
        for (i, c) in credentials.enumerated() {
            credIndex[c.id] = i
            let a = lookup.position(c.agentID, in: forest.index)
            agentOf.append(Int32(a ?? -1))
            FleetIndex.searchParts(c, agentKnown: a != nil, scopes: scopes.description(c.scopes)) { text.appendPart($0) }
            text.endLoweredRow()
        }
        credentialsByAgent = IndexLists(owners: forest.agents.count, itemCount: credentials.count) {
            agentOf[$0] >= 0 ? Int(agentOf[$0]) : nil
        }
        credentialText = text
        credentialAgent = agentOf
        credentialIndex = credIndex
        // Bytes bound the width of an ID from above.
        credentialIDWidth = credentials.reduce(0) { max($0, $1.id.utf8.count) }
        credentialExpiry = credentials.map(FleetIndex.expiry)
        expiries = credentialExpiry.filter { $0 != .min }.sorted()
    }

    mutating func rebuildInstances(_ instances: Chunked<Instance>) {
        var lookup = AgentLookup()
        instanceAgent = instances.map { Int32(lookup.position($0.agentID, in: forest.index) ?? -1) }
        instancesByAgent = IndexLists(owners: forest.agents.count, itemCount: instances.count) { Int(instanceAgent[$0]) }
        instanceLiveUntil = instances.map { $0.stoppedAt == nil ? $0.lastHeartbeat + Instance.liveWindowMs : .min }
        liveUntil = instanceLiveUntil.filter { $0 != .min }.sorted()
    }

    /// Instances at `positions` changed in place (heartbeats, stops; never their agent): patches
    /// their live-until times instead of regrouping 300,000 instances.
    mutating func updateInstances(at positions: [Int], _ instances: Chunked<Instance>) {
        for j in positions {
            let x = instances[j]
            let new = x.stoppedAt == nil ? x.lastHeartbeat + Instance.liveWindowMs : Timestamp.min
            let old = instanceLiveUntil[j]
            guard new != old else { continue }
            instanceLiveUntil[j] = new
            if old != .min { liveUntil.remove(at: FleetIndex.countAtMost(liveUntil, old - 1)) }
            if new != .min { liveUntil.insert(new, at: FleetIndex.countAtMost(liveUntil, new)) }
        }
    }

    /// Instances live at `now`.
    public func liveCount(now: Timestamp) -> Int { liveUntil.count - FleetIndex.countAtMost(liveUntil, now - 1) }

    /// Credentials still valid at `now` that expire within `withinMs`.
    public func expiringCount(now: Timestamp, withinMs: Int64) -> Int {
        FleetIndex.countAtMost(expiries, now + withinMs) - FleetIndex.countAtMost(expiries, now)
    }

    /// How many sorted values are ≤ `x`.
    static func countAtMost(_ sorted: [Timestamp], _ x: Timestamp) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    mutating func rebuildActivity<M: Sequence<CallMinute>>(minutes: M, calls: [ToolCall], now: Timestamp) {
        let n = forest.agents.count
        rateCounts = [Int32](repeating: 0, count: n * FleetIndex.sparkMinutes)
        deniedLastMinute = [Int](repeating: 0, count: n)
        deniedTotalLastMinute = 0
        deniedByMinute = [:]
        rateMinute = now / 60_000
        count(minutes, sign: 1)
        var last = [Timestamp?](repeating: nil, count: n)
        for c in calls { if let a = forest.index[c.agentID], (last[a] ?? .min) < c.at { last[a] = c.at } }
        lastCall = last
        deniedTimes = calls.lazy.filter { $0.decision == .deny && $0.at > now - FleetIndex.deniedKeptMs }.map(\.at).sorted()
        deniedCompleteFrom = FleetIndex.completeFrom(calls)
    }

    /// Denied calls are kept this long: the count looks back 60 s from a clock that runs on
    /// between reloads.
    static let deniedKeptMs: Int64 = 180_000

    /// The window holds every call after its oldest one once it is full; all of them before.
    static func completeFrom(_ calls: [ToolCall]) -> Timestamp {
        calls.count >= SnapshotLoader.callWindow ? (calls.first?.at ?? .min) : .min
    }

    /// Denied calls in the 60 seconds up to `now`, sliding. Exact from the recent calls' own
    /// times; where the call window does not reach back 60 s (more than a window's calls a
    /// minute), the part it misses is prorated from the per-minute counts.
    public func deniedLast60s(now: Timestamp) -> Int {
        let from = now - 60_000
        let exactFrom = deniedCompleteFrom == .min ? from : max(from, deniedCompleteFrom - 1)
        let exact = FleetIndex.countAtMost(deniedTimes, now) - FleetIndex.countAtMost(deniedTimes, exactFrom)
        guard from < exactFrom else { return exact }
        var estimate = 0.0, t = from
        while t < exactFrom {
            let minute = t / 60_000
            let end = min((minute + 1) * 60_000, exactFrom)
            estimate += Double(deniedByMinute[minute] ?? 0) * Double(end - t) / 60_000
            t = end
        }
        return exact + Int(estimate.rounded())
    }

    /// Takes `removed` per-minute counts out and puts `added` in, and notes the newest call of
    /// each agent among `fresh`: a reload within the same minute costs what changed. False (and
    /// nothing done) once the minute has turned: the window moved, rebuild instead.
    mutating func patchActivity(removed: [CallMinute], added: [CallMinute], fresh: [ToolCall], calls: [ToolCall], now: Timestamp) -> Bool {
        guard now / 60_000 == rateMinute, rateCounts.count == forest.agents.count * FleetIndex.sparkMinutes else { return false }
        count(removed, sign: -1)
        count(added, sign: 1)
        for c in fresh { if let a = forest.index[c.agentID], (lastCall[a] ?? .min) < c.at { lastCall[a] = c.at } }
        let kept = now - FleetIndex.deniedKeptMs
        var times = deniedTimes.filter { $0 > kept }
        for c in fresh where c.decision == .deny && c.at > kept { times.insert(c.at, at: FleetIndex.countAtMost(times, c.at)) }
        deniedTimes = times
        deniedCompleteFrom = FleetIndex.completeFrom(calls)
        return true
    }

    private mutating func count<M: Sequence<CallMinute>>(_ minutes: M, sign: Int) {
        let first = rateMinute - Int64(FleetIndex.sparkMinutes) + 1
        for m in minutes where m.minute >= first && m.minute <= rateMinute {
            if m.minute == rateMinute { deniedTotalLastMinute += sign * m.denied }
            if m.denied != 0 { deniedByMinute[m.minute, default: 0] += sign * m.denied }
            guard let a = forest.index[m.agentID] else { continue }
            rateCounts[a * FleetIndex.sparkMinutes + Int(m.minute - first)] += Int32(truncatingIfNeeded: sign * m.calls)
            if m.minute == rateMinute { deniedLastMinute[a] += sign * m.denied }
        }
    }

    /// An agent's calls per minute over the window, oldest first; nil if it made none.
    public func rates(_ agent: Int) -> [Int]? {
        let k = FleetIndex.sparkMinutes
        guard agent * k + k <= rateCounts.count else { return nil }
        let slice = rateCounts[agent * k ..< agent * k + k]
        return slice.contains { $0 != 0 } ? slice.map { Int($0) } : nil
    }

    /// Live instances of an agent at `now`.
    public func liveInstances(_ agent: Int, now: Timestamp) -> Int {
        instancesByAgent[agent].reduce(0) { $0 + (instanceLiveUntil[$1] >= now ? 1 : 0) }
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
    public func callsPerMinute(_ agent: Int) -> Int {
        let k = FleetIndex.sparkMinutes
        return agent * k + k <= rateCounts.count ? Int(rateCounts[agent * k + k - 1]) : 0
    }
}

/// Scope sets' descriptions over a pass of rows: a fleet holds few distinct sets (grants are
/// given from a handful of lists), and describing one costs more than finding it. Neighbours
/// often hold the very same set (one value per distinct text from the store): it is tried
/// first, since comparing a set with itself is cheaper than hashing it.
struct ScopeDescriptions {
    private var known: [ScopeSet: String] = [:]
    private var last: (set: ScopeSet, text: String)?

    mutating func description(_ set: ScopeSet) -> String {
        if let last, last.set == set { return last.text }
        let text: String
        if let held = known[set] {
            text = held
        } else {
            text = set.description
            if known.count >= 10_000 { known.removeAll(keepingCapacity: true) }
            known[set] = text
        }
        last = (set, text)
        return text
    }
}
