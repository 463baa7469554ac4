import Testing
@testable import WardenSQLite
import WardenCore
import WardenStore
import WardenTestSupport

/// The governance version on every backend: every kind of governed write moves it, activity
/// (calls, instances, heartbeats, ingested telemetry of known agents) does not, and a decision
/// reused through `DecisionCache` is exactly the one deciding again would give.
@Suite("Conformance: governance version")
struct GovernanceVersionConformance {
    static func tool(_ name: String) -> ObservedTool {
        try! ToolHash.observe(.object([("name", .string(name)), ("description", .string("d")),
                                       ("inputSchema", .object([("type", .string("object"))]))]))
    }

    @Test(arguments: Backends.all)
    func everyGovernedWriteMovesItAndActivityDoesNot(_ backend: BackendUnderTest) throws {
        let fresh = try backend.makeStore()
        let s = fresh.store
        let f = try SmallFleet(s)
        // Read through a gate connection, as the proxy reads it.
        let gate = try fresh.backend.open(for: .gate)
        var last = try #require(try gate.governanceVersion())
        func expectMoved(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let now = try #require(try gate.governanceVersion(), sourceLocation: sourceLocation)
            #expect(now != last, "\(what) did not move the governance version", sourceLocation: sourceLocation)
            last = now
        }
        func expectStill(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(try gate.governanceVersion() == last, "\(what) moved the governance version", sourceLocation: sourceLocation)
        }

        // Activity first: none of it is governed.
        let instance = Instance(id: "inst-1", agentID: f.coder.id, host: "ci-7", pid: 42, startedAt: t0, lastHeartbeat: t0)
        try s.recordInstanceEvents([.started(instance)])
        try expectStill("an instance starting")
        try s.recordInstanceEvents([.heartbeat(instanceID: "inst-1", at: t0 + 5)])
        try expectStill("a heartbeat")
        _ = try s.recordCalls([ToolCall(at: t0 + 6, agentID: f.coder.id, server: "github", tool: "get_repo", decision: .allow, via: .proxy)])
        try expectStill("a recorded call")
        _ = try s.applyTelemetry([
            TelemetryEvent(at: t0 + 7, agent: f.coder.id, source: 1, body: .heartbeat(instanceID: "inst-1", host: nil, pid: nil)),
            TelemetryEvent(at: t0 + 8, agent: f.coder.id, source: 2,
                           body: .toolCall(ToolCall(at: t0 + 8, agentID: "", server: "github", tool: "get_issue", decision: .allow))),
        ], session: TelemetrySession(operatorName: "ingest"), atomically: true)
        try expectStill("ingested telemetry of a known agent")
        try s.recordInstanceEvents([.stopped(instanceID: "inst-1", at: t0 + 9)])
        try expectStill("an instance stopping")
        _ = try gate.authorize(secret: f.coderToken.secret, serverTool: "github/get_repo", now: t0 + 10)
        try expectStill("a decision")

        // Governed writes, each kind.
        _ = try s.addPrincipal(id: "user:bob@acme.example", kind: .human, name: "Bob", scopes: .everything, m())
        try expectMoved("adding a principal")
        let extra = try s.registerAgent(name: "helper", delegator: f.coder.id, scopes: scopes("github/get_*"), ttlMs: nil, m())
        try expectMoved("registering an agent")
        let token = try s.issueCredential(agentID: extra.id, ttlMs: nil, scopes: nil, instanceID: nil, m())
        try expectMoved("issuing a credential")
        _ = try s.narrow(agentID: f.coder.id, .keep(scopes("github/get_*")), m(t0 + 20))
        try expectMoved("narrowing an agent")
        _ = try s.revokeCredential(token.credential.id, m(t0 + 21))
        try expectMoved("revoking a credential")
        _ = try s.revokeAgent(extra.id, m(t0 + 22))
        try expectMoved("revoking an agent")
        _ = try s.disablePrincipal("user:bob@acme.example", m(t0 + 23))
        try expectMoved("disabling a principal")
        _ = try s.observeTools(server: "github", tools: [Self.tool("get_repo"), Self.tool("get_issue")], observer: "mcp-proxy", at: t0 + 24)
        try expectMoved("a tool list seen for the first time (pins)")
        _ = try s.approveTool(server: "github", tool: "get_repo", hash: nil, m(t0 + 25))
        try expectMoved("approving a tool")
        _ = try s.rejectTool(server: "github", tool: "get_issue", hash: nil, m(t0 + 26, reason: "not reviewed"))
        try expectMoved("rejecting a tool")
        try s.setToolPolicy(.trust, server: "github", m(t0 + 27))
        try expectMoved("a server's pinning policy")
        try s.setUnknownServers(.deny, m(t0 + 28))
        try expectMoved("the unknown-servers policy")
        _ = try s.addGate(name: "envoy-ai", m(t0 + 29))
        try expectMoved("adding a gate")
        _ = try s.issueGateCredential(gate: "envoy-ai", ttlMs: nil, m(t0 + 30))
        try expectMoved("issuing a gate credential")
        _ = try s.revokeGate(name: "envoy-ai", m(t0 + 31))
        try expectMoved("revoking a gate")
    }

