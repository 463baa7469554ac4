import Testing
@testable import WardenCore

/// Random delegation forests (seeded) and the rules over them.
@Suite("Delegation rules")
struct DelegationTests {
    static let now: Timestamp = 1_800_000_000_000
    static let toolUniverse = ["github/get_repo", "github/create_issue", "github/get_issue", "slack/post_message",
                               "slack/read_channel", "postgres/query", "fs/read_file", "fs/write_file"]

    struct Fleet {
        var forest: DelegationForest
        var credentials: [Credential]
    }

    static func randomFleet(seed: UInt64, agents count: Int) -> Fleet {
        var rng = SeededRandom(seed: seed)
        let principals = (0..<3).map { i in
            Principal(id: "user:p\(i)@x", kind: .human, name: "p\(i)",
                      scopes: i == 0 ? .everything : ScopeLawTests.randomSet(&rng), createdAt: 0)
        }
        var agents: [Agent] = []
        for i in 0..<count {
            let parent = agents.isEmpty || Int.random(in: 0..<4, using: &rng) == 0 ? nil : agents.randomElement(using: &rng)
            let grant = Int.random(in: 0..<5, using: &rng) == 0 ? ScopeSet.everything : ScopeLawTests.randomSet(&rng)
            agents.append(Agent(id: "spiffe://t/agent/a\(i)/0000", name: "a\(i)",
                                principalID: parent?.principalID ?? principals.randomElement(using: &rng)!.id,
                                parentID: parent?.id, depth: (parent?.depth ?? 0) + 1, grant: grant,
                                createdAt: 0, expiresAt: nil))
        }
        let creds = agents.enumerated().map { i, a in
            Credential(id: "tok_\(i)", agentID: a.id, scopes: .everything, issuedAt: 0, expiresAt: now + 60_000)
        }
        return Fleet(forest: DelegationForest(principals: principals, agents: agents), credentials: creds)
    }

    func decide(_ f: Fleet, _ c: Credential, _ tool: String) -> Authorization.Decision {
        let chain = f.forest.chain(of: c.agentID)
        let (s, t) = Authorization.splitTool(tool)!
        return Authorization.decide(credential: c, chain: chain, principal: f.forest.principal(chain.last!.principalID),
                                    server: s, tool: t, now: Self.now)
    }

    @Test(arguments: [UInt64(11), 12, 13, 14, 15])
    func effectiveScopesAreCoveredByTheDelegators(seed: UInt64) {
        let f = Self.randomFleet(seed: seed, agents: 300)
        let eff = f.forest.effectiveScopes()
        for (i, a) in f.forest.agents.enumerated() {
            let above = a.parentID.map { eff[f.forest.index[$0]!] } ?? f.forest.principal(a.principalID)!.scopes
            #expect(eff[i].isCovered(by: above))
            #expect(eff[i].isCovered(by: a.grant))
            #expect(eff[i] == f.forest.effectiveScopes(of: a.id))
        }
    }

