/// Findings kept between evaluations of one fleet whose rows keep their positions (the
/// dashboard's snapshot: rows replaced in place, new ones appended), recomputed for what
/// changed: the rows the caller names, what depends on them (an agent's subtree, its
/// credentials and instances), and what the clock moved past since the last evaluation (an
/// expiry, an instance going silent). Findings over the call window, renewals, the state check
/// and the pins are bounded by those and recomputed each time. Gives exactly what
/// `FindingsEngine.evaluate` gives on the same input (tests compare them over random changes).
public struct FindingsCache: Sendable {
    /// What changed since the last evaluation, by position in the input's arrays.
    public struct Changes: Sendable {
        public var principals: [String] = []
        public var agents: [Int] = []
        public var credentials: [Int] = []
        public var instances: [Int] = []
        /// The usage given differs from the last evaluation's.
        public var usage = false
        public init(principals: [String] = [], agents: [Int] = [], credentials: [Int] = [], instances: [Int] = [], usage: Bool = false) {
            self.principals = principals
            self.agents = agents
            self.credentials = credentials
            self.instances = instances
            self.usage = usage
        }
    }

    /// Rows of a kind by the agent they belong to (the dashboard keeps these lists): nil for an
    /// agent not in the forest, whose rows are then found by a scan.
    public struct Owners {
        public var credentials: (Int) -> [Int]
        public var instances: (Int) -> [Int]
        public init(credentials: @escaping (Int) -> [Int], instances: @escaping (Int) -> [Int]) {
            self.credentials = credentials
            self.instances = instances
        }
    }

    // Which rows had findings at their last evaluation: the output holds the findings
    // themselves (one copy of 200,000 findings, not one per row and one sorted).
    private var agentHas: [Bool] = []
    private var credentialHas: [Bool] = []
    private var instanceHas: [Bool] = []
    /// Whether each credential counted as live at its last evaluation. A credential's agent and
    /// instance never change (no store action moves one), so what it counted is known from it.
    private var countedLive: [Bool] = []
    private var live = FindingsEngine.LiveCredentials()
    private var usage: [String: Set<String>] = [:]
    /// The last answer, in output order.
    private var output: [Finding] = []
    private var events = EventQueue()
    /// Each row's next event (`.max`: none); an event that no longer matches is dropped.
    private var scheduled: [[Timestamp]] = [[], [], []]
    private var evaluatedAt: Timestamp = .min
    private var policy: Policy?
    /// Rows evaluated by the last call (every row after a full evaluation): what tests check.
    public private(set) var lastEvaluated = (agents: 0, credentials: 0, instances: 0)

    public init() {}

