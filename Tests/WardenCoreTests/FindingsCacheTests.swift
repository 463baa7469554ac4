import Testing
@testable import WardenCore

/// Findings recomputed for what changed must be exactly the findings computed from scratch:
/// random fleets, random changes (revocations, narrowing, new agents and credentials,
/// heartbeats, stops, usage) and a clock that moves past expiries and staleness.
@Suite("Findings cache")
struct FindingsCacheTests {
    static let t0: Timestamp = 1_800_000_000_000
    static let minute: Int64 = 60_000
    static let grants = ["github/*", "github/*,slack/*", "slack/post_message", "github/get_issue,github/get_repo", "k8s/*"]
        .map { try! ScopeSet(parsing: $0) }

    struct Fleet {
        var principals: [Principal]
        var agents: [Agent] = []
        var credentials: [Credential] = []
        var instances: [Instance] = []
        var calls: [ToolCall] = []
        var usage: [String: Set<String>] = [:]
        var rng: SplitMix64
        var now = FindingsCacheTests.t0

        init(seed: UInt64) {
            rng = SplitMix64(seed: seed)
            principals = [Principal(id: "user:a@acme.example", kind: .human, name: "A", scopes: try! ScopeSet(parsing: "github/*,slack/*"), createdAt: t0 - 90 * 86_400_000),
                          Principal(id: "user:b@acme.example", kind: .human, name: "B", createdAt: t0 - 90 * 86_400_000)]
        }

        mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        mutating func chance(_ n: Int) -> Bool { int(n) == 0 }

        /// A new agent under a random principal or agent, some old enough for unused scopes,
        /// some expiring soon, some unregistered.
        mutating func addAgent() {
            let i = agents.count
            let parent = agents.isEmpty || chance(3) ? nil : agents[int(agents.count)]
            let age = chance(2) ? 40 * 86_400_000 : Int64(int(3_600_000))
            agents.append(Agent(id: "spiffe://acme.example/agent/a\(i)/\(i)", name: "a\(i)",
                                principalID: parent?.principalID ?? principals[int(principals.count)].id,
                                parentID: parent?.id, depth: (parent?.depth ?? 0) + 1, grant: FindingsCacheTests.grants[int(FindingsCacheTests.grants.count)],
                                createdAt: now - age, expiresAt: chance(3) ? now + Int64(int(20)) * FindingsCacheTests.minute : (chance(4) ? nil : now + 86_400_000),
                                registered: !chance(8)))
        }

        mutating func addCredential() {
            guard !agents.isEmpty else { return }
            let a = agents[int(agents.count)]
            let instance = instances.filter { $0.agentID == a.id }.first?.id
            let ttl: Int64? = chance(5) ? nil : Int64(int(40) + 1) * FindingsCacheTests.minute * (chance(4) ? 100 : 1)
            let issued = chance(10) ? now + 30_000 : now - Int64(int(600_000))
            credentials.append(Credential(id: "tok_\(credentials.count)", agentID: chance(12) ? "spiffe://acme.example/agent/ghost/1" : a.id,
                                          instanceID: chance(2) ? instance : nil, scopes: a.grant, issuedAt: issued,
                                          expiresAt: ttl.map { issued + $0 }, renewedFrom: chance(3) ? "tok_0" : nil))
        }

        mutating func addInstance() {
            guard !agents.isEmpty else { return }
            let a = agents[int(agents.count)]
            instances.append(Instance(id: "i\(instances.count)", agentID: a.id, host: "h\(int(3))", pid: 1,
                                      startedAt: now - 60_000, lastHeartbeat: now - Int64(int(900_000))))
        }

        var input: FindingsEngine.Input {
            FindingsEngine.Input(principals: principals, agents: agents, credentials: credentials, instances: instances,
                                 calls: calls, usage: usage, now: now, policy: .standard)
        }
    }

    /// The cache's answer beside a full evaluation of the same input.
    static func check(_ cache: inout FindingsCache, _ f: Fleet, _ changes: FindingsCache.Changes, _ context: String) -> Bool {
        let forest = DelegationForest(principals: f.principals, agents: f.agents)
        let credentials = f.credentials, instances = f.instances
        let owners = FindingsCache.Owners(
            credentials: { i in credentials.indices.filter { credentials[$0].agentID == forest.agents[i].id } },
            instances: { i in instances.indices.filter { instances[$0].agentID == forest.agents[i].id } })
        let got = cache.evaluate(f.input, forest: forest, effective: forest.effectiveScopes(), changes: changes, owners: owners)
        let want = FindingsEngine.evaluate(f.input, forest: forest)
        #expect(got == want, "\(context): \(got.count) findings against \(want.count)")
        return got == want
    }

