import Foundation
import WardenCore
import WardenSQLite
import WardenStore

/// SplitMix64: small, fast, and the same sequence on every machine for a seed.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<n.
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func chance(_ p: Double) -> Bool { unit() < p }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
}

/// The store sizes measured (BENCHMARKS.md).
enum BenchSize: String, CaseIterable {
    case S, M, L, XL
    var agents: Int { switch self { case .S: 1_000; case .M: 10_000; case .L: 100_000; case .XL: 1_000_000 } }
    var calls: Int { switch self { case .S: 10_000; case .M: 100_000; case .L: 1_000_000; case .XL: 10_000_000 } }
    var ingestEvents: Int { calls }
    var principals: Int { max(5, agents / 1_000) }
    /// Issue 17's XL targets are looser where a million agents are held (first frame, memory).
    var firstFrameTargetMs: Double { self == .XL ? 1_000 : 500 }
    var dashboardRSSTargetMB: Double { self == .XL ? 1_024 : 300 }
    /// Whether the sections that build their own fixed-size stores (revoke, proxy, pins, …) run
    /// by default: at XL they would measure the same as at L, after a store build of many minutes.
    var runsFixedSections: Bool { self != .XL }
}

/// A deterministic synthetic fleet: trees up to 8 deep under a few principals, about 3
/// instances and 2 credentials per agent, and a call history skewed towards busy agents over
/// the last hour. The same seed gives the same IDs, shapes and secrets; times are relative
/// to `now` (the build time) so instances are live and credentials valid when measured.
struct SyntheticFleet {
    static let trustDomain = "bench.example"
    static let maxDepth = 8
    /// Grants by depth, each covered by the one above (attenuation holds everywhere).
    static let families: [[String]] = [
        ["github/*,slack/*,jira/*,k8s/*", "github/*,slack/*,jira/*", "github/*,slack/*", "github/get_*,github/create_issue,slack/post_message",
         "github/get_*,slack/post_message", "github/get_*", "github/get_issue,github/get_repo", "github/get_issue"],
        ["k8s/*,slack/*,postgres/*", "k8s/*,postgres/*", "k8s/get_*,k8s/apply,postgres/query", "k8s/get_*,postgres/query",
         "k8s/get_*", "k8s/get_pods,k8s/get_logs", "k8s/get_pods", "k8s/get_pods"],
        ["*", "filesystem/*,browser/*,github/*", "filesystem/*,browser/*", "filesystem/read_*,browser/*", "filesystem/read_*,browser/navigate",
         "filesystem/read_*", "filesystem/read_file", "filesystem/read_file"],
    ]
    static let tools: [(String, String)] = [
        ("github", "get_issue"), ("github", "get_repo"), ("github", "create_issue"), ("slack", "post_message"),
        ("k8s", "get_pods"), ("k8s", "apply"), ("postgres", "query"), ("filesystem", "read_file"),
        ("browser", "navigate"), ("jira", "get_issue"), ("github", "delete_repo"), ("k8s", "delete_namespace"),
    ]
    static let roles = ["triage", "review", "deploy", "research", "support", "labeler", "planner", "coder", "tester", "scraper", "summarizer", "oncall"]

    let seed: UInt64
    let now: Timestamp
    var principals: [Principal] = []
    var agents: [Agent] = []
    var family: [Int] = []
    var credentials: [SQLiteStore.BulkCredential] = []
    var instances: [Instance] = []
    /// Each agent's instances and credentials are contiguous (generated agent by agent): agent
    /// `i`'s are `instanceStart[i]..<instanceStart[i + 1]`. Flat offsets rather than one small
    /// array per agent, which at XL would be a million allocations of each.
    var instanceStart: [Int32] = [0]
    var credentialStart: [Int32] = [0]
    func instancesOf(_ i: Int) -> Range<Int> { Int(instanceStart[i])..<Int(instanceStart[i + 1]) }
    func credentialsOf(_ i: Int) -> Range<Int> { Int(credentialStart[i])..<Int(credentialStart[i + 1]) }
    let callCount: Int

