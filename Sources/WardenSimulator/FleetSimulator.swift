import WardenCore
import WardenStore

/// What one tick (or a whole run) did.
public struct TickSummary: Equatable, Sendable, CustomStringConvertible {
    public var calls = 0
    public var allowed = 0
    public var denied = 0
    public var heartbeats = 0
    public var instancesStarted = 0
    public var instancesStopped = 0
    public var delegations = 0
    public var credentialsIssued = 0
    /// Credentials agents renewed themselves (`renewCredential`), not issued by an operator.
    public var credentialsRenewed = 0
    public init() {}

    public static func += (a: inout TickSummary, b: TickSummary) {
        a.calls += b.calls; a.allowed += b.allowed; a.denied += b.denied; a.heartbeats += b.heartbeats
        a.instancesStarted += b.instancesStarted; a.instancesStopped += b.instancesStopped
        a.delegations += b.delegations; a.credentialsIssued += b.credentialsIssued
        a.credentialsRenewed += b.credentialsRenewed
    }

    public var description: String {
        "\(calls) tool calls (\(allowed) allowed, \(denied) denied), \(heartbeats) heartbeats, "
            + "\(instancesStarted) instances started, \(instancesStopped) stopped, \(delegations) delegations, "
            + "\(credentialsIssued) credentials issued, \(credentialsRenewed) renewed"
    }
}

/// What `bootstrap` found and made.
public struct BootstrapSummary: Equatable, Sendable, CustomStringConvertible {
    /// Agents that were already in the store and active.
    public var existingAgents = 0
    /// Agents the simulator registered to reach the requested size.
    public var createdAgents = 0
    public var principalCreated = false
    public var credentialsIssued = 0
    public var instancesStarted = 0

    public var description: String {
        var s = "\(existingAgents + createdAgents) agents (\(createdAgents) registered by the simulator)"
        s += ", \(credentialsIssued) credentials issued, \(instancesStarted) instances started"
        return s
    }
}

/// What a simulated fleet needs of a store: it reads the fleet, bootstraps it as an operator,
/// authorizes and renews with the credentials it holds, and records what it did.
public typealias SimulatorStore = FleetReader & OperatorActions & CredentialGate & ActivityRecording

/// A simulated fleet writing real activity through the store's roles: instances heartbeat,
/// start and stop; agents delegate sub-agents now and then (attenuated, audited as the
/// simulator); credentials are short-lived (some expire within the first minute) and renewed
/// after a while; tool calls are authorized by the store with the credentials held, so an
/// operator's revoke or narrow in another process turns the next calls into denials; some
/// calls are deliberately out of scope.
///
/// Deterministic for a seed and the times passed in: tests call `tick(now:)` with hand-set
/// times. The store is used from the calling thread only (give each simulator its own connection).
public final class FleetSimulator {
    public let store: any SimulatorStore
    public let rate: Double
    public let targetAgents: Int?
    public let operatorName: String
    /// The host its instances run on (`--host`); nil → a made-up host per instance. A simulator
    /// with a host adopts only the running instances on it: other hosts' processes are not its own.
    public let host: String?
    var rng: SplitMix64

    struct SimCredential {
        var id: String
        var secret: String
        var expiresAt: Timestamp?
        var instanceID: String?
        /// Renewed by the agent itself before it expires; otherwise left to expire (its calls
        /// are denied as expired) and replaced by an operator's issue.
        var renewable: Bool
        /// When the agent renews it, or (not renewable) asks for a new one after its expiry.
        var renewAt: Timestamp
    }

    struct SimAgent {
        var id: String
        var name: String
        var inScope: [(String, String)]
        var outOfScope: [(String, String)]
        var instances: [String] = []
        var credential: SimCredential?
        /// Set at the first denial that says the identity itself is gone (revoked, expired, disabled).
        var blockedAt: Timestamp?
        var retired = false
        var createdBySimulator = false
    }

    var agents: [SimAgent] = []
    var lastBeat: [String: Timestamp] = [:]
    var lastTick: Timestamp?
    var carry = 0.0
    var instanceCounter = 0
    var delegatedCount = 0

    /// The principal bootstrapped agents hang under.
    public static let principalID = "workload:simulated-fleet"
    /// Heartbeat period of simulated instances.
    public static let heartbeatMs: Int64 = 5_000

