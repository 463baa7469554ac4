import Foundation
import Testing
import WardenCore
import WardenStore
import WardenTestSupport
@testable import WardenPostgres

/// The PostgreSQL store's own paths (the conformance suite proves the whole store once the
/// backend is complete): operator actions through the rules, the one-query gate, the cascade,
/// the journal and the governed state.
@Suite("PostgreSQL store", .enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
struct PostgresStoreTests {
    let now: Timestamp = 1_000_000

    /// planner → coder → tester under ann, each with a credential.
    func fleet(_ s: PostgresStore) throws -> (planner: Agent, coder: Agent, tester: Agent, secrets: [String]) {
        _ = try s.addPrincipal(id: "user:ann", kind: .human, name: "Ann", scopes: scopes("github/*,slack/*"), mutation(at: now))
        let planner = try s.registerAgent(name: "planner", delegator: "user:ann", scopes: scopes("github/*,slack/*"), ttlMs: nil, mutation(at: now))
        let coder = try s.registerAgent(name: "coder", delegator: planner.id, scopes: scopes("github/*"), ttlMs: nil, mutation(at: now))
        let tester = try s.registerAgent(name: "tester", delegator: coder.id, scopes: scopes("github/get_*"), ttlMs: nil, mutation(at: now))
        let secrets = try [planner, coder, tester].map {
            try s.issueCredential(agentID: $0.id, ttlMs: nil, scopes: nil, instanceID: nil, mutation(at: now)).secret
        }
        return (planner, coder, tester, secrets)
    }

    @Test("the gate decides from one query as WardenCore does, and a cascade stops the whole subtree at once")
    func gateAndCascade() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let s = try PostgresStore.create(uri: db.uri, trustDomain: "acme.example")
        let f = try fleet(s)
        #expect(try s.agents().map(\.name) == ["planner", "coder", "tester"])
        #expect(try s.chain(of: f.tester.id).map(\.name) == ["tester", "coder", "planner"])
        #expect(try s.resolve("coder") == .agent(f.coder.id))
        #expect(try s.authorize(secret: f.secrets[2], serverTool: "github/get_issue", now: now).decision == .allow)
        #expect(try s.authorize(secret: f.secrets[2], serverTool: "github/create_issue", now: now).decision == .deny(.outOfScope))
        #expect(try s.authorize(secret: "wdn_nothing", serverTool: "github/get_issue", now: now).decision == .deny(.unknownCredential))

        let preview = try s.revocationPlan(.agent(f.coder.id), now: now)
        let plan = try s.revokeAgent(f.coder.id, mutation(at: now + 1))
        #expect(plan == preview)
        #expect(plan.agents == [f.coder.id, f.tester.id] && plan.credentials.count == 2)
        #expect(try s.authorize(secret: f.secrets[2], serverTool: "github/get_issue", now: now + 2).decision != .allow)
        #expect(try s.authorize(secret: f.secrets[1], serverTool: "github/get_issue", now: now + 2).decision == .deny(.agentRevoked))
        #expect(try s.authorize(secret: f.secrets[0], serverTool: "github/get_issue", now: now + 2).decision == .allow)
        #expect(try s.agent(f.tester.id)?.revokedBy == f.coder.id)

        let disabled = try s.disablePrincipal("user:ann", mutation(at: now + 3))
        #expect(disabled.agents == [f.planner.id])
        #expect(try s.authorize(secret: f.secrets[0], serverTool: "github/get_issue", now: now + 4).decision != .allow)
        #expect(try s.verifyAudit(expectedHead: nil).isIntact)
        let state = try s.verifyState()
        #expect(state.isConsistent, "\(state)")
    }

    @Test("a gate whose session dies reports the store unavailable (never an allow), then recovers on its own")
    func gateFailsClosed() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let s = try PostgresStore.create(uri: db.uri, trustDomain: "acme.example")
        let f = try fleet(s)
        let gate = try PostgresStore.open(uri: db.uri)
        #expect(try gate.authorize(secret: f.secrets[0], serverTool: "github/get_issue", now: now).decision == .allow)
        let pid = try gate.connection.query("SELECT pg_backend_pid()").first { $0.int64(0) }!
        try s.connection.execute("SELECT pg_terminate_backend($1)", [pid])
        #expect {
            _ = try gate.authorize(secret: f.secrets[0], serverTool: "github/get_issue", now: now)
        } throws: { error in
            guard case StoreError.io(let message) = error as! StoreError else { return false }
            return message.contains("unavailable") && message.contains(db.name)
        }
        #expect(try gate.authorize(secret: f.secrets[0], serverTool: "github/get_issue", now: now).decision == .allow)
    }

    @Test("narrowing cuts every descendant in one transaction and journals each change")
    func narrowing() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let s = try PostgresStore.create(uri: db.uri, trustDomain: "acme.example")
        let f = try fleet(s)
        let preview = try s.narrowingPlan(agentID: f.planner.id, .keep(scopes("github/get_*")))
        let plan = try s.narrow(agentID: f.planner.id, .keep(scopes("github/get_*")), mutation(at: now + 1))
        #expect(plan == preview)
        #expect(plan.descendants.map(\.agentID) == [f.coder.id])
        #expect(try s.agent(f.coder.id)?.grant == scopes("github/get_*"))
        #expect(try s.authorize(secret: f.secrets[1], serverTool: "github/create_issue", now: now + 2).decision == .deny(.outOfScope))
        #expect(try s.verifyState().isConsistent)
    }

    @Test("a row rewritten with the triggers off is named by the state check, and the sums no longer add up")
    func staleRowNamed() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let s = try PostgresStore.create(uri: db.uri, trustDomain: "acme.example")
        let f = try fleet(s)
        #expect(try s.verifyState().isConsistent)
        let other = try PGConnection(ConnectionString(db.uri))
        try other.run("SET session_replication_role = replica")  // no triggers: the stored hash and the kept sum stay as they were
        try other.execute("UPDATE credentials SET scopes = 'github/*,slack/*' WHERE agent_id = $1", [f.coder.id])
        guard case .drifted(_, let rows, let detail) = try s.verifyState() else { Issue.record("not a drift"); return }
        let credential = try s.credentials(agentID: f.coder.id).map(\.id)
        #expect(rows == credential.map { "credential \($0)" })
        #expect(detail.contains("no longer add up"))
    }

    @Test("a change made behind Warden's back is a drift until an operator accepts it")
    func drift() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let s = try PostgresStore.create(uri: db.uri, trustDomain: "acme.example")
        let f = try fleet(s)
        let other = try PGConnection(ConnectionString(db.uri))
        try other.execute("UPDATE agents SET scopes = 'github/*,slack/*' WHERE id = $1", [f.tester.id])
        #expect(try s.verifyState().isDrifted)
        // The next journaled action records the drift before itself.
        _ = try s.registerAgent(name: "helper", delegator: f.planner.id, scopes: scopes("slack/*"), ttlMs: nil, mutation(at: now + 1))
        #expect(try s.auditRecords(afterSeq: 0, limit: 100).contains { $0.action == "state.drift_detected" })
        #expect(try s.acceptStateDrift(mutation(at: now + 2)).isConsistent)
        #expect(try s.verifyAudit(expectedHead: nil).isIntact)
    }

    @Test("concurrent operators on separate connections never fork the journal")
    func concurrentJournal() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let s = try PostgresStore.create(uri: db.uri, trustDomain: "acme.example")
        _ = try s.addPrincipal(id: "user:ann", kind: .human, name: "Ann", scopes: scopes("github/*"), mutation(at: now))
        let failures = Locked<[String]>([])
        let group = DispatchGroup()
        for t in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let mine = try PostgresStore.open(uri: db.uri)
                    for i in 0..<5 {
                        _ = try mine.registerAgent(name: "a\(t)-\(i)", delegator: "user:ann", scopes: scopes("github/*"), ttlMs: nil, mutation(at: now))
                    }
                } catch { failures.update { $0.append("\(error)") } }
            }.start()
        }
        group.wait()
        #expect(failures.value.isEmpty, "\(failures.value)")
        #expect(try s.auditRecords(afterSeq: 0, limit: 100).count == 21)
        #expect(try s.verifyAudit(expectedHead: nil).isIntact)
        #expect(try s.verifyState().isConsistent)
    }

    @Test("diagnostics: schema, server, counts; a read-only store refuses writes")
    func diagnostics() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let s = try PostgresStore.create(uri: db.uri, trustDomain: "acme.example")
        _ = try fleet(s)
        #expect(try s.schemaVersion() == (PostgresMigrations.latest, PostgresMigrations.latest))
        #expect(try s.healthChecks().allSatisfy(\.ok))
        let stats = try s.storeStats()
        #expect(stats.rows.first { $0.table == "agents" }?.count == 3 && stats.bytes > 0)
        let reader = try PostgresStore.open(uri: db.uri, readOnly: true)
        #expect(reader.isReadOnly)
        #expect(try reader.agents().count == 3)
        #expect(throws: StoreError.readOnly) {
            _ = try reader.addPrincipal(id: "user:bob", kind: .human, name: "Bob", scopes: scopes("github/*"), mutation(at: now))
        }
    }

    @Test("a bulk load writes every row with one row version, decides and counts calls as recorded ones, and keeps the digest")
    func bulkLoad() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let s = try PostgresStore.create(uri: db.uri, trustDomain: "acme.example")
        let ann = Principal(id: "user:ann", kind: .human, name: "Ann", scopes: .everything, createdAt: now)
        let top = Agent(id: "spiffe://acme.example/agent/top/000001", name: "top", principalID: ann.id, parentID: nil, depth: 1,
                        grant: scopes("github/*"), createdAt: now, expiresAt: nil)
        let sub = Agent(id: "spiffe://acme.example/agent/sub/000002", name: "sub", principalID: ann.id, parentID: top.id, depth: 2,
                        grant: scopes("github/get_*"), createdAt: now, expiresAt: nil, revokedAt: now, revokeReason: "old")
        let credential = Credential(id: "tok_bulk", agentID: top.id, scopes: top.grant, issuedAt: now, expiresAt: nil)
        let secret = "wdn_" + String(repeating: "b", count: 43)
        let outcome = try s.bulkLoad(principals: [ann], agents: [top, sub], credentials: [(credential, secret)],
                                     instances: [Instance(id: "i1", agentID: top.id, host: "h", pid: 7, startedAt: now, lastHeartbeat: now)],
                                     callCount: 3, call: { i in
                                         ToolCall(at: now + Int64(i), agentID: top.id, credentialID: credential.id, server: "github",
                                                  tool: "get_issue", decision: i == 2 ? .deny : .allow, reason: i == 2 ? "out_of_scope" : nil)
                                     }, now: now)
        #expect((outcome.principals, outcome.agents, outcome.credentials, outcome.instances, outcome.calls) == (1, 2, 1, 1, 3))
        #expect(try s.agents().map(\.name) == ["top", "sub"])
        #expect(try s.agent(sub.id)?.revokedBy == sub.id)
        #expect(try s.authorize(secret: secret, serverTool: "github/get_issue", now: now + 10).decision == .allow)
        // One change for a reader of the feed: every row at one version.
        let versions = try s.connection.query("""
            SELECT count(DISTINCT version) FROM (SELECT version FROM principals UNION ALL SELECT version FROM agents
            UNION ALL SELECT version FROM credentials UNION ALL SELECT version FROM instances) v
            """).first { $0.int(0) }
        #expect(versions == 1)
        let changes = try s.changedRows(afterVersion: 0)
        #expect((changes.principals.count, changes.agents.count, changes.credentials.count, changes.instances.count) == (1, 2, 1, 1))
        #expect(try s.calls(CallQuery(limit: 10)).map(\.seq) == [3, 2, 1])
        #expect(try s.toolUsage(since: now)[top.id] == ["github/get_issue"])
        #expect(try s.auditRecords(afterSeq: 0, limit: 10).map(\.action) == ["fleet.bulk_load"])
        #expect(try s.verifyState().isConsistent)
    }
}

