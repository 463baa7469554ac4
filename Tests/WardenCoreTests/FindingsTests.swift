import Testing
@testable import WardenCore

/// Every finding kind: raised by its condition, and gone once the condition is removed.
@Suite("Findings")
struct FindingsTests {
    static let now: Timestamp = 1_800_000_000_000
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    static func set(_ s: String) -> ScopeSet { try! ScopeSet(parsing: s) }

    /// A clean fleet: alice → lead → worker, each with a short-lived credential and a live
    /// instance; young enough that no scope counts as unused. It has no findings at all.
    struct Fleet {
        var principals = [Principal(id: "user:alice@acme.example", kind: .human, name: "Alice",
                                    scopes: set("github/*,slack/*"), createdAt: now - 90 * day)]
        var agents = [
            Agent(id: "spiffe://acme.example/agent/lead/0001", name: "lead", principalID: "user:alice@acme.example",
                  parentID: nil, depth: 1, grant: set("github/get_*,slack/post_message"),
                  createdAt: now - day, expiresAt: now + 7 * day),
            Agent(id: "spiffe://acme.example/agent/worker/0002", name: "worker", principalID: "user:alice@acme.example",
                  parentID: "spiffe://acme.example/agent/lead/0001", depth: 2, grant: set("github/get_issue"),
                  createdAt: now - day, expiresAt: now + day),
        ]
        var credentials = [
            Credential(id: "tok_lead", agentID: "spiffe://acme.example/agent/lead/0001", scopes: set("github/get_*"),
                       issuedAt: now - 10 * minute, expiresAt: now + 50 * minute),
            Credential(id: "tok_worker", agentID: "spiffe://acme.example/agent/worker/0002", instanceID: "worker-0",
                       scopes: set("github/get_issue"), issuedAt: now - 10 * minute, expiresAt: now + 50 * minute),
        ]
        var instances = [
            Instance(id: "lead-0", agentID: "spiffe://acme.example/agent/lead/0001", host: "runner-1", pid: 10,
                     startedAt: now - hour, lastHeartbeat: now - 5_000),
            Instance(id: "worker-0", agentID: "spiffe://acme.example/agent/worker/0002", host: "runner-2", pid: 20,
                     startedAt: now - hour, lastHeartbeat: now - 5_000),
        ]
        var calls = [
            ToolCall(at: now - minute, agentID: "spiffe://acme.example/agent/lead/0001", instanceID: "lead-0",
                     credentialID: "tok_lead", server: "github", tool: "get_repo", decision: .allow),
            ToolCall(at: now - minute, agentID: "spiffe://acme.example/agent/worker/0002", instanceID: "worker-0",
                     credentialID: "tok_worker", server: "github", tool: "create_issue", decision: .deny, reason: "out_of_scope"),
        ]
        var usage: [String: Set<String>] = [:]
        var policy = Policy.standard

        var lead: String { agents[0].id }
        var worker: String { agents[1].id }

        func findings() -> [Finding] {
            FindingsEngine.evaluate(.init(principals: principals, agents: agents, credentials: credentials,
                                          instances: instances, calls: calls, usage: usage, now: now, policy: policy))
        }

        func of(_ kind: Finding.Kind) -> [Finding] { findings().filter { $0.kind == kind } }
    }

    @Test func theCleanFleetHasNoFindings() {
        #expect(Fleet().findings().isEmpty, "\(Fleet().findings())")
    }

    // MARK: escalation

    @Test func escalationOfScope() throws {
        var f = Fleet()
        f.agents[1].grant = Self.set("github/*")  // lead holds only github/get_*
        let found = f.of(.escalation)
        #expect(found.count == 1)
        let e = try #require(found.first)
        #expect(e.subject == .agent(f.worker))
        #expect(e.severity == .high)
        #expect(e.fix == .narrow)
        #expect(e.agentID == f.worker)
        #expect(e.explanation.contains("github/*") && e.explanation.contains("lead"))
        // The fix keeps what the delegator holds: github/* under github/get_* becomes github/get_*.
        #expect(e.command == ["narrow", f.worker, "--keep", "github/get_*"])
        // Nothing inside the delegator's scopes: narrowing cannot help, revoking does.
        f.agents[1].grant = Self.set("jira/*")
        #expect(f.of(.escalation).first?.command == ["revoke", f.worker])
        #expect(f.of(.escalation).first?.fix == .revoke)

        f.agents[1].grant = Self.set("github/get_issue")
        #expect(f.of(.escalation).isEmpty)
    }