    public init(store: any SimulatorStore, seed: UInt64, rate: Double = 20, agents: Int? = nil, operatorName: String = "simulator",
                host: String? = nil) {
        self.store = store
        self.rate = max(0, rate)
        self.targetAgents = agents
        self.operatorName = operatorName
        self.host = host
        self.rng = SplitMix64(seed: seed)
    }

    func mutation(_ now: Timestamp, _ reason: String? = nil) -> Mutation {
        Mutation(operatorName: operatorName, now: now, reason: reason)
    }

    /// Active agents the simulator drives.
    public var agentIDs: [String] { agents.filter { !$0.retired }.map(\.id) }

    // MARK: bootstrap

    /// Makes sure there is a fleet to drive: takes the store's active registered agents, and
    /// when there are none (or fewer than `agents`) registers more under the principal
    /// `workload:simulated-fleet` (a tree: a third delegated by the principal, the rest by
    /// other agents, each attenuated). Then every agent gets a running instance and a
    /// credential (about a quarter of them expire within the first minute).
    @discardableResult
    public func bootstrap(now: Timestamp) throws(StoreError) -> BootstrapSummary {
        var summary = BootstrapSummary()
        let existing = try store.agents().filter { $0.registered && $0.status(at: now) == .active }
        summary.existingAgents = existing.count
        for a in existing.sorted(by: { $0.id < $1.id }) {
            if let sim = try simAgent(a.id, name: a.name) { agents.append(sim) }
        }
        let target = targetAgents ?? (existing.isEmpty ? 12 : existing.count)
        if agents.count < target {
            if try store.principal(Self.principalID) == nil {
                do {
                    _ = try store.addPrincipal(id: Self.principalID, kind: .workload, name: "Simulated fleet",
                                               scopes: .everything, mutation(now, "simulated fleet"))
                    summary.principalCreated = true
                } catch .refused(_) {
                    // Another simulator made it first.
                }
            }
            var used = Set(agents.map(\.name))
            var i = 0
            while agents.count < target {
                let base = Catalog.agentNames[i % Catalog.agentNames.count]
                var name = base
                var k = 2
                while used.contains(name) { name = "\(base)-\(k)"; k += 1 }
                used.insert(name)
                i += 1
                let topLevel = agents.filter(\.createdBySimulator).isEmpty || rng.int(3) == 0
                let delegator: String
                let scopes: ScopeSet
                if topLevel {
                    delegator = Self.principalID
                    scopes = topLevelScopes()
                } else {
                    let parents = agents.filter { $0.createdBySimulator && $0.inScope.count >= 2 }
                    guard !parents.isEmpty else { continue }
                    let parent = rng.pick(parents)
                    delegator = parent.id
                    scopes = subset(of: parent.inScope)
                }
                let agent: Agent
                do {
                    agent = try store.registerAgent(name: name, delegator: delegator, scopes: scopes,
                                                    ttlMs: topLevel ? 8 * 3_600_000 : nil, mutation(now, "simulated fleet"))
                } catch .refused(_) { continue } catch .invalid(_) { continue }
                if var sim = try simAgent(agent.id, name: name) {
                    sim.createdBySimulator = true
                    agents.append(sim)
                    summary.createdAgents += 1
                }
            }
        }
        // Instances already running in the store (on this host, when it has one) are adopted;
        // the rest start now.
        let running = try store.instances(agentID: nil).filter { $0.stoppedAt == nil && (host == nil || $0.host == host) }
        var byAgent: [String: [String]] = [:]
        for inst in running { byAgent[inst.agentID, default: []].append(inst.id) }
        var events: [InstanceEvent] = []
        for k in agents.indices {
            agents[k].instances = (byAgent[agents[k].id] ?? []).sorted()
            for id in agents[k].instances { lastBeat[id] = now; events.append(.heartbeat(instanceID: id, at: now)) }
            if agents[k].instances.isEmpty {
                let inst = newInstance(agentIndex: k, now: now)
                events.append(.started(inst))
                summary.instancesStarted += 1
            }
        }
        try store.recordInstanceEvents(events)
        for k in agents.indices {
            let short = rng.int(4) == 0
            if try issue(k, now: now, ttlMs: short ? Int64(rng.range(25...55)) * 1000 : Int64(rng.range(10...60)) * 60_000, renewable: !short) {
                summary.credentialsIssued += 1
            }
        }
        lastTick = now
        return summary
    }