    init(agents agentCount: Int, calls: Int, principals principalCount: Int, seed: UInt64, now: Timestamp) {
        self.seed = seed
        self.now = now
        self.callCount = calls
        var rng = SeededRandom(seed: seed)
        let created = now - 7 * 86_400_000
        for p in 0..<principalCount {
            let human = p % 3 != 2
            principals.append(Principal(id: human ? "user:owner\(p)@bench.example" : "workload:ci/pipeline-\(p)",
                                        kind: human ? .human : .workload, name: human ? "Owner \(p)" : "Pipeline \(p)",
                                        scopes: .everything, createdAt: created))
        }
        var grantCache: [String: ScopeSet] = [:]
        func grant(_ f: Int, _ depth: Int) -> ScopeSet {
            let text = SyntheticFleet.families[f][min(depth, 8) - 1]
            if let g = grantCache[text] { return g }
            let g = try! ScopeSet(parsing: text)
            grantCache[text] = g
            return g
        }
        agents.reserveCapacity(agentCount)
        var depths: [Int] = []
        depths.reserveCapacity(agentCount)
        for i in 0..<agentCount {
            // A root about every tenth agent; otherwise a child of a random earlier agent, biased
            // towards recent ones so trees grow deep (capped at 8).
            var parent: Int? = nil
            if i > 0 && !rng.chance(0.1) {
                let back = Int(Double(min(i, 2_000)) * rng.unit() * rng.unit())
                let cand = i - 1 - back
                if depths[cand] < SyntheticFleet.maxDepth { parent = cand }
            }
            let depth = parent.map { depths[$0] + 1 } ?? 1
            let f = parent.map { family[$0] } ?? rng.int(SyntheticFleet.families.count)
            let name = "\(SyntheticFleet.roles[rng.int(SyntheticFleet.roles.count)])-\(i)"
            let suffix = String(format: "%08x", UInt32(truncatingIfNeeded: rng.next()))
            let principalID = parent.map { agents[$0].principalID } ?? principals[rng.int(principalCount)].id
            let revoked = rng.chance(0.01)
            let registered = !rng.chance(0.02)
            agents.append(Agent(id: Identity.agentID(trustDomain: SyntheticFleet.trustDomain, name: name, suffix: suffix),
                                name: name, principalID: principalID, parentID: parent.map { agents[$0].id }, depth: depth,
                                grant: grant(f, depth), createdAt: created + Int64(i),
                                expiresAt: now + 30 * 86_400_000 - Int64(depth) * 60_000,
                                revokedAt: revoked ? now - 3_600_000 : nil, revokeReason: revoked ? "bench" : nil,
                                registered: registered))
            depths.append(depth)
            family.append(f)
        }
        instanceStart.reserveCapacity(agentCount + 1)
        credentialStart.reserveCapacity(agentCount + 1)
        instances.reserveCapacity(agentCount * 3)
        credentials.reserveCapacity(agentCount * 2)
        for (i, a) in agents.enumerated() {
            let firstInstance = instances.count
            for k in 0..<rng.int(7) {  // 0…6: about 3 per agent
                let beat: Timestamp
                var stopped: Timestamp? = nil
                switch rng.int(10) {
                case 0..<6: beat = now - Int64(rng.int(20_000))  // live
                case 6..<8: beat = now - 600_000 - Int64(rng.int(3_600_000))  // stale
                default: beat = now - 1_800_000; stopped = beat
                }
                instances.append(Instance(id: "i-\(i)-\(k)", agentID: a.id, host: "host-\(i % 97)", pid: Int64(1000 + rng.int(60_000)),
                                          startedAt: now - 3 * 3_600_000, lastHeartbeat: beat, stoppedAt: stopped))
            }
            for _ in 0..<rng.int(5) {  // 0…4: about 2 per agent
                let secret = SQLiteStore.credentialSecret(from: rng.bytes(32))
                let id = "tok_" + String(format: "%016llx", rng.next())
                let issued = now - Int64(rng.int(1_800_000))
                let roll = rng.int(100)
                // Short-lived as intended (1 h from issue, so 30–60 min left); 5 % static keys with no
                // expiry, 3 % already expired.
                let expires: Timestamp? = roll < 5 ? nil : (roll < 8 ? now - 60_000 : issued + 3_600_000)
                let own = firstInstance..<instances.count
                let inst = own.isEmpty || rng.chance(0.5) ? nil : instances[own.lowerBound + rng.int(own.count)].id
                credentials.append(.init(credential: Credential(id: id, agentID: a.id, instanceID: inst, scopes: a.grant, issuedAt: issued,
                                                                expiresAt: expires, revokedAt: rng.chance(0.02) ? now - 600_000 : nil),
                                         secret: secret))
            }
            instanceStart.append(Int32(instances.count))
            credentialStart.append(Int32(credentials.count))
        }
    }