    @Test func escalationOverThePrincipal() {
        var f = Fleet()
        f.agents[0].grant = Self.set("github/get_*,postgres/query")  // alice holds github and slack only
        #expect(f.of(.escalation).map(\.subject) == [.agent(f.lead)])
        #expect(f.of(.escalation).first?.explanation.contains("postgres/query") == true)
        f.principals[0].scopes = .everything
        #expect(f.of(.escalation).isEmpty)
    }

    @Test func escalationOfExpiry() throws {
        var f = Fleet()
        f.agents[1].expiresAt = Self.now + 30 * Self.day  // lead expires in 7 days
        let e = try #require(f.of(.escalation).first)
        #expect(f.of(.escalation).count == 1)
        #expect(e.subject == .agent(f.worker))
        #expect(e.explanation.contains("outlives"))

        f.agents[1].expiresAt = nil  // never expiring is beyond any expiry
        #expect(f.of(.escalation).count == 1)

        f.agents[1].expiresAt = Self.now + 7 * Self.day  // equal is fine
        #expect(f.of(.escalation).isEmpty)
    }

    @Test func revokedAgentsRaiseNoEscalation() {
        var f = Fleet()
        f.agents[1].grant = Self.set("*")
        #expect(f.of(.escalation).count == 1)
        f.agents[1].revokedAt = Self.now - Self.minute
        #expect(f.of(.escalation).isEmpty)
    }

    // MARK: static credential

    @Test func staticCredentialWithoutExpiry() throws {
        var f = Fleet()
        f.credentials[0].expiresAt = nil
        let s = try #require(f.of(.staticCredential).first)
        #expect(f.of(.staticCredential).count == 1)
        #expect(s.subject == .credential("tok_lead"))
        #expect(s.fix == .revoke)
        #expect(s.agentID == f.lead)
        #expect(s.explanation.contains("never expires"))

        f.credentials[0].revokedAt = Self.now - Self.minute
        #expect(f.of(.staticCredential).isEmpty)
    }

    @Test func aCredentialIssuedInTheFutureIsMeasuredFromNow() throws {
        var f = Fleet()
        // An hour's TTL, stamped as issued in ten years: it authorizes for ten years from now.
        f.credentials[0].issuedAt = Self.now + 3650 * Self.day
        f.credentials[0].expiresAt = f.credentials[0].issuedAt + Self.hour
        let s = try #require(f.of(.staticCredential).first)
        #expect(s.subject == .credential("tok_lead"))
        #expect(s.explanation.contains("lives 87601h"), "\(s.explanation)")
    }

    @Test func longLivedCredentialAgainstPolicy() {
        var f = Fleet()
        f.credentials[1].expiresAt = f.credentials[1].issuedAt + 25 * Self.hour
        #expect(f.of(.staticCredential).map(\.subject) == [.credential("tok_worker")])
        #expect(f.of(.staticCredential).first?.explanation.contains("lives") == true)

        f.policy.maxCredentialTTLMs = 48 * Self.hour  // the config file allows longer
        #expect(f.of(.staticCredential).isEmpty)
        f.policy.maxCredentialTTLMs = 24 * Self.hour
        f.credentials[1].expiresAt = f.credentials[1].issuedAt + 24 * Self.hour  // exactly the policy
        #expect(f.of(.staticCredential).isEmpty)
    }

    // MARK: shared credential

    func call(_ agent: String, _ instance: String?, _ cred: String?, _ decision: ToolCall.Decision = .allow,
              reason: String? = nil) -> ToolCall {
        ToolCall(at: Self.now - Self.minute, agentID: agent, instanceID: instance, credentialID: cred,
                 server: "github", tool: "get_issue", decision: decision, reason: reason)
    }

    @Test func credentialSharedByTwoInstances() throws {
        var f = Fleet()
        f.instances.append(Instance(id: "lead-1", agentID: f.lead, host: "runner-1", pid: 11,
                                    startedAt: Self.now - Self.hour, lastHeartbeat: Self.now - 1_000))
        f.calls.append(call(f.lead, "lead-1", "tok_lead"))
        let s = try #require(f.of(.sharedCredential).first)
        #expect(f.of(.sharedCredential).count == 1)
        #expect(s.subject == .credential("tok_lead"))
        #expect(s.agentID == f.lead)
        #expect(s.explanation.contains("2 instances on 1 host"))
        #expect(s.command == ["revoke", "tok_lead"])

        // Revoking it fixes it: the calls are still in the window, the finding is not.
        f.credentials[0].revokedAt = Self.now - 1_000
        #expect(f.of(.sharedCredential).isEmpty)
        f.credentials[0].revokedAt = nil

        f.calls.removeLast()
        #expect(f.of(.sharedCredential).isEmpty)
    }