    /// Reads an agent's effective scopes into the tools it may and may not call.
    func simAgent(_ id: String, name: String) throws(StoreError) -> SimAgent? {
        let eff = try store.effectiveScopes(of: id)
        let inScope = Catalog.allowed(by: eff)
        if inScope.isEmpty { return nil }
        var outside = Catalog.all.filter { t in !inScope.contains { $0 == t } }
        // A coding agent limited to some of its own tools reaches for the others (the shell, edits).
        let ownOutside = outside.filter { $0.0 == "claude-code" }
        if inScope.contains(where: { $0.0 == "claude-code" }), !ownOutside.isEmpty { outside = ownOutside }
        return SimAgent(id: id, name: name, inScope: inScope, outOfScope: outside)
    }

    func topLevelScopes() -> ScopeSet {
        var servers = Catalog.tools.map(\.server)
        var picked: [Scope] = []
        for _ in 0..<rng.range(2...3) {
            let s = servers.remove(at: rng.int(servers.count))
            let tools = Catalog.tools.first { $0.server == s }!.tools
            if rng.chance(0.4) {
                picked.append(Scope(server: .literal(s), tool: .any))
            } else {
                var pool = tools
                for _ in 0..<min(pool.count, rng.range(2...4)) {
                    picked.append(Scope(server: .literal(s), tool: .literal(pool.remove(at: rng.int(pool.count)))))
                }
            }
        }
        return ScopeSet(picked)
    }

    func subset(of tools: [(String, String)]) -> ScopeSet {
        var pool = tools
        var picked: [Scope] = []
        for _ in 0..<min(pool.count, rng.range(1...3)) {
            let t = pool.remove(at: rng.int(pool.count))
            picked.append(Scope(server: .literal(t.0), tool: .literal(t.1)))
        }
        return ScopeSet(picked)
    }

    func newInstance(agentIndex k: Int, now: Timestamp) -> Instance {
        instanceCounter += 1
        let id = "\(agents[k].name)-\(rng.hex(4))-\(instanceCounter)"
        let inst = Instance(id: id, agentID: agents[k].id, host: host ?? rng.pick(Catalog.hosts), pid: Int64(rng.range(1000...65000)),
                            startedAt: now, lastHeartbeat: now)
        agents[k].instances.append(id)
        lastBeat[id] = now
        return inst
    }

    /// Issues a credential to agent `k`; false when the store refuses (the agent is revoked, expired, …).
    func issue(_ k: Int, now: Timestamp, ttlMs: Int64, renewable: Bool = true) throws(StoreError) -> Bool {
        let instance = agents[k].instances.first
        do {
            let issued = try store.issueCredential(agentID: agents[k].id, ttlMs: ttlMs, scopes: nil, instanceID: instance,
                                                   mutation(now, "simulated fleet: short-lived credential"))
            let grace = Int64(rng.range(5...20)) * 1000
            let expiry = issued.credential.expiresAt ?? now + ttlMs
            agents[k].credential = SimCredential(id: issued.credential.id, secret: issued.secret,
                                                 expiresAt: issued.credential.expiresAt, instanceID: instance,
                                                 renewable: renewable && expiry - now >= Self.minRenewableMs,
                                                 renewAt: renewable ? Self.renewPoint(now, expiry) : expiry + grace)
            return true
        } catch .refused(_) {
            if agents[k].blockedAt == nil { agents[k].blockedAt = now }
            return false
        } catch .notFound(_) {
            agents[k].retired = true
            return false
        }
    }

    /// A credential with less life than this is not renewed (near its agent's expiry a renewal
    /// gets ever shorter lifetimes, and renewing them would be a renewal storm).
    static let minRenewableMs: Int64 = 20_000

    /// Four fifths into a lifetime.
    static func renewPoint(_ issued: Timestamp, _ expiry: Timestamp) -> Timestamp { issued + (expiry - issued) * 4 / 5 }