    /// The `n`th call (deterministic in `n`): over the hour before `now`, oldest first, busy
    /// agents (a power law) making most of them.
    func call(_ n: Int) -> ToolCall {
        var rng = SeededRandom(seed: seed ^ (UInt64(n) &* 0x9E37_79B9_7F4A_7C15))
        let u = rng.unit()
        let a = min(agents.count - 1, Int(u * u * u * Double(agents.count)))
        let agent = agents[a]
        let (server, tool) = SyntheticFleet.tools[rng.int(SyntheticFleet.tools.count)]
        let allowed = agent.revokedAt == nil && agent.grant.allows(server: Substring(server), tool: Substring(tool))
        let at = now - 3_600_000 + Int64(Double(n) / Double(max(callCount, 1)) * 3_590_000)
        let own = instancesOf(a), held = credentialsOf(a)
        let inst = own.isEmpty ? nil : instances[own.lowerBound + rng.int(own.count)].id
        let cred = held.isEmpty ? nil : credentials[held.lowerBound + rng.int(held.count)].credential.id
        return ToolCall(at: at, agentID: agent.id, instanceID: inst, credentialID: cred, server: server, tool: tool,
                        decision: allowed ? .allow : .deny, reason: allowed ? nil : (agent.revokedAt == nil ? "out_of_scope" : "agent_revoked"),
                        durationMs: Int64(5 + rng.int(900)), result: allowed ? (rng.chance(0.03) ? .error : .ok) : nil,
                        args: "repo=acme/api issue=#\(1000 + n % 9000)")
    }

    /// Creates the store at `path` in one transaction.
    func build(at path: String) throws {
        let store = try SQLiteStore.create(path: path, trustDomain: SyntheticFleet.trustDomain)
        try store.bulkLoad(principals: principals, agents: agents, credentials: credentials, instances: instances,
                           callCount: callCount, call: { self.call($0) }, operatorName: "warden-bench", now: now)
        try store.checkpoint()
    }

    var maxDepthSeen: Int { agents.map(\.depth).max() ?? 0 }

    // MARK: Revocation shapes

    /// One principal and a 10,000-agent subtree: a root, 99 children, 100 grandchildren each
    /// (2 credentials and 1 instance per agent). Returns the root's ID.
    static func buildSubtree(at path: String, agents count: Int, now: Timestamp) throws -> String {
        let shape = subtreeShape(agents: count, now: now)
        try shape.write(at: path)
        return shape.agents[0].id
    }

    /// The subtree `buildSubtree` writes, as rows (PostgreSQL loads the same).
    static func subtreeShape(agents count: Int, now: Timestamp, credentialsPerAgent: Int = 2) -> Shape {
        let p = Principal(id: "user:root@bench.example", kind: .human, name: "Root", createdAt: now - 86_400_000)
        var agents: [Agent] = []
        let g = try! ScopeSet(parsing: "github/*")
        func add(_ parent: Int?) {
            let i = agents.count
            agents.append(Agent(id: Identity.agentID(trustDomain: trustDomain, name: "sub-\(i)", suffix: String(format: "%06x", i)),
                                name: "sub-\(i)", principalID: p.id, parentID: parent.map { agents[$0].id },
                                depth: parent.map { agents[$0].depth + 1 } ?? 1, grant: g, createdAt: now - 3_600_000,
                                expiresAt: now + 86_400_000))
        }
        add(nil)
        let mids = Int(Double(count).squareRoot()) - 1
        for _ in 0..<mids { add(0) }
        var m = 1
        while agents.count < count { add(m); m = m % mids + 1 }
        return Shape(principal: p, agents: agents, now: now, credentialsPerAgent: credentialsPerAgent)
    }

    /// A chain `count` deep under one principal. Returns (top ID, secret of the bottom agent's credential).
    static func buildChain(at path: String, depth count: Int, now: Timestamp) throws -> (top: String, bottomSecret: String) {
        let p = Principal(id: "user:chain@bench.example", kind: .human, name: "Chain", createdAt: now - 86_400_000)
        var agents: [Agent] = []
        agents.reserveCapacity(count)
        let g = try! ScopeSet(parsing: "github/*")
        for i in 0..<count {
            agents.append(Agent(id: Identity.agentID(trustDomain: trustDomain, name: "link-\(i)", suffix: String(format: "%06x", i)),
                                name: "link-\(i)", principalID: p.id, parentID: i == 0 ? nil : agents[i - 1].id, depth: i + 1,
                                grant: g, createdAt: now - 3_600_000, expiresAt: now + 86_400_000))
        }
        let secrets = try buildShape(at: path, principal: p, agents: agents, now: now)
        return (agents[0].id, secrets.last!)
    }

