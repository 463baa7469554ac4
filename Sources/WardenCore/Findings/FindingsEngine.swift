/// Computes findings from a fleet at a moment. Pure: everything comes in as values.
public enum FindingsEngine {
    /// How many recent tool calls the call-based findings (shared credentials, use after revoke,
    /// unregistered callers) look at: the one window of the CLI, the dashboard and the bench.
    public static let callWindow = 10_000

    public struct Input: Sendable {
        public var principals: [Principal]
        public var agents: [Agent]
        public var credentials: [Credential]
        public var instances: Chunked<Instance>
        /// Recent tool calls (any order): the last `callWindow` of them.
        public var calls: [ToolCall]
        /// Tools each agent used with an allow decision within the policy's unused-scope window,
        /// as `server/tool`. Agents missing here used nothing.
        public var usage: [String: Set<String>]
        public var now: Timestamp
        public var policy: Policy
        /// The governed state checked against the journal, when the caller checked it.
        public var stateCheck: StateCheck?
        /// Every pinned tool of every server (tool findings; pins are few, one per tool).
        public var tools: [ToolPin]
        /// The canonical definition (RFC 8785 text) of each pin's current hash, by hash: what
        /// `suspicious_tool` scans. A pin whose definition is missing here is not scanned.
        public var toolDefinitions: [String: String]

        public init<I: Sequence<Instance>>(principals: [Principal], agents: [Agent], credentials: [Credential], instances: I,
                    calls: [ToolCall], usage: [String: Set<String>], now: Timestamp, policy: Policy,
                    stateCheck: StateCheck? = nil, tools: [ToolPin] = [], toolDefinitions: [String: String] = [:]) {
            self.stateCheck = stateCheck
            self.tools = tools
            self.toolDefinitions = toolDefinitions
            self.principals = principals
            self.agents = agents
            self.credentials = credentials
            // A dashboard's chunked instances are taken as they are, not copied.
            self.instances = instances as? Chunked<Instance> ?? Chunked(instances)
            self.calls = calls
            self.usage = usage
            self.now = now
            self.policy = policy
        }
    }

    /// Findings, most severe first, then by kind and subject.
    public static func evaluate(_ input: Input, forest given: DelegationForest? = nil) -> [Finding] {
        let forest = given ?? DelegationForest(principals: input.principals, agents: input.agents)
        let now = input.now
        let policy = input.policy
        var out: [Finding] = []
        let effective = forest.effectiveScopes()
        for i in forest.agents.indices { out += agentFindings(i, forest: forest, effective: effective, usage: input.usage, now: now, policy: policy) }
        // Active credentials counted per agent (any instance) and per instance they are bound to:
        // counts, not copies, so 200,000 credentials cost little memory.
        var live = LiveCredentials(reserving: input.credentials)
        var names = AgentNames()
        for c in input.credentials {
            live.add(c, now: now)
            if let f = credentialFinding(c, names: &names, forest: forest, now: now, policy: policy) { out.append(f) }
        }
        for inst in input.instances {
            if let f = staleFinding(inst, live: live, names: &names, forest: forest, now: now, policy: policy) { out.append(f) }
        }
        out += globalFindings(input, forest: forest)
        sort(&out)
        return out
    }