    /// Agent `k` exchanges its own credential through the store, as `warden token renew` does;
    /// false when the store refuses (revoked, expired, a link of the chain gone).
    func renew(_ k: Int, now: Timestamp) throws(StoreError) -> Bool {
        guard let c = agents[k].credential else { return false }
        do {
            let r = try store.renewCredential(secret: c.secret, scopes: nil, ttlMs: nil, policy: .standard, now: now,
                                              reason: "simulated fleet: renewal by the agent")
            let new = r.issued.credential
            let expiry = new.expiresAt ?? now
            agents[k].credential = SimCredential(id: new.id, secret: r.issued.secret, expiresAt: new.expiresAt,
                                                 instanceID: new.instanceID, renewable: expiry - now >= Self.minRenewableMs,
                                                 renewAt: Self.renewPoint(now, expiry))
            return true
        } catch .refused(_) {
            return false
        }
    }

    // MARK: tick

    /// Advances the fleet to `now`: tool calls for the time since the last tick (`rate` per
    /// second), heartbeats every 5 s, and now and then an instance restart, a delegation, a
    /// credential renewal.
    @discardableResult
    public func tick(now: Timestamp) throws(StoreError) -> TickSummary {
        var summary = TickSummary()
        let previous = lastTick ?? now
        let dt = max(0, now - previous)
        lastTick = now
        var events: [InstanceEvent] = []

        // Identities that were cut off stop trying after a while, and their processes exit.
        for k in agents.indices where !agents[k].retired {
            if let b = agents[k].blockedAt, now - b > 20_000 {
                agents[k].retired = true
                for id in agents[k].instances {
                    events.append(.stopped(instanceID: id, at: now))
                    summary.instancesStopped += 1
                    lastBeat[id] = nil
                }
                agents[k].instances = []
            }
        }
        let live = agents.indices.filter { !agents[$0].retired }

        // Heartbeats.
        for k in live {
            for id in agents[k].instances where now - (lastBeat[id] ?? now) >= Self.heartbeatMs {
                lastBeat[id] = now
                events.append(.heartbeat(instanceID: id, at: now))
                summary.heartbeats += 1
            }
        }
        // An instance restarts about every 20 s somewhere in the fleet.
        if !live.isEmpty, rng.chance(Double(dt) / 20_000) {
            let k = rng.pick(live)
            if agents[k].blockedAt == nil, let old = agents[k].instances.first {
                agents[k].instances.removeFirst()
                lastBeat[old] = nil
                events.append(.stopped(instanceID: old, at: now))
                summary.instancesStopped += 1
            }
            if agents[k].blockedAt == nil {
                events.append(.started(newInstance(agentIndex: k, now: now)))
                summary.instancesStarted += 1
            }
        }
        try store.recordInstanceEvents(events)

        // A delegation about every 30 s (a bounded number per run).
        if !live.isEmpty, delegatedCount < 40, rng.chance(Double(dt) / 30_000) {
            try delegate(from: rng.pick(live), now: now, &summary)
        }

        // Renewals: most agents renew their own credential at four fifths of its life; a
        // credential left to expire (or refused renewal) is replaced by an operator's issue a
        // little after it expires.
        for k in agents.indices where !agents[k].retired && agents[k].blockedAt == nil {
            if let c = agents[k].credential, now < c.renewAt { continue }
            if let c = agents[k].credential, c.renewable, now < c.expiresAt ?? .max, try renew(k, now: now) {
                summary.credentialsRenewed += 1
                continue
            }
            let short = rng.int(5) == 0
            if try issue(k, now: now, ttlMs: short ? Int64(rng.range(30...50)) * 1000 : Int64(rng.range(2...15)) * 60_000,
                         renewable: !short) {
                summary.credentialsIssued += 1
            }
        }

        // Tool calls.
        carry += rate * Double(dt) / 1000
        var n = Int(carry)
        carry -= Double(n)
        n = min(n, Int(rate * 5) + 1)  // no burst after a long pause
        let callers = agents.indices.filter { !agents[$0].retired && agents[$0].credential != nil }
        if n > 0 && !callers.isEmpty {
            var calls: [ToolCall] = []
            calls.reserveCapacity(n)
            for i in 0..<n {
                // Calls are spread over the interval since the last tick.
                let at = now - (dt * Int64(n - 1 - i)) / Int64(max(n, 1))
                // Agents cut off call less often than healthy ones.
                var k = rng.pick(callers)
                if agents[k].blockedAt != nil, rng.chance(0.75) { k = rng.pick(callers) }
                calls.append(try call(k, at: at, now: now, &summary))
            }
            try store.recordCalls(calls)
        }
        return summary
    }