@Suite("PostgreSQL store opening", .enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
struct PostgresOpeningTests {
    @Test("an empty database is no store; inspection reads any version and writes nothing")
    func opening() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        #expect(throws: StoreError.self) { _ = try PostgresStore.open(uri: db.uri) }
        let s = try PostgresStore.create(uri: db.uri, trustDomain: "acme.example")
        try s.connection.execute("UPDATE meta SET value = $1 WHERE key = 'schema_version'", [String(PostgresMigrations.latest + 2)])
        #expect(throws: StoreError.self) { _ = try PostgresStore.open(uri: db.uri) }
        let inspected = try PostgresStore.openForInspection(uri: db.uri)
        #expect(try inspected.schemaVersion().file == PostgresMigrations.latest + 2)
        #expect(throws: StoreError.readOnly) { try inspected.connection.execute("DELETE FROM meta") }
    }
}

@Suite("PostgreSQL backend")
struct PostgresBackendTests {
    @Test("its location check needs no server and flags a password kept in the URI, never showing it")
    func locationCheck() {
        let plain = PostgresBackend(uri: "postgresql:///warden?host=/run/pg").healthChecks()
        #expect(plain.map(\.ok) == [true])
        let withPassword = PostgresBackend(uri: "postgresql://gate:hunter2@db.internal/warden").healthChecks()
        #expect(withPassword.map(\.ok) == [false])
        #expect(withPassword.allSatisfy { !$0.detail.contains("hunter2") })
        #expect(PostgresBackend(uri: "postgresql://gate@db/warden").location == .postgres(uri: "postgresql://gate@db/warden"))
    }

    @Test("migrate is a no-op on a current store; every purpose opens a connection",
          .enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
    func purposes() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let backend = PostgresBackend(uri: db.uri)
        _ = try backend.create(trustDomain: "acme.example")
        #expect(try backend.migrate() == (PostgresMigrations.latest, PostgresMigrations.latest))
        #expect(try backend.open(for: .operations(readOnly: true)).isReadOnly)
        #expect(try !backend.open(for: .dashboard(readOnly: false)).isReadOnly)
        #expect(try backend.open(for: .gate).authorize(secret: "wdn_x", serverTool: "a/b", now: 0).decision == .deny(.unknownCredential))
        #expect(try backend.open(for: .inspect).schemaVersion().file == PostgresMigrations.latest)
        _ = try backend.open(for: .ingest)
    }
}