    /// A decision reused while the version stands, and read again the moment it moves, on the
    /// same cache across two connections (a pool): the operator's revoke on one connection, the
    /// decisions on another.
    @Test(arguments: Backends.all)
    func reusedDecisionsFollowEveryWrite(_ backend: BackendUnderTest) throws {
        let fresh = try backend.makeStore()
        let s = fresh.store
        let f = try SmallFleet(s)
        let gate = try fresh.backend.open(for: .gate)
        let cache = DecisionCache()
        func decide(_ tool: String, _ at: Timestamp = t0 + 100) throws -> Authorization.Decision {
            try cache.authorize(gate, secret: f.coderToken.secret, serverTool: tool, now: at).decision
        }
        #expect(try decide("github/create_issue") == .allow)
        #expect(try decide("github/create_issue") == .allow)
        #expect(try decide("slack/post") == .deny(.outOfScope))
        #expect(try decide("slack/post") == .deny(.outOfScope))
        #expect(cache.count == 2 && cache.reuses == 2)
        // Activity leaves the decisions reusable.
        _ = try s.recordCalls([ToolCall(at: t0 + 100, agentID: f.coder.id, server: "github", tool: "create_issue", decision: .allow)])
        #expect(try decide("github/create_issue") == .allow)
        #expect(cache.reuses == 3)
        _ = try s.narrow(agentID: f.coder.id, .keep(scopes("github/get_*")), m(t0 + 101))
        #expect(try decide("github/create_issue") == .deny(.outOfScope))
        #expect(try decide("github/get_issue") == .allow)
        #expect(cache.reuses == 3)
        _ = try s.revokeAgent(f.planner.id, m(t0 + 102))
        #expect(try decide("github/get_issue") == .deny(.ancestorRevoked))
        #expect(cache.count == 1 && cache.reuses == 3)
    }

    /// Expiry along the chain stops a reused decision exactly at the earliest expiry, though
    /// nothing governed changed: the tester's credential (10 minutes, under an agent of an
    /// hour); a credential issued with no TTL takes its agent's expiry; the coder's its own. The clock set back before an expiry passed reads the facts again.
    @Test(arguments: Backends.all)
    func expiryAlongTheChainEndsReuseExactly(_ backend: BackendUnderTest) throws {
        let fresh = try backend.makeStore()
        let s = fresh.store
        let f = try SmallFleet(s)
        let gate = try fresh.backend.open(for: .gate)
        let cache = DecisionCache()
        func decide(_ token: IssuedCredential, at: Timestamp) throws -> Authorization.Decision {
            try cache.authorize(gate, secret: token.secret, serverTool: "github/get_issue", now: at).decision
        }
        let testerExpiry = try #require(f.testerToken.credential.expiresAt)
        #expect(try decide(f.testerToken, at: t0) == .allow)
        #expect(try decide(f.testerToken, at: testerExpiry - 1) == .allow)
        #expect(cache.reuses == 1)
        #expect(try decide(f.testerToken, at: testerExpiry) == .deny(.credentialExpired))
        #expect(cache.reuses == 1)
        #expect(try decide(f.testerToken, at: testerExpiry - 1) == .allow)
        #expect(cache.reuses == 1)

        let unbounded = try s.issueCredential(agentID: f.tester.id, ttlMs: nil, scopes: nil, instanceID: nil, m())
        let agentExpiry = try #require(f.tester.expiresAt)
        #expect(try decide(unbounded, at: t0 + 1) == .allow)
        #expect(try decide(unbounded, at: agentExpiry - 1) == .allow)
        #expect(cache.reuses == 2)
        #expect(try decide(unbounded, at: agentExpiry) == .deny(.credentialExpired))
        let coderExpiry = try #require(f.coderToken.credential.expiresAt)
        #expect(try decide(f.coderToken, at: t0 + 1) == .allow)
        #expect(try decide(f.coderToken, at: coderExpiry - 1) == .allow)
        #expect(cache.reuses == 3)
        #expect(try decide(f.coderToken, at: coderExpiry) == .deny(.credentialExpired))
        #expect(cache.reuses == 3)
    }
}

/// Data the rules would not write today (a credential without an expiry under an agent and an
/// ancestor that expire, as older stores hold): reuse stops at the chain's earliest expiry.
@Suite("Governance version: chain expiry on SQLite")
struct ChainExpiryReuseTests {
    @Test func aStaticCredentialStopsAtItsAgentsAndAncestorsExpiry() throws {
        let folder = try TempFolder("warden-chain-expiry")
        let backend = SQLiteBackend(path: folder.file("store/warden.db"))
        let s = try backend.create(trustDomain: "acme.example") as! SQLiteStore
        let f = try SmallFleet(s)
        // The coder's credential loses its expiry (the planner's day); the coder expires in two
        // hours, after its delegator the planner is set to expire in one.
        try s.write { () throws(StoreError) in
            try s.db.exec("UPDATE credentials SET expires_at = NULL WHERE id = '\(f.coderToken.credential.id)'")
            try s.db.exec("UPDATE agents SET expires_at = \(t0 + 7_200_000) WHERE id = '\(f.coder.id)'")
            try s.db.exec("UPDATE agents SET expires_at = \(t0 + 3_600_000) WHERE id = '\(f.planner.id)'")
        }
        let gate = try backend.open(for: .gate)
        let cache = DecisionCache()
        func decide(_ at: Timestamp) throws -> Authorization.Decision {
            try cache.authorize(gate, secret: f.coderToken.secret, serverTool: "github/get_issue", now: at).decision
        }
        #expect(try decide(t0) == .allow)
        #expect(try decide(t0 + 3_600_000 - 1) == .allow)
        #expect(cache.reuses == 1)
        #expect(try decide(t0 + 3_600_000) == .deny(.ancestorExpired))
        #expect(try decide(t0 + 7_200_000 - 1) == .deny(.ancestorExpired))
        #expect(cache.reuses == 2)
        #expect(try decide(t0 + 7_200_000) == .deny(.agentExpired))
        #expect(cache.reuses == 2)
    }
}