    func call(_ k: Int, at: Timestamp, now: Timestamp, _ summary: inout TickSummary) throws(StoreError) -> ToolCall {
        let a = agents[k]
        let cred = a.credential!
        let outOfScope = !a.outOfScope.isEmpty && rng.chance(0.08)
        let (server, tool) = outOfScope ? rng.pick(a.outOfScope) : rng.pick(a.inScope)
        let outcome = try store.authorize(secret: cred.secret, serverTool: "\(server)/\(tool)", now: at)
        let args = Catalog.args(server: server, tool: tool, &rng)
        summary.calls += 1
        let instance = cred.instanceID ?? a.instances.first
        // Each simulated agent decides as an `mcp-proxy` in front of it would: recorded via proxy.
        switch outcome.decision {
        case .allow:
            summary.allowed += 1
            let failed = rng.chance(0.04)
            return ToolCall(at: at, agentID: a.id, instanceID: instance, credentialID: cred.id, server: server, tool: tool,
                            decision: .allow, durationMs: Catalog.duration(server: server, tool: tool, &rng),
                            result: failed ? .error : .ok, args: args, via: .proxy)
        case .deny(let reason):
            summary.denied += 1
            switch reason {
            case .agentRevoked, .ancestorRevoked, .principalDisabled, .agentExpired, .ancestorExpired:
                if agents[k].blockedAt == nil { agents[k].blockedAt = now }
            case .credentialRevoked:
                // Someone revoked just this credential: ask for another soon.
                agents[k].credential?.renewAt = min(cred.renewAt, now + Int64(rng.range(3...10)) * 1000)
            case .outOfScope where !outOfScope:
                // Narrowed by an operator: learn the new scopes (after a few denials).
                if rng.chance(0.3), let fresh = try simAgent(a.id, name: a.name) {
                    agents[k].inScope = fresh.inScope
                    agents[k].outOfScope = fresh.outOfScope
                }
            default: break
            }
            return ToolCall(at: at, agentID: a.id, instanceID: instance, credentialID: cred.id, server: server, tool: tool,
                            decision: .deny, reason: reason.rawValue, durationMs: Int64(rng.int(3)), args: args, via: .proxy)
        }
    }

    func delegate(from k: Int, now: Timestamp, _ summary: inout TickSummary) throws(StoreError) {
        let parent = agents[k]
        guard parent.blockedAt == nil, parent.inScope.count >= 2 else { return }
        let role = rng.pick(["summarizer", "fetcher", "checker", "scribe", "scout", "worker", "reviewer"])
        let name = "\(parent.name.prefix(24))-\(role)-\(rng.hex(3))"
        let scopes = subset(of: parent.inScope)
        let ttl = Int64(rng.range(5...30)) * 60_000
        var agent: Agent?
        for ttlMs in [ttl, nil] as [Int64?] {
            do {
                agent = try store.registerAgent(name: name, delegator: parent.id, scopes: scopes, ttlMs: ttlMs,
                                                mutation(now, "spawned a sub-agent"))
                break
            } catch .refused(_) {
                continue  // e.g. past the parent's expiry: inherit it instead
            } catch .notFound(_) {
                return
            }
        }
        guard let agent, var sim = try simAgent(agent.id, name: name) else { return }
        sim.createdBySimulator = true
        agents.append(sim)
        delegatedCount += 1
        summary.delegations += 1
        let j = agents.count - 1
        let inst = newInstance(agentIndex: j, now: now)
        try store.recordInstanceEvents([.started(inst)])
        summary.instancesStarted += 1
        if try issue(j, now: now, ttlMs: Int64(rng.range(60...300)) * 1000) { summary.credentialsIssued += 1 }
    }

    // MARK: running

    /// Ticks until `deadline` (or `shouldStop`), sleeping `tickMs` between ticks. Time comes
    /// from `clock`; tests pass a fake clock and a sleep that advances it.
    @discardableResult
    public func run(until deadline: Timestamp?, tickMs: Int = 100, clock: () -> Timestamp,
                    sleep: (Int) -> Void, shouldStop: () -> Bool = { false }) throws(StoreError) -> TickSummary {
        var total = TickSummary()
        while !shouldStop() {
            let now = clock()
            if let deadline, now >= deadline { break }
            total += try tick(now: now)
            sleep(tickMs)
        }
        return total
    }
}