    @Test(arguments: [UInt64(21), 22, 23])
    func narrowingNeverWidensAnyDescendant(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let f = Self.randomFleet(seed: seed, agents: 200)
        let before = f.forest.effectiveScopes()
        for _ in 0..<30 {
            let target = f.forest.agents.randomElement(using: &rng)!
            guard let victim = target.grant.members.randomElement(using: &rng) else { continue }
            let narrowed: ScopeSet
            do { narrowed = try Attenuation.drop(ScopeSet([victim]), from: target.grant) } catch { continue }
            var agents = f.forest.agents
            agents[f.forest.index[target.id]!].grant = narrowed
            let after = DelegationForest(principals: f.forest.principals, agents: agents).effectiveScopes()
            for i in f.forest.subtree(of: target.id) {
                #expect(after[i].isCovered(by: before[i]), "descendant \(agents[i].name) widened")
                for tool in Self.toolUniverse where !before[i].allows(tool) { #expect(!after[i].allows(tool)) }
            }
        }
    }

    @Test(arguments: [UInt64(31), 32, 33, 34])
    func revokingCutsTheSubtreeAndNothingElse(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        let f = Self.randomFleet(seed: seed, agents: 250)
        let target = f.forest.agents.randomElement(using: &rng)!
        let plan = RevocationPlan.plan(.agent(target.id), forest: f.forest, credentials: f.credentials, instances: [], now: Self.now)
        let revoked = Set(plan.agents)
        #expect(revoked == Set(f.forest.subtree(of: target.id).map { f.forest.agents[$0].id }))
        var agents = f.forest.agents
        for i in agents.indices where revoked.contains(agents[i].id) { agents[i].revokedAt = Self.now }
        var creds = f.credentials
        for i in creds.indices where plan.credentials.contains(creds[i].id) { creds[i].revokedAt = Self.now }
        let after = Fleet(forest: DelegationForest(principals: f.forest.principals, agents: agents), credentials: creds)
        for (old, new) in zip(f.credentials, creds) {
            for tool in Self.toolUniverse {
                let d = decide(after, new, tool)
                if revoked.contains(new.agentID) {
                    #expect(!d.isAllowed, "\(new.id) still authorizes \(tool)")
                } else {
                    #expect(d == decide(f, old, tool), "an unrelated credential changed")
                }
            }
        }
    }

    /// Rule 6 on random forests: after a narrow every descendant's grant is covered by its
    /// delegator's new effective scopes, no grant widens, and what a grant keeps is exactly its
    /// old effective scopes within the new ones.
    @Test(arguments: [UInt64(61), 62, 63])
    func narrowingPlanLeavesNoGrantNamingWhatItsDelegatorLost(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let f = Self.randomFleet(seed: seed, agents: 300)
        for i in f.forest.agents.indices where !f.forest.children[i].isEmpty {
            let a = f.forest.agents[i]
            let newGrant = a.grant.intersection(ScopeLawTests.randomSet(&rng))
            let plan = try #require(NarrowingPlan.plan(agentID: a.id, newGrant: newGrant, forest: f.forest))
            var agents = f.forest.agents
            let changed = Dictionary(uniqueKeysWithValues: plan.changes.map { ($0.agentID, $0.after) })
            for k in agents.indices { if let g = changed[agents[k].id] { agents[k].grant = g } }
            let after = DelegationForest(principals: f.forest.principals, agents: agents)
            let eff = after.effectiveScopes()
            for k in f.forest.subtree(of: a.id).dropFirst() {
                let parent = after.parent[k]
                #expect(after.agents[k].grant.isCovered(by: eff[parent]), "\(after.agents[k].id) under \(a.id)")
                #expect(after.agents[k].grant.isCovered(by: f.forest.agents[k].grant))
                // Nothing the new effective scopes allow was taken away beyond the cut.
                for tool in Self.toolUniverse where f.forest.effectiveScopes(of: f.forest.agents[k].id).allows(tool) && eff[parent].allows(tool) {
                    #expect(eff[k].allows(tool), "\(tool) of \(after.agents[k].id)")
                }
            }
        }
    }

    /// Where the bytes of `s` live (nil for a small string held inline).
    static func storage(_ s: String) -> UInt? {
        s.utf8.withContiguousStorageIfAvailable { UInt(bitPattern: $0.baseAddress) } ?? nil
    }

    @Test(arguments: [UInt64(71), 72, 73])
    func sharingDelegatorIDsBuildsTheSameForestWithOneStringPerID(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        var agents = Self.randomFleet(seed: seed, agents: 300).forest.agents
        // As read from a store: every parent ID its own copy; some delegates before their
        // delegators, and some naming a delegator not held.
        agents.shuffle(using: &rng)
        for i in agents.indices {
            if Int.random(in: 0..<10, using: &rng) == 0 { agents[i].parentID = "spiffe://t/agent/gone/\(i)" }
            agents[i].parentID = agents[i].parentID.map { String(decoding: Array($0.utf8), as: UTF8.self) }
        }
        let principals = Self.randomFleet(seed: seed, agents: 0).forest.principals
        let plain = DelegationForest(principals: principals, agents: agents)
        var shared = agents
        let forest = DelegationForest(principals: principals, sharingDelegatorIDsOf: &shared)
        #expect(shared == agents && forest.agents == agents)
        #expect(forest.parent == plain.parent && forest.children == plain.children && forest.roots == plain.roots)
        #expect(forest.effectiveScopes() == plain.effectiveScopes())
        var sharedCount = 0
        for i in shared.indices {
            let p = forest.parent[i]
            if p >= 0 {
                #expect(Self.storage(shared[i].parentID!) == Self.storage(shared[p].id), "agent \(i) holds its parent's ID string")
                #expect(Self.storage(agents[i].parentID!) != Self.storage(agents[p].id))
                sharedCount += 1
            } else if let id = shared[i].parentID {
                #expect(id.hasPrefix("spiffe://t/agent/gone/"))
            }
        }
        #expect(sharedCount > 100)
    }

    @Test func mapsByAgentShareTheAgentsIDStrings() {
        let forest = Self.randomFleet(seed: 74, agents: 50).forest
        // As read from a store: every key its own copy; one names no held agent.
        var usage: [String: Set<String>] = ["spiffe://t/agent/gone/0000": ["a/b"]]
        for a in forest.agents.prefix(30) { usage[String(decoding: Array(a.id.utf8), as: UTF8.self)] = [a.name + "/tool"] }
        let shared = forest.sharingAgentIDs(usage)
        #expect(shared == usage)
        for key in shared.keys {
            guard let i = forest.index[key] else { continue }
            #expect(Self.storage(key) == Self.storage(forest.agents[i].id), "\(key)")
        }
        #expect(shared.keys.filter { forest.index[$0] != nil }.count == 30)
    }

    @Test func deepChainAndWideFanOutPlanWithoutRecursion() {
        let p = Principal(id: "user:a@x", kind: .human, name: "a", createdAt: 0)
        var chain: [Agent] = []
        for i in 0..<10_000 {
            chain.append(Agent(id: "c\(i)", name: "c\(i)", principalID: p.id, parentID: i == 0 ? nil : "c\(i - 1)",
                               depth: i + 1, grant: .everything, createdAt: 0, expiresAt: nil))
        }
        let deep = DelegationForest(principals: [p], agents: chain)
        #expect(RevocationPlan.plan(.agent("c0"), forest: deep, credentials: [], instances: [], now: 0).agents.count == 10_000)
        #expect(deep.chain(of: "c9999").count == 10_000)
        #expect(deep.effectiveScopes().last == .everything)

        var fan = [Agent(id: "root", name: "root", principalID: p.id, parentID: nil, depth: 1, grant: .everything, createdAt: 0, expiresAt: nil)]
        for i in 0..<10_000 {
            fan.append(Agent(id: "k\(i)", name: "k\(i)", principalID: p.id, parentID: "root", depth: 2, grant: .everything, createdAt: 0, expiresAt: nil))
        }
        let wide = DelegationForest(principals: [p], agents: fan)
        #expect(RevocationPlan.plan(.principal(p.id), forest: wide, credentials: [], instances: [], now: 0).agents.count == 10_001)
    }
}

@Suite("Attenuation and authorization")
struct RuleTests {
    let now: Timestamp = 1_000_000
    let p = Principal(id: "user:a@x", kind: .human, name: "a", createdAt: 0)