    /// Evaluates `input` given what changed since the last call: everything on the first call
    /// (or a new policy, or rows that went missing), the changed rows and their dependents after.
    public mutating func evaluate(_ input: FindingsEngine.Input, forest: DelegationForest, effective: [ScopeSet],
                                  changes: Changes, owners: Owners) -> [Finding] {
        let now = input.now
        let first = policy != input.policy || now < evaluatedAt || agentHas.count > forest.agents.count
            || credentialHas.count > input.credentials.count || instanceHas.count > input.instances.count
        if first { return evaluateAll(input, forest: forest, effective: effective) }

        var dirtyAgents = Set(changes.agents)
        for id in changes.principals { for r in forest.roots[id] ?? [] { dirtyAgents.insert(r) } }
        dirtyAgents.formUnion(agentHas.count..<forest.agents.count)
        if changes.usage {
            for (id, set) in input.usage where usage[id] != set { if let i = forest.index[id] { dirtyAgents.insert(i) } }
            for id in usage.keys where input.usage[id] == nil { if let i = forest.index[id] { dirtyAgents.insert(i) } }
            usage = input.usage
        }
        var dirtyCredentials = Set(changes.credentials)
        dirtyCredentials.formUnion(credentialHas.count..<input.credentials.count)
        var dirtyInstances = Set(changes.instances)
        dirtyInstances.formUnion(instanceHas.count..<input.instances.count)
        // What the clock moved past.
        for kind in [EventQueue.Kind.agent, .credential, .instance] {
            let n = kind == .agent ? forest.agents.count : kind == .credential ? input.credentials.count : input.instances.count
            scheduled[Int(kind.rawValue)] += Array(repeating: .max, count: max(0, n - scheduled[Int(kind.rawValue)].count))
        }
        while let e = events.popDue(now) {
            guard scheduled[Int(e.kind.rawValue)][e.index] == e.at else { continue }
            scheduled[Int(e.kind.rawValue)][e.index] = .max
            switch e.kind {
            case .agent: dirtyAgents.insert(e.index)
            case .credential: dirtyCredentials.insert(e.index)
            case .instance: dirtyInstances.insert(e.index)
            }
        }
        // An agent's findings read its delegator's effective scopes and expiry: a changed
        // agent's whole subtree is evaluated again, and its rows (they name it).
        var queue = Array(dirtyAgents)
        var head = 0
        while head < queue.count {
            for c in forest.children[queue[head]] where dirtyAgents.insert(c).inserted { queue.append(c) }
            head += 1
        }
        for i in changes.agents where i < forest.agents.count {
            dirtyCredentials.formUnion(owners.credentials(i))
            dirtyInstances.formUnion(owners.instances(i))
        }
        for i in agentHas.count..<forest.agents.count {
            dirtyCredentials.formUnion(owners.credentials(i))
            dirtyInstances.formUnion(owners.instances(i))
        }

        // The rows' old findings go by subject (each subject is one row's); the new ones come in.
        var gone = Set<Finding.Subject>()
        var added: [Finding] = []
        agentHas += Array(repeating: false, count: forest.agents.count - agentHas.count)
        for i in dirtyAgents {
            if agentHas[i] { gone.insert(.agent(forest.agents[i].id)) }
            let f = FindingsEngine.agentFindings(i, forest: forest, effective: effective, usage: usage, now: now, policy: input.policy)
            added += f
            agentHas[i] = !f.isEmpty
            scheduleAgent(i, forest.agents[i], now: now, policy: input.policy)
        }
        var names = FindingsEngine.AgentNames()
        countedLive += Array(repeating: false, count: input.credentials.count - countedLive.count)
        credentialHas += Array(repeating: false, count: input.credentials.count - credentialHas.count)
        for j in dirtyCredentials {
            let c = input.credentials[j]
            // A change in what counts as live changes the findings of the holder's instances.
            let isLive = c.status(at: now) == .active
            if countedLive[j] != isLive {
                live.count(c, isLive ? 1 : -1)
                countedLive[j] = isLive
                dirtyInstances.formUnion(instances(of: c.agentID, forest, input, owners))
            }
            if credentialHas[j] { gone.insert(.credential(c.id)) }
            let f = FindingsEngine.credentialFinding(c, names: &names, forest: forest, now: now, policy: input.policy)
            if let f { added.append(f) }
            credentialHas[j] = f != nil
            scheduleCredential(j, c, now: now)
        }
        instanceHas += Array(repeating: false, count: input.instances.count - instanceHas.count)
        for k in dirtyInstances {
            let inst = input.instances[k]
            if instanceHas[k] { gone.insert(.instance(inst.id)) }
            let f = FindingsEngine.staleFinding(inst, live: live, names: &names, forest: forest, now: now, policy: input.policy)
            if let f { added.append(f) }
            instanceHas[k] = f != nil
            scheduleInstance(k, inst, now: now, policy: input.policy)
        }
        evaluatedAt = now
        lastEvaluated = (dirtyAgents.count, dirtyCredentials.count, dirtyInstances.count)
        // Findings over the whole fleet (calls, renewals, the state, the pins) are replaced each time.
        added += FindingsEngine.globalFindings(input, forest: forest)
        let kept = output.filter { !Self.isGlobal($0) && !gone.contains($0.subject) }
        FindingsEngine.sort(&added)
        output = Self.merge(kept, added)
        return output
    }

    /// Not one row's finding: recomputed whole at each evaluation. (An unregistered agent's own
    /// finding says revoke it; an unknown caller's says investigate.)
    static func isGlobal(_ f: Finding) -> Bool {
        switch f.kind {
        case .escalation, .deepDelegation, .unusedScopes, .staticCredential, .staleInstance: return false
        case .unregisteredAgent: return f.fix == .investigate
        case .sharedCredential, .useAfterRevoke, .stateDrift, .renewalStorm, .toolDrift, .toolPending, .suspiciousTool: return true
        }
    }

    private mutating func evaluateAll(_ input: FindingsEngine.Input, forest: DelegationForest, effective: [ScopeSet]) -> [Finding] {
        let now = input.now
        let policy = input.policy
        self = FindingsCache()
        self.policy = policy
        usage = input.usage
        evaluatedAt = now
        var items: [Finding] = []
        agentHas.reserveCapacity(forest.agents.count)
        scheduled[Int(EventQueue.Kind.agent.rawValue)] = Array(repeating: .max, count: forest.agents.count)
        for i in forest.agents.indices {
            let f = FindingsEngine.agentFindings(i, forest: forest, effective: effective, usage: usage, now: now, policy: policy)
            items += f
            agentHas.append(!f.isEmpty)
            scheduleAgent(i, forest.agents[i], now: now, policy: policy)
        }
        var names = FindingsEngine.AgentNames()
        live = FindingsEngine.LiveCredentials(reserving: input.credentials)
        countedLive.reserveCapacity(input.credentials.count)
        credentialHas.reserveCapacity(input.credentials.count)
        scheduled[Int(EventQueue.Kind.credential.rawValue)] = Array(repeating: .max, count: input.credentials.count)
        for (j, c) in input.credentials.enumerated() {
            let isLive = c.status(at: now) == .active
            if isLive { live.count(c, 1) }
            countedLive.append(isLive)
            scheduleCredential(j, c, now: now)
            let f = FindingsEngine.credentialFinding(c, names: &names, forest: forest, now: now, policy: policy)
            if let f { items.append(f) }
            credentialHas.append(f != nil)
        }
        instanceHas.reserveCapacity(input.instances.count)
        scheduled[Int(EventQueue.Kind.instance.rawValue)] = Array(repeating: .max, count: input.instances.count)
        for (k, inst) in input.instances.enumerated() {
            scheduleInstance(k, inst, now: now, policy: policy)
            let f = FindingsEngine.staleFinding(inst, live: live, names: &names, forest: forest, now: now, policy: policy)
            if let f { items.append(f) }
            instanceHas.append(f != nil)
        }
        lastEvaluated = (agentHas.count, credentialHas.count, instanceHas.count)
        items += FindingsEngine.globalFindings(input, forest: forest)
        FindingsEngine.sort(&items)
        output = items
        return output
    }