    /// Writes a shape with 2 credentials and 1 live instance per agent; returns one secret per agent.
    @discardableResult
    static func buildShape(at path: String, principal p: Principal, agents: [Agent], now: Timestamp) throws -> [String] {
        let shape = Shape(principal: p, agents: agents, now: now)
        try shape.write(at: path)
        return shape.secrets
    }

    /// A revocation shape's rows: 2 credentials (or as many as asked) and 1 live instance per
    /// agent, one secret per agent kept.
    struct Shape {
        let principal: Principal
        let agents: [Agent]
        let now: Timestamp
        var credentials: [SQLiteStore.BulkCredential] = []
        var instances: [Instance] = []
        var secrets: [String] = []

        init(principal: Principal, agents: [Agent], now: Timestamp, credentialsPerAgent: Int = 2) {
            self.principal = principal
            self.agents = agents
            self.now = now
            var rng = SeededRandom(seed: 7)
            for (i, a) in agents.enumerated() {
                instances.append(Instance(id: "x-\(i)", agentID: a.id, host: "h", pid: 1, startedAt: now - 60_000, lastHeartbeat: now))
                for k in 0..<credentialsPerAgent {
                    let s = SQLiteStore.credentialSecret(from: rng.bytes(32))
                    if k == 0 { secrets.append(s) }
                    credentials.append(.init(credential: Credential(id: "tok_\(i)_\(k)", agentID: a.id, scopes: a.grant,
                                                                    issuedAt: now - 60_000, expiresAt: now + 3_600_000), secret: s))
                }
            }
        }

        func write(at path: String) throws {
            let store = try SQLiteStore.create(path: path, trustDomain: trustDomain)
            try store.bulkLoad(principals: [principal], agents: agents, credentials: credentials, instances: instances, callCount: 0,
                               call: { _ in fatalError() }, operatorName: "warden-bench", now: now)
            try store.checkpoint()
        }
    }

    /// One principal, agent and credential; `rows` calls spread over 31–90 days ago and a tenth
    /// as many in the last 30 days, in one bulk transaction.
    static func buildPruneStore(path: String, rows: Int, now: Timestamp) throws -> (secret: String, agent: String, ms: Double) {
        let day = PruneBench.day
        let store = try SQLiteStore.create(path: path, trustDomain: "bench.local")
        let principal = Principal(id: "user:bench@bench.local", kind: .human, name: "bench", scopes: .everything, createdAt: now - 91 * day)
        let agent = Agent(id: "spiffe://bench.local/agent/pruned/0001", name: "pruned", principalID: principal.id, parentID: nil,
                          depth: 1, grant: try ScopeSet(parsing: "github/*"), createdAt: now - 91 * day, expiresAt: nil)
        let secret = SQLiteStore.credentialSecret(from: (0..<32).map { UInt8($0) })
        let credential = Credential(id: "tok_prunebench01", agentID: agent.id, scopes: agent.grant, issuedAt: now,
                                    expiresAt: now + 3_600_000)
        let recent = rows / 10
        let (_, ms) = try timed {
            try store.bulkLoad(principals: [principal], agents: [agent],
                               credentials: [SQLiteStore.BulkCredential(credential: credential, secret: secret)],
                               instances: [], callCount: rows + recent, call: { i in
                                   let at = i < rows ? now - 90 * day + Int64(i) * (59 * day / Int64(rows))
                                                     : now - 29 * day + Int64(i - rows) * (29 * day / Int64(max(recent, 1)))
                                   return ToolCall(at: at, agentID: agent.id, credentialID: credential.id, server: "github",
                                                   tool: i % 3 == 0 ? "get_repo" : "get_issue", decision: i % 10 == 0 ? .deny : .allow,
                                                   reason: i % 10 == 0 ? "out_of_scope" : nil, durationMs: 3, result: .ok,
                                                   args: "{\"repo\":\"acme/widgets\",\"issue\":\(i % 5000)}")
                               }, now: now)
        }
        return (secret, agent.id, ms)
    }
}

/// The benchmark's one mapping to a store backend: its synthetic stores are SQLite files written
/// by SQLite's bulk loader (which skips the per-item rule checks); the measurements open them
/// through the backend, as the product does.
enum BenchStore {
    static func backend(_ path: String) -> any StoreBackend { SQLiteBackend(path: path) }
    /// `prune`'s batch size on this backend.
    static let pruneBatch = SQLiteStore.pruneBatch
}