    @Test func credentialSharedAcrossHosts() {
        var f = Fleet()
        // The worker's token turns up from the lead's instance on another host.
        f.calls.append(call(f.worker, "lead-0", "tok_worker"))
        #expect(f.of(.sharedCredential).map(\.subject) == [.credential("tok_worker")])
        #expect(f.of(.sharedCredential).first?.explanation.contains("2 instances on 2 host") == true)
        f.calls.removeLast()
        f.calls.append(call(f.worker, "worker-0", "tok_worker"))  // same instance again: not shared
        #expect(f.of(.sharedCredential).isEmpty)
    }

    // MARK: use after revoke

    @Test func useAfterRevokeOfACredential() throws {
        var f = Fleet()
        f.credentials[0].revokedAt = Self.now - Self.hour
        f.calls.append(call(f.lead, "lead-0", "tok_lead", .deny, reason: "credential_revoked"))
        f.calls.append(call(f.lead, "lead-0", "tok_lead", .deny, reason: "credential_revoked"))
        let u = try #require(f.of(.useAfterRevoke).first)
        #expect(f.of(.useAfterRevoke).count == 1)
        #expect(u.subject == .credential("tok_lead"))
        #expect(u.severity == .high)
        #expect(u.explanation.hasPrefix("2 calls with"))

        f.calls.removeLast(2)  // nobody tries it any more (or the calls left the window)
        #expect(f.of(.useAfterRevoke).isEmpty)
    }

    @Test func useAfterRevokeOfAnAgentWithoutCredential() {
        var f = Fleet()
        for reason in ["agent_revoked", "ancestor_revoked", "principal_disabled"] {
            f.calls = [call(f.worker, nil, nil, .deny, reason: reason)]
            #expect(f.of(.useAfterRevoke).map(\.subject) == [.agent(f.worker)], "\(reason)")
        }
        // Other denials are not use after revoke.
        for reason in ["out_of_scope", "credential_expired", "unknown_credential"] {
            f.calls = [call(f.worker, nil, "tok_worker", .deny, reason: reason)]
            #expect(f.of(.useAfterRevoke).isEmpty, "\(reason)")
        }
    }

    // MARK: unregistered agents

    @Test func unregisteredAgentInTheStore() throws {
        var f = Fleet()
        f.principals.append(Principal(id: "workload:unregistered", kind: .workload, name: "unregistered", scopes: .none, createdAt: 0))
        f.agents.append(Agent(id: "spiffe://acme.example/agent/ghost/unregistered", name: "ghost",
                              principalID: "workload:unregistered", parentID: nil, depth: 1, grant: .none,
                              createdAt: Self.now - Self.hour, expiresAt: nil, registered: false))
        let u = try #require(f.of(.unregisteredAgent).first)
        #expect(f.of(.unregisteredAgent).count == 1)
        #expect(u.subject == .agent("spiffe://acme.example/agent/ghost/unregistered"))
        #expect(u.fix == .revoke)
        #expect(f.of(.escalation).isEmpty, "an unregistered agent is not also an escalation")

        f.agents[2].registered = true
        f.agents[2].principalID = "user:alice@acme.example"
        #expect(f.of(.unregisteredAgent).isEmpty)
    }

    @Test func callsByAnAgentTheStoreDoesNotKnow() throws {
        var f = Fleet()
        let stranger = "spiffe://elsewhere.example/agent/stranger/9999"
        f.calls.append(call(stranger, nil, nil))
        f.calls.append(call(stranger, nil, nil, .deny, reason: "unknown_credential"))
        let u = try #require(f.of(.unregisteredAgent).first)
        #expect(f.of(.unregisteredAgent).count == 1)
        #expect(u.subject == .agent(stranger))
        #expect(u.fix == .investigate)
        #expect(u.agentID == nil)
        #expect(u.explanation.contains("2 recent tool call"))

        f.calls.removeLast(2)
        #expect(f.of(.unregisteredAgent).isEmpty)
    }

    // MARK: stale instances

    @Test func staleInstanceHoldingLiveCredentials() throws {
        var f = Fleet()
        f.instances[0].lastHeartbeat = Self.now - 3 * Self.minute
        let s = try #require(f.of(.staleInstance).first)
        #expect(f.of(.staleInstance).count == 1)
        #expect(s.subject == .instance("lead-0"))
        #expect(s.agentID == f.lead)
        #expect(s.explanation.contains("runner-1") && s.explanation.contains("1 credential"))

        // Each removal of the condition clears it.
        var stopped = f
        stopped.instances[0].stoppedAt = Self.now - 2 * Self.minute
        #expect(stopped.of(.staleInstance).isEmpty)
        var revoked = f
        revoked.credentials[0].revokedAt = Self.now - Self.minute
        #expect(revoked.of(.staleInstance).isEmpty)
        var beating = f
        beating.instances[0].lastHeartbeat = Self.now - 1_000
        #expect(beating.of(.staleInstance).isEmpty)
        var lenient = f
        lenient.policy.staleInstanceMs = 5 * Self.minute
        #expect(lenient.of(.staleInstance).isEmpty)
    }