    /// Instances of an agent: its list when it is in the forest, else a scan.
    private func instances(of agentID: String, _ forest: DelegationForest, _ input: FindingsEngine.Input, _ owners: Owners) -> [Int] {
        if let i = forest.index[agentID] { return owners.instances(i) }
        return input.instances.indices.filter { input.instances[$0].agentID == agentID }
    }

    // MARK: When the clock changes a row's findings

    /// An agent's findings change when it expires and when it becomes old enough for the
    /// unused-scope check.
    private mutating func schedule(_ at: Timestamp, _ kind: EventQueue.Kind, _ index: Int) {
        guard scheduled[Int(kind.rawValue)][index] != at else { return }
        scheduled[Int(kind.rawValue)][index] = at
        if at != .max { events.push(at, kind, index) }
    }

    private mutating func scheduleAgent(_ i: Int, _ a: Agent, now: Timestamp, policy: Policy) {
        guard !a.isRevoked else { return schedule(.max, .agent, i) }
        var next = Timestamp.max
        if let e = a.expiresAt, e > now { next = e }
        let old = a.createdAt + policy.unusedScopeMs
        if old > now { next = min(next, old) }
        schedule(next, .agent, i)
    }

    /// A credential's when it expires; a static one issued in the future (its lifetime is
    /// measured from now) at every evaluation until then.
    private mutating func scheduleCredential(_ j: Int, _ c: Credential, now: Timestamp) {
        guard c.revokedAt == nil else { return schedule(.max, .credential, j) }
        var next = Timestamp.max
        if let e = c.expiresAt, e > now { next = e }
        if c.issuedAt > now { next = now + 1 }
        schedule(next, .credential, j)
    }

    /// An instance's when it goes silent, then each time its "silent for" text moves on.
    private mutating func scheduleInstance(_ k: Int, _ inst: Instance, now: Timestamp, policy: Policy) {
        guard inst.stoppedAt == nil else { return schedule(.max, .instance, k) }
        let silentAt = inst.lastHeartbeat + policy.staleInstanceMs + 1
        guard silentAt <= now else { return schedule(silentAt, .instance, k) }
        let s = (now - inst.lastHeartbeat) / 1000
        let step: Int64 = s < 3600 ? 1 : s < 86_400 ? 60 : 3600
        schedule(inst.lastHeartbeat + (s / step + 1) * step * 1000, .instance, k)
    }

    // MARK: Keeping the output order

    static func merge(_ a: [Finding], _ b: [Finding]) -> [Finding] {
        if b.isEmpty { return a }
        if a.isEmpty { return b }
        var out: [Finding] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if FindingsEngine.precedes(b[j], a[i]) { out.append(b[j]); j += 1 } else { out.append(a[i]); i += 1 }
        }
        out += a[i...]
        out += b[j...]
        return out
    }
}

/// Row events by time: a binary min-heap. An event for a row evaluated since is harmless (the
/// row is evaluated again, to the same findings).
struct EventQueue: Sendable {
    enum Kind: UInt8, Sendable, Hashable { case agent, credential, instance }
    struct Event: Sendable {
        let at: Timestamp
        let kind: Kind
        let index: Int
    }

    private var heap: [Event] = []

    mutating func push(_ at: Timestamp, _ kind: Kind, _ index: Int) {
        heap.append(Event(at: at, kind: kind, index: index))
        var c = heap.count - 1
        while c > 0 {
            let p = (c - 1) / 2
            guard heap[c].at < heap[p].at else { break }
            heap.swapAt(c, p)
            c = p
        }
    }

    /// The earliest event due at `now`, removed; nil if none is.
    mutating func popDue(_ now: Timestamp) -> Event? {
        guard let top = heap.first, top.at <= now else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var p = 0
            while true {
                let l = 2 * p + 1, r = l + 1
                var m = p
                if l < heap.count && heap[l].at < heap[m].at { m = l }
                if r < heap.count && heap[r].at < heap[m].at { m = r }
                if m == p { break }
                heap.swapAt(p, m)
                p = m
            }
        }
        return top
    }
}