    @Test func incrementalFindingsEqualAFullRecompute() {
        for seed in UInt64(1)...6 {
            var f = Fleet(seed: seed)
            for _ in 0..<40 { f.addAgent() }
            for _ in 0..<30 { f.addInstance() }
            for _ in 0..<60 { f.addCredential() }
            var cache = FindingsCache()
            guard Self.check(&cache, f, .init(), "seed \(seed) first") else { return }
            var kinds: [Int: Int] = [:]
            for step in 0..<120 {
                var changes = FindingsCache.Changes()
                for _ in 0...f.int(3) {
                    let kind = f.int(11)
                    kinds[kind, default: 0] += 1
                    switch kind {
                    case 0:
                        f.addAgent()
                    case 1:
                        // A revocation cascades over the subtree, as the store does it.
                        let root = f.int(f.agents.count)
                        var ids: Set<String> = [f.agents[root].id]
                        for i in f.agents.indices where f.agents[i].parentID.map(ids.contains) ?? false || i == root {
                            ids.insert(f.agents[i].id)
                            f.agents[i].revokedAt = f.now
                            changes.agents.append(i)
                        }
                        for j in f.credentials.indices where ids.contains(f.credentials[j].agentID) && f.credentials[j].revokedAt == nil {
                            f.credentials[j].revokedAt = f.now
                            changes.credentials.append(j)
                        }
                    case 2:
                        let i = f.int(f.agents.count)
                        f.agents[i].grant = f.agents[i].grant.intersection(FindingsCacheTests.grants[f.int(FindingsCacheTests.grants.count)])
                        changes.agents.append(i)
                    case 3: f.addCredential()
                    case 4:
                        if !f.credentials.isEmpty {
                            let j = f.int(f.credentials.count)
                            f.credentials[j].revokedAt = f.now
                            changes.credentials.append(j)
                        }
                    case 5: f.addInstance()
                    case 6:
                        if !f.instances.isEmpty {
                            let k = f.int(f.instances.count)
                            if f.chance(4) { f.instances[k].stoppedAt = f.now } else { f.instances[k].lastHeartbeat = f.now }
                            changes.instances.append(k)
                        }
                    case 7:
                        let a = f.agents[f.int(f.agents.count)]
                        f.usage[a.id, default: []].insert(f.chance(2) ? "github/get_issue" : "slack/post_message")
                        changes.usage = true
                    case 8:
                        // A principal narrowed: its whole tree's effective scopes change.
                        let p = f.int(f.principals.count)
                        f.principals[p].scopes = FindingsCacheTests.grants[f.int(FindingsCacheTests.grants.count)]
                        changes.principals.append(f.principals[p].id)
                    case 9:
                        f.calls.append(ToolCall(at: f.now, agentID: f.chance(3) ? "spiffe://x/agent/stranger/9" : f.agents[f.int(f.agents.count)].id,
                                                instanceID: "i\(f.int(4))", credentialID: f.credentials.isEmpty ? nil : f.credentials[f.int(f.credentials.count)].id,
                                                server: "github", tool: "get_issue", decision: f.chance(2) ? .deny : .allow,
                                                reason: f.chance(2) ? "credential_revoked" : nil))
                    default:
                        // Only the clock: seconds, or minutes past expiries and staleness.
                        break
                    }
                }
                f.now += f.chance(3) ? Int64(f.int(10) + 1) * FindingsCacheTests.minute : Int64(f.int(5_000))
                guard Self.check(&cache, f, changes, "seed \(seed) step \(step)") else { return }
            }
            #expect(kinds.count == 11, "every kind of change was tried")
        }
    }

    @Test func onlyWhatChangedIsEvaluatedAgain() {
        // A fleet whose findings do not move with the clock: unused scopes on every old agent.
        var f = Fleet(seed: 99)
        for _ in 0..<200 { f.addAgent() }
        for i in f.agents.indices { f.agents[i].expiresAt = nil; f.agents[i].registered = true; f.agents[i].createdAt = f.now - 40 * 86_400_000 }
        var cache = FindingsCache()
        #expect(Self.check(&cache, f, .init(), "first"))
        let leaf = f.agents.indices.first { i in !f.agents.contains { $0.parentID == f.agents[i].id } }!
        f.agents[leaf].revokedAt = f.now
        f.now += 1_000
        #expect(Self.check(&cache, f, .init(agents: [leaf]), "after one revoke"))
        let n = cache.lastEvaluated
        #expect(n.agents == 1 && n.credentials == 0 && n.instances == 0, "one agent evaluated, not 200")
    }
}