    @Test func credentialBoundToAnotherInstanceDoesNotCount() {
        var f = Fleet()
        f.instances.append(Instance(id: "worker-1", agentID: f.worker, host: "runner-3", pid: 21,
                                    startedAt: Self.now - Self.hour, lastHeartbeat: Self.now - 10 * Self.minute))
        // tok_worker is bound to worker-0, so the silent worker-1 holds nothing live.
        #expect(f.of(.staleInstance).isEmpty)
        f.credentials[1].instanceID = nil
        #expect(f.of(.staleInstance).map(\.subject) == [.instance("worker-1")])
    }

    // MARK: unused scopes

    @Test func unusedScopesOfAnOldAgent() throws {
        var f = Fleet()
        f.agents[0].createdAt = Self.now - 40 * Self.day
        f.usage = [f.lead: ["github/get_repo", "github/get_issue"]]
        let u = try #require(f.of(.unusedScopes).first)
        #expect(f.of(.unusedScopes).count == 1)
        #expect(u.subject == .agent(f.lead))
        #expect(u.fix == .narrow)
        #expect(u.explanation.contains("slack/post_message") && !u.explanation.contains("github/get_*"))
        // The fix keeps what was used (never the empty grant `narrow` refuses).
        #expect(u.command == ["narrow", f.lead, "--keep", "github/get_*"])

        f.usage[f.lead]!.insert("slack/post_message")
        #expect(f.of(.unusedScopes).isEmpty)

        f.usage = [:]  // nothing used at all: the whole grant is unused, so the agent is revoked
        #expect(f.of(.unusedScopes).first?.explanation.contains("github/get_*") == true)
        #expect(f.of(.unusedScopes).first?.command == ["revoke", f.lead])
        #expect(f.of(.unusedScopes).first?.fix == .revoke)
    }

    @Test func youngAgentsAreNotJudgedOnUsage() {
        var f = Fleet()
        f.usage = [:]
        #expect(f.of(.unusedScopes).isEmpty)
        f.agents[0].createdAt = Self.now - 40 * Self.day
        #expect(f.of(.unusedScopes).count == 1)
        f.policy.unusedScopeMs = 60 * Self.day  // a longer window in the config file
        #expect(f.of(.unusedScopes).isEmpty)
    }

    // MARK: deep delegation

    static func chain(_ f: inout Fleet, depth: Int) {
        var parent = f.lead
        for d in 2...depth {
            let id = "spiffe://acme.example/agent/c\(d)/\(d)"
            f.agents.append(Agent(id: id, name: "c\(d)", principalID: "user:alice@acme.example", parentID: parent,
                                  depth: d, grant: set("github/get_issue"), createdAt: now - day, expiresAt: now + day))
            parent = id
        }
    }

    @Test func delegationDeeperThanPolicy() {
        var f = Fleet()
        Self.chain(&f, depth: 7)
        let deep = f.of(.deepDelegation)
        #expect(deep.map(\.subject.id).sorted() == ["spiffe://acme.example/agent/c6/6", "spiffe://acme.example/agent/c7/7"])
        #expect(deep.allSatisfy { $0.severity == .low && $0.explanation.contains("policy: 5") })

        f.policy.maxDepth = 7
        #expect(f.of(.deepDelegation).isEmpty)
    }

    @Test func delegationAtThePolicyDepthIsFine() {
        var f = Fleet()
        Self.chain(&f, depth: 5)
        #expect(f.findings().isEmpty)
        f.policy.maxDepth = 4
        #expect(f.of(.deepDelegation).map(\.subject.id) == ["spiffe://acme.example/agent/c5/5"])
    }

    // MARK: order

    @Test func mostSevereFirst() {
        var f = Fleet()
        Self.chain(&f, depth: 6)  // low
        f.credentials[0].expiresAt = nil  // medium
        f.agents[1].grant = Self.set("*")  // high
        let severities = f.findings().map(\.severity)
        #expect(severities == severities.sorted(by: >))
        #expect(Set(f.findings().map(\.kind)) == [.deepDelegation, .staticCredential, .escalation])
    }
}