    /// `revokedBy`: the root of the revocation (the agent itself unless given).
    func agent(_ id: String, parent: String?, grant: String = "*", expires: Timestamp? = nil, revoked: Bool = false,
               revokedBy: String? = nil) -> Agent {
        Agent(id: id, name: id, principalID: "user:a@x", parentID: parent, depth: 1, grant: try! ScopeSet(parsing: grant),
              createdAt: 0, expiresAt: expires, revokedAt: revoked ? 1 : nil, revokedBy: revoked ? (revokedBy ?? id) : nil)
    }

    @Test func delegationRefusesWideningAndNamesTheScope() throws {
        let parent = try ScopeSet(parsing: "github/get_*,slack/post_message")
        #expect(throws: Attenuation.Refusal.scopeNotCovered(scope: "github/create_issue", delegator: "bot")) {
            try Attenuation.delegate(requested: ScopeSet(parsing: "github/get_repo,github/create_issue"), requestedExpiry: nil,
                                     delegator: "bot", delegatorEffective: parent, delegatorExpiry: nil)
        }
        #expect(try Attenuation.delegate(requested: ScopeSet(parsing: "github/get_repo"), requestedExpiry: nil,
                                         delegator: "bot", delegatorEffective: parent, delegatorExpiry: 500) == 500)
        #expect(throws: Attenuation.Refusal.self) {
            try Attenuation.delegate(requested: ScopeSet(parsing: "github/get_repo"), requestedExpiry: 600,
                                     delegator: "bot", delegatorEffective: parent, delegatorExpiry: 500)
        }
    }

    @Test func narrowOnlyRemoves() throws {
        let grant = try ScopeSet(parsing: "github/*,slack/*")
        #expect(try Attenuation.drop(ScopeSet(parsing: "slack/*"), from: grant).strings == ["github/*"])
        #expect(try Attenuation.keep(ScopeSet(parsing: "github/get_*"), of: grant, agent: "x").strings == ["github/get_*"])
        #expect(throws: Attenuation.Refusal.scopeNotCovered(scope: "jira/*", delegator: "x")) {
            try Attenuation.keep(ScopeSet(parsing: "jira/*"), of: grant, agent: "x")
        }
        #expect(throws: Attenuation.Refusal.nothingToDrop(scope: "jira/*")) { try Attenuation.drop(ScopeSet(parsing: "jira/*"), from: grant) }
        #expect(throws: Attenuation.Refusal.emptyGrant) { try Attenuation.drop(grant, from: grant) }
    }

    @Test func firstFailingReasonWins() throws {
        let cred = Credential(id: "tok_1", agentID: "b", scopes: try ScopeSet(parsing: "github/*"), issuedAt: 0, expiresAt: 2_000_000)
        func d(_ c: Credential?, _ chain: [Agent], _ pr: Principal? = nil, tool: Substring = "get_repo") -> String {
            Authorization.decide(credential: c, chain: chain, principal: pr ?? p, server: "github", tool: tool, now: now).description
        }
        let a = agent("a", parent: nil), b = agent("b", parent: "a")
        #expect(d(cred, [b, a]) == "allow")
        #expect(d(nil, []) == "deny: unknown_credential")
        var revokedCred = cred; revokedCred.revokedAt = 5
        #expect(d(revokedCred, [agent("b", parent: "a", revoked: true), a]) == "deny: credential_revoked")
        var old = cred; old.expiresAt = now
        #expect(d(old, [b, a]) == "deny: credential_expired")
        #expect(d(cred, [agent("b", parent: "a", revoked: true), a]) == "deny: agent_revoked")
        // A cascade is named by where it started: the cause each revoked row records.
        var cascaded = cred; cascaded.revokedAt = 1; cascaded.revokedBy = "a"
        #expect(d(cascaded, [agent("b", parent: "a", revoked: true, revokedBy: "a"), agent("a", parent: nil, revoked: true)]) == "deny: ancestor_revoked")
        var fromB = cred; fromB.revokedAt = 1; fromB.revokedBy = "b"
        #expect(d(fromB, [agent("b", parent: "a", revoked: true), a]) == "deny: agent_revoked")
        var gone = p; gone.status = .disabled; gone.disabledAt = 1
        var fromP = cred; fromP.revokedAt = 1; fromP.revokedBy = p.id
        #expect(d(fromP, [agent("b", parent: "a", revoked: true, revokedBy: p.id), agent("a", parent: nil, revoked: true, revokedBy: p.id)], gone)
                == "deny: principal_disabled")
        #expect(d(cred, [agent("b", parent: "a", expires: 10), a]) == "deny: agent_expired")
        #expect(d(cred, [b, agent("a", parent: nil, expires: 10, revoked: true)]) == "deny: ancestor_revoked")
        #expect(d(cred, [b, agent("a", parent: nil, expires: 10)]) == "deny: ancestor_expired")
        var off = p; off.status = .disabled
        #expect(d(cred, [b, a], off) == "deny: principal_disabled")
        #expect(d(cred, [b, a], tool: "x") == "allow")
        #expect(Authorization.decide(credential: cred, chain: [b, a], principal: p, server: "slack", tool: "x", now: now) == .deny(.outOfScope))
        #expect(d(cred, [agent("b", parent: "a", grant: "github/get_*"), a], tool: "create_issue") == "deny: out_of_scope")
        #expect(d(cred, [b, agent("a", parent: nil, grant: "github/get_*")], tool: "create_issue") == "deny: out_of_scope")
    }

    /// Rule 4: revocation outranks expiry. The operator who just revoked sees "revoked", not
    /// "expired", whatever else has run out.
    @Test func revocationOutranksExpiry() throws {
        let cred = Credential(id: "tok_1", agentID: "b", scopes: try ScopeSet(parsing: "github/*"), issuedAt: 0, expiresAt: 2_000_000)
        func d(_ c: Credential, _ chain: [Agent], _ pr: Principal? = nil) -> String {
            Authorization.decide(credential: c, chain: chain, principal: pr ?? p, server: "github", tool: "get_repo", now: now).description
        }
        let a = agent("a", parent: nil)
        var expired = cred; expired.expiresAt = now - 1
        // The expired credential of a revoked agent: the revocation is named.
        var cascaded = expired; cascaded.revokedAt = 1; cascaded.revokedBy = "b"
        #expect(d(cascaded, [agent("b", parent: "a", revoked: true), a]) == "deny: agent_revoked")
        #expect(d(expired, [agent("b", parent: "a", revoked: true), a]) == "deny: agent_revoked")
        var own = expired; own.revokedAt = 1; own.revokedBy = own.id
        #expect(d(own, [agent("b", parent: "a"), a]) == "deny: credential_revoked")
        // An expired agent under a revoked delegator, and an expired one under a disabled principal.
        #expect(d(cred, [agent("b", parent: "a", expires: 10), agent("a", parent: nil, revoked: true)]) == "deny: ancestor_revoked")
        var off = p; off.status = .disabled; off.disabledAt = 1
        #expect(d(expired, [agent("b", parent: "a", expires: 10), a], off) == "deny: principal_disabled")
        // With nothing revoked, expiry keeps its own order.
        #expect(d(expired, [agent("b", parent: "a", expires: 10), agent("a", parent: nil, expires: 10)]) == "deny: credential_expired")
        #expect(d(cred, [agent("b", parent: "a", expires: 10), agent("a", parent: nil, expires: 10)]) == "deny: agent_expired")
        // The order of the reasons is the order of rule 4.
        let order = Authorization.Reason.allCases.map(\.rawValue)
        #expect(order.firstIndex(of: "principal_disabled")! < order.firstIndex(of: "credential_expired")!)
        #expect(order.firstIndex(of: "ancestor_revoked")! < order.firstIndex(of: "credential_expired")!)
    }

    /// Two revocations in the same millisecond are told apart by their causes, not confused by a
    /// shared time stamp: an agent revoked on its own is `agent_revoked` even when its delegator
    /// was revoked in the same millisecond, and a cause naming nothing above still denies.
    @Test func causesNotTimestampsNameTheRevocation() throws {
        let cred = Credential(id: "tok_1", agentID: "b", scopes: try ScopeSet(parsing: "github/*"), issuedAt: 0, expiresAt: 2_000_000)
        func d(_ c: Credential, _ chain: [Agent]) -> String {
            Authorization.decide(credential: c, chain: chain, principal: p, server: "github", tool: "get_repo", now: now).description
        }
        var byB = cred; byB.revokedAt = 1; byB.revokedBy = "b"
        // b revoked itself, a revoked itself, both at time 1.
        #expect(d(byB, [agent("b", parent: "a", revoked: true), agent("a", parent: nil, revoked: true)]) == "deny: agent_revoked")
        // The credential revoked on its own at the time its agent was revoked by a cascade from a.
        var ownCred = cred; ownCred.revokedAt = 1; ownCred.revokedBy = cred.id
        #expect(d(ownCred, [agent("b", parent: "a", revoked: true, revokedBy: "a"), agent("a", parent: nil, revoked: true)])
                == "deny: credential_revoked")
        // A cause that names nothing revoked above the row (written outside the rules) denies as the row's own.
        var stray = cred; stray.revokedAt = 1; stray.revokedBy = "elsewhere"
        #expect(d(stray, [agent("b", parent: "a"), agent("a", parent: nil)]) == "deny: credential_revoked")
        #expect(d(cred, [agent("b", parent: "a", revoked: true, revokedBy: "z"), agent("a", parent: nil)]) == "deny: agent_revoked")
        // A cause naming a row below is not an explanation: a's cause "b" is not above a.
        #expect(d(cred, [agent("b", parent: "a"), agent("a", parent: nil, revoked: true, revokedBy: "b")]) == "deny: ancestor_revoked")
    }
}