    /// Sorts into output order (`precedes`) by a permutation of keys, then moves each finding
    /// once: sorting 200,000 findings themselves copied each (five retained fields) at every
    /// merge step, a third of the findings' time at L.
    public static func sort(_ findings: inout [Finding]) {
        let keys = findings.indices.map { (rank: rank(findings[$0].severity, findings[$0].kind), id: findings[$0].subject.id) }
        var order = Array(findings.indices)
        order.sort { a, b in keys[a].rank != keys[b].rank ? keys[a].rank < keys[b].rank : keys[a].id < keys[b].id }
        // The permutation is applied in place, cycle by cycle, moving each finding's bits once:
        // a copy retains its strings and the old array then releases them (half the sort's
        // time at L), and `swapAt` copies through a temporary.
        var placed = [Bool](repeating: false, count: order.count)
        findings.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            for start in order.indices where !placed[start] && order[start] != start {
                let first = (base + start).move()
                var k = start
                while order[k] != start {
                    (base + k).moveInitialize(from: base + order[k], count: 1)
                    placed[k] = true
                    k = order[k]
                }
                (base + k).initialize(to: first)
                placed[k] = true
            }
        }
    }

    /// Severity (most severe first), then kind by name, as one number.
    private static func rank(_ severity: Finding.Severity, _ kind: Finding.Kind) -> Int {
        (Finding.Severity.high.rawValue - severity.rawValue) * 64 + kindRank[kind]!
    }

    private static let kindRank: [Finding.Kind: Int] = Dictionary(uniqueKeysWithValues:
        Finding.Kind.allCases.sorted { $0.rawValue < $1.rawValue }.enumerated().map { ($1, $0) })

    /// The output order: most severe first, then by kind and subject.
    public static func precedes(_ a: Finding, _ b: Finding) -> Bool {
        if a.severity != b.severity { return a.severity > b.severity }
        if a.kind != b.kind { return a.kind.rawValue < b.kind.rawValue }
        return a.subject.id < b.subject.id
    }

    /// An agent's own findings: escalation, deep delegation, unregistered, unused scopes.
    static func agentFindings(_ i: Int, forest: DelegationForest, effective: [ScopeSet], usage: [String: Set<String>],
                              now: Timestamp, policy: Policy) -> [Finding] {
        let a = forest.agents[i]
        guard a.status(at: now) == .active else { return [] }
        var out: [Finding] = []
        // Escalation: a grant or expiry wider than the delegator's.
        let above: ScopeSet
        var aboveExpiry: Timestamp?
        var delegatorName = a.principalID
        if forest.parent[i] >= 0 {
            let pi = forest.parent[i]
            above = effective[pi]
            aboveExpiry = forest.agents[pi].expiresAt
            delegatorName = forest.agents[pi].name
        } else {
            above = forest.principal(a.principalID)?.scopes ?? .none
        }
        if a.registered, let wide = a.grant.uncovered(by: above) {
            // Keep what the delegator holds; a grant with nothing inside it can only be revoked.
            let kept = a.grant.intersection(above)
            out.append(Finding(kind: .escalation, severity: .high, subject: .agent(a.id),
                               explanation: "\(a.name) is granted \(wide), which its delegator \(delegatorName) does not hold",
                               fix: kept.isEmpty ? .revoke : .narrow, agentID: a.id,
                               command: kept.isEmpty ? ["revoke", a.id] : ["narrow", a.id, "--keep", kept.strings.joined(separator: ",")]))
        } else if a.registered, let limit = aboveExpiry, (a.expiresAt ?? .max) > limit {
            out.append(Finding(kind: .escalation, severity: .high, subject: .agent(a.id),
                               explanation: "\(a.name) outlives its delegator \(delegatorName) (expiry beyond \(UTC.rfc3339(limit)))",
                               fix: .revoke, agentID: a.id, command: ["revoke", a.id]))
        }
        if a.depth > policy.maxDepth {
            out.append(Finding(kind: .deepDelegation, severity: .low, subject: .agent(a.id),
                               explanation: "\(a.name) is \(a.depth) delegations from its principal (policy: \(policy.maxDepth))",
                               fix: .revoke, agentID: a.id, command: ["revoke", a.id]))
        }
        if !a.registered {
            out.append(Finding(kind: .unregisteredAgent, severity: .high, subject: .agent(a.id),
                               explanation: "\(a.name) makes tool calls but was never registered by an operator",
                               fix: .revoke, agentID: a.id, command: ["revoke", a.id]))
        }
        // Unused scopes: only for agents old enough to have used them.
        if a.registered, now - a.createdAt >= policy.unusedScopeMs {
            let used = usage[a.id] ?? []
            let unused = a.grant.members.filter { s in !used.contains { u in
                guard let (sv, t) = Authorization.splitTool(u) else { return false }
                return s.matches(server: sv, tool: t)
            } }
            if !unused.isEmpty {
                // Keep the members it used; an agent that used none of its grant is revoked,
                // since `narrow` refuses to leave a grant empty.
                let used = a.grant.members.filter { m in !unused.contains(m) }
                let advice = used.isEmpty ? "revoke it" : "narrow it to what it used"
                out.append(Finding(kind: .unusedScopes, severity: .low, subject: .agent(a.id),
                                   explanation: "\(a.name) has not used \(ScopeSet(unused)) in \(DurationText.canonical(policy.unusedScopeMs)); \(advice)",
                                   fix: used.isEmpty ? .revoke : .narrow, agentID: a.id,
                                   command: used.isEmpty ? ["revoke", a.id] : ["narrow", a.id, "--keep", used.map(\.description).joined(separator: ",")]))
            }
        }
        return out
    }

    /// Active credentials counted per agent (unbound) and per instance they are bound to.
    struct LiveCredentials {
        var unbound: [String: Int] = [:]
        var bound: [AgentInstance: Int] = [:]

        init() {}

        /// Sized for `credentials` at once: growing two dictionaries of 100,000 string keys
        /// step by step rehashed every key several times.
        init(reserving credentials: [Credential]) {
            let bound = credentials.reduce(0) { $0 + ($1.instanceID == nil ? 0 : 1) }
            self.bound.reserveCapacity(bound)
            unbound.reserveCapacity(credentials.count - bound)
        }

        mutating func add(_ c: Credential, now: Timestamp) {
            if c.status(at: now) == .active { count(c, 1) }
        }

        /// Counts `c` in (`sign` 1) or out (-1), whatever its status.
        mutating func count(_ c: Credential, _ sign: Int) {
            if let inst = c.instanceID { bound[AgentInstance(agent: c.agentID, instance: inst), default: 0] += sign } else { unbound[c.agentID, default: 0] += sign }
        }

        func count(_ inst: Instance) -> Int {
            (unbound[inst.agentID] ?? 0) + (bound[AgentInstance(agent: inst.agentID, instance: inst.id)] ?? 0)
        }
    }

    /// A static credential (active, and living longer than policy allows).
    static func credentialFinding(_ c: Credential, names: inout AgentNames, forest: DelegationForest, now: Timestamp, policy: Policy) -> Finding? {
        guard c.status(at: now) == .active, c.isStatic(policy: policy, now: now) else { return nil }
        let life = c.expiresAt.map { "lives \(DurationText.canonical(max($0 - c.issuedAt, $0 - now)))" } ?? "never expires"
        return Finding(kind: .staticCredential, severity: .medium, subject: .credential(c.id),
                       explanation: "\(c.id) of \(names.lookUp(c.agentID, forest).name) \(life) (policy: at most \(DurationText.canonical(policy.maxCredentialTTLMs)))",
                       fix: .revoke, agentID: c.agentID, command: ["revoke", c.id])
    }

    /// A stale instance that still holds live credentials.
    static func staleFinding(_ inst: Instance, live: LiveCredentials, names: inout AgentNames, forest: DelegationForest,
                             now: Timestamp, policy: Policy) -> Finding? {
        guard inst.stoppedAt == nil && now - inst.lastHeartbeat > policy.staleInstanceMs else { return nil }
        let n = live.count(inst)
        guard n > 0 else { return nil }
        let agent = names.lookUp(inst.agentID, forest)
        return Finding(kind: .staleInstance, severity: .medium, subject: .instance(inst.id),
                       explanation: "instance \(inst.id) of \(agent.name) on \(inst.host) is silent for \(DurationText.compact(now - inst.lastHeartbeat)) but \(n == 1 ? "1 credential is" : "\(n) credentials are") live",
                       fix: .investigate, agentID: inst.agentID,
                       command: agent.known ? ["agent", "show", inst.agentID] : ["calls"])
    }

    /// Findings over the whole fleet at once, bounded by the call window, the recent renewals
    /// and the pins rather than the fleet: unknown callers, renewal storms, shared credentials,
    /// use after revoke, state drift, tools.
    static func globalFindings(_ input: Input, forest: DelegationForest) -> [Finding] {
        let now = input.now
        let agentByID = forest.index
        var out: [Finding] = []
        // Calls an agent ID the store does not know: unregistered identities in the wild.
        var unknownCallers: [String: Int] = [:]
        for c in input.calls where agentByID[c.agentID] == nil { unknownCallers[c.agentID, default: 0] += 1 }
        for (id, n) in unknownCallers.sorted(by: { $0.key < $1.key }) {
            out.append(Finding(kind: .unregisteredAgent, severity: .high, subject: .agent(id),
                               explanation: "\(id) made \(n) recent tool \(n == 1 ? "call" : "calls") but is not in the store", fix: .investigate, agentID: nil,
                               command: ["calls"]))
        }

        out += renewalStorms(input.credentials, forest: forest, now: now)

        // Shared credential: one credential seen from more than one instance or host.
        var seen: [String: Set<String>] = [:]
        for c in input.calls {
            guard let cred = c.credentialID, let inst = c.instanceID else { continue }
            seen[cred, default: []].insert(inst)
        }
        // Hosts only of the instances that share a credential.
        let sharing = Set(seen.values.filter { $0.count > 1 }.flatMap { $0 })
        var hosts: [String: String] = [:]
        if !sharing.isEmpty { for inst in input.instances where sharing.contains(inst.id) { hosts[inst.id] = inst.host } }
        // Only credentials seen on several instances are looked up (by ID, without copying
        // every credential): usually none.
        let shared = seen.filter { $0.value.count > 1 }
        var credentialByID: [String: Int] = [:]
        if !shared.isEmpty {
            for i in input.credentials.indices where shared[input.credentials[i].id] != nil { credentialByID[input.credentials[i].id] = i }
        }
        for (cred, instances) in shared.sorted(by: { $0.key < $1.key }) {
            let known = credentialByID[cred].map { input.credentials[$0] }
            // A revoked credential is dealt with; any further use shows as use_after_revoke.
            if known?.revokedAt != nil { continue }
            let hostCount = Set(instances.map { hosts[$0] ?? $0 }).count
            out.append(Finding(kind: .sharedCredential, severity: .high, subject: .credential(cred),
                               explanation: "\(cred) is used by \(instances.count) instances on \(hostCount) host(s); credentials should not be shared",
                               fix: known == nil ? .investigate : .revoke, agentID: known?.agentID,
                               command: known == nil ? ["calls"] : ["revoke", cred]))
        }

        // Use after revoke: someone still holds a revoked credential or identity.
        let revokedReasons: Set<String> = ["credential_revoked", "agent_revoked", "ancestor_revoked", "principal_disabled"]
        var afterRevoke: [String: (count: Int, agent: String)] = [:]
        for c in input.calls where c.decision == .deny && revokedReasons.contains(c.reason ?? "") {
            let key = c.credentialID ?? c.agentID
            afterRevoke[key, default: (0, c.agentID)].count += 1
        }
        for (key, v) in afterRevoke.sorted(by: { $0.key < $1.key }) {
            let subject: Finding.Subject = key.hasPrefix(Credential.idPrefix) ? .credential(key) : .agent(key)
            out.append(Finding(kind: .useAfterRevoke, severity: .high, subject: subject,
                               explanation: "\(v.count) \(v.count == 1 ? "call" : "calls") with revoked \(key) by \(name(v.agent, forest)): someone still holds it",
                               fix: .investigate, agentID: v.agent, command: evidence(v.agent, forest)))
        }

        // Governed state changed behind Warden's back: nothing else in the store can be trusted
        // until an operator has looked.
        if case .drifted? = input.stateCheck, let check = input.stateCheck {
            out.append(Finding(kind: .stateDrift, severity: .high, subject: .store("store"),
                               explanation: check.summary, fix: .investigate, agentID: nil,
                               command: ["audit", "--verify"]))
        }
        out += toolFindings(input.tools, definitions: input.toolDefinitions)
        return out
    }

    /// The window renewals are counted over.
    public static let renewalStormWindowMs: Int64 = 3_600_000
    /// Renewals an agent may make beyond what its lifetimes need, as a factor.
    public static let renewalStormFactor = 4
    /// Fewer renewals than this in the window are never a storm.
    public static let renewalStormMinimum = 10

    /// Renewal storm: an active agent whose credentials were renewed (`renewedFrom` set) within
    /// the last hour more than `renewalStormFactor` times as often as their lifetimes need, and
    /// at least `renewalStormMinimum` times. Need: each holder (a distinct bound instance, or
    /// the agent unbound) renews once per lifetime, the shortest lifetime among those renewals,
    /// so `holders × ceil(window / lifetime)`. A leaked credential being farmed (renewed again
    /// and again to keep it alive, or to mint copies) looks like this.
    static func renewalStorms(_ credentials: [Credential], forest: DelegationForest, now: Timestamp) -> [Finding] {
        var renewals: [String: (count: Int, shortest: Int64, holders: Set<String>)] = [:]
        // Fields are tested in place: copying each of 200,000 credentials to test two of them
        // retained and released its strings.
        for j in credentials.indices where credentials[j].renewedFrom != nil
            && credentials[j].issuedAt <= now && now - credentials[j].issuedAt < renewalStormWindowMs {
            let c = credentials[j]
            let life = max(1_000, (c.expiresAt ?? c.issuedAt) - c.issuedAt)
            var v = renewals[c.agentID] ?? (0, life, [])
            v.count += 1
            v.shortest = min(v.shortest, life)
            v.holders.insert(c.instanceID ?? "")
            renewals[c.agentID] = v
        }
        var out: [Finding] = []
        for (agentID, v) in renewals.sorted(by: { $0.key < $1.key }) {
            guard let a = forest.agent(agentID), a.status(at: now) == .active else { continue }
            let perHolder = (renewalStormWindowMs + v.shortest - 1) / v.shortest
            let needed = Int(perHolder) * v.holders.count
            guard v.count >= renewalStormMinimum, v.count > renewalStormFactor * needed else { continue }
            out.append(Finding(kind: .renewalStorm, severity: .high, subject: .agent(agentID),
                               explanation: "\(a.name) renewed \(v.count) credentials in the last \(DurationText.canonical(renewalStormWindowMs)); lifetimes of \(DurationText.compact(v.shortest)) for \(v.holders.count) holder(s) need about \(needed): a leaked credential may be being farmed",
                               fix: .revoke, agentID: agentID, command: ["revoke", agentID]))
        }
        return out
    }

    struct AgentInstance: Hashable {
        let agent: String, instance: String
        // The instance's (short) ID alone is hashed: an instance ID names one instance, so
        // hashing the agent's long ID as well only cost time. Equality still compares both.
        func hash(into h: inout Hasher) { h.combine(instance) }
    }

    /// Agents' names for one pass over credentials or instances (`AgentLookup`: one hashed
    /// lookup per finding was a fifth of the first findings' time at L).
    struct AgentNames {
        private var agents = AgentLookup()

        /// The agent's name (its ID when it is not in the forest), and whether it is.
        mutating func lookUp(_ agentID: String, _ forest: DelegationForest) -> (name: String, known: Bool) {
            let i = agents.position(agentID, in: forest.index)
            return (i.map { forest.agents[$0].name } ?? agentID, i != nil)
        }
    }

    /// The read that shows an agent's denied calls; every recent call when it is not in the store.
    static func evidence(_ agentID: String, _ forest: DelegationForest) -> [String] {
        forest.index[agentID] == nil ? ["calls", "--denied"] : ["calls", "--agent", agentID, "--denied"]
    }

    static func name(_ agentID: String, _ forest: DelegationForest) -> String {
        forest.index[agentID].map { forest.agents[$0].name } ?? agentID
    }
}
