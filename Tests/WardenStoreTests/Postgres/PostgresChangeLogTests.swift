import Testing
import WardenCore
import WardenStore
import WardenTestSupport
@testable import WardenPostgres

/// The change feed's log (`RowChangeLog`): a store at the schema before it migrates and its
/// feed goes on from a cursor taken before the migration, and the governed tables' updates no
/// longer touch an index for the feed's sake.
@Suite("PostgreSQL change log", .enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
struct PostgresChangeLogTests {
    static let agent = """
        INSERT INTO agents(id, name, principal_id, parent_id, depth, scopes, created_at) VALUES ($1, $1, 'p1', $2, $3, 'mcp:a/*', 1)
        """

    private func rowVersion(_ c: PGConnection) throws -> Int64 {
        try c.query("SELECT value FROM cursors WHERE name = 'row_version'").first { $0.int64(0) } ?? -1
    }

    @Test("a store at the previous schema migrates, and a cursor taken before goes on without a gap or a repeat")
    func feedContinuesThroughTheMigration() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let c = try PGConnection(ConnectionString(db.uri))
        let previous = try #require(PostgresMigrations.all.firstIndex(of: RowChangeLog.migration))
        for sql in PostgresMigrations.all[..<previous] { try c.run(sql) }
        try c.run("INSERT INTO meta(key, value) VALUES ('schema_version', '\(previous)'), ('trust_domain', 'acme.example')")
        try c.execute("INSERT INTO principals(id, kind, name, scopes, status, created_at) VALUES ('p1', 'human', 'ann', 'mcp:a/*', 'active', 1)")
        try c.execute(Self.agent, ["a1", nil as String?, 1])
        try c.execute(Self.agent, ["a2", "a1", 2])
        try c.execute("INSERT INTO instances(id, agent_id, host, started_at, last_heartbeat) VALUES ('i1', 'a1', 'h', 1, 1)")
        let seen = try rowVersion(c)
        // After the reader's cursor, before the migration: these must come, the rows above not.
        try c.execute("UPDATE agents SET name = 'renamed' WHERE id = 'a1'")
        try c.execute(Self.agent, ["a3", "a1", 2])
        try c.execute("UPDATE instances SET last_heartbeat = 2")

        #expect(try PostgresSchema.migrate(on: c) == (previous, PostgresMigrations.latest))
        let s = try PostgresStore.open(uri: db.uri)
        let caughtUp = try s.changedRows(after: .all(after: seen))
        #expect(caughtUp.principals.isEmpty)
        #expect(Set(caughtUp.agents.map(\.id)) == ["a1", "a3"])
        #expect(caughtUp.agents.count == 2)
        #expect(caughtUp.agents.first { $0.id == "a1" }?.name == "renamed")
        #expect(caughtUp.instances.map(\.id) == ["i1"])
        #expect(caughtUp.credentials.isEmpty)

        // Writes after the migration come once each, in version order, and only those.
        try c.execute("UPDATE agents SET name = 'second' WHERE id = 'a2'")
        try c.execute("UPDATE agents SET name = 'third' WHERE id = 'a3'")
        try c.execute("UPDATE agents SET name = 'fourth' WHERE id = 'a2'")
        let next = try s.changedRows(after: .all(after: caughtUp.version))
        #expect(next.agents.map(\.id) == ["a3", "a2"])
        #expect(next.agents.map(\.name) == ["third", "fourth"])
        #expect(next.instances.isEmpty && next.principals.isEmpty)
        #expect(try s.changedRows(after: .all(after: next.version)).isEmpty)
        // A first read still lists every row, in the order rows were first written.
        #expect(try s.changedRows(after: .all(after: 0)).agents.map(\.id) == ["a1", "a2", "a3"])
    }

    @Test("a revocation's updates stay on their pages: no index of agents or credentials holds the version")
    func revocationsAreHOT() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let s = try PostgresStore.create(uri: db.uri, trustDomain: "acme.example")
        let c = try PGConnection(ConnectionString(db.uri))
        try c.execute("INSERT INTO principals(id, kind, name, scopes, status, created_at) VALUES ('p1', 'human', 'ann', 'mcp:a/*', 'active', 1)")
        for i in 0..<20 { try c.execute(Self.agent, ["a\(i)", i == 0 ? nil : "a0", i == 0 ? 1 : 2]) }
        let before = try s.changedRows(after: .all(after: 0)).version
        // The counters of this transaction's own HOT updates are exact and need no stats flush.
        let hot = try c.withTransaction { () throws(StoreError) -> (Int64, Int64) in
            let version = try c.query("SELECT warden_take_cursor('row_version', 1)").first { $0.int64(0) } ?? 0
            let updated = try c.execute("UPDATE agents SET revoked_at = 5, revoke_reason = 'r', revoked_by = 'a0', version = $1", [version])
            let hot = try c.query("SELECT pg_stat_get_xact_tuples_hot_updated('agents'::regclass)").first { $0.int64(0) } ?? 0
            return (Int64(updated), hot)
        }
        #expect(hot.0 == 20)
        #expect(hot.1 == 20)
        // And the feed has every revoked row, once.
        let revoked = try s.changedRows(after: .all(after: before)).agents
        #expect(revoked.count == 20 && Set(revoked.map(\.id)).count == 20 && revoked.allSatisfy { $0.revokedAt != nil })
    }

    @Test("prune drops the log's superseded entries and the feed still has every row, once, from any cursor")
    func pruneCompactsTheLog() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let s = try PostgresStore.create(uri: db.uri, trustDomain: "acme.example")
        let c = try PGConnection(ConnectionString(db.uri))
        try c.execute("INSERT INTO principals(id, kind, name, scopes, status, created_at) VALUES ('p1', 'human', 'ann', 'mcp:a/*', 'active', 1)")
        for i in 0..<3 { try c.execute(Self.agent, ["a\(i)", i == 0 ? nil : "a0", i == 0 ? 1 : 2]) }
        try c.execute("INSERT INTO instances(id, agent_id, host, started_at, last_heartbeat) VALUES ('i1', 'a1', 'h', 1, 1), ('i2', 'a2', 'h', 1, 1)")
        let start = try s.changedRows(after: .all(after: 0)).version
        for beat in 2...6 { try c.execute("UPDATE instances SET last_heartbeat = $1 WHERE id = 'i1'", [beat]) }
        try c.execute("UPDATE agents SET name = 'renamed' WHERE id = 'a2'")
        func logged() throws -> Int { try c.query("SELECT count(*) FROM row_changes").first { $0.int(0) } ?? -1 }
        let before = try logged()
        let feedBefore = try s.changedRows(after: .all(after: start))

        _ = try s.prune(callsBefore: 0, instancesStoppedBefore: 0, batch: 2)
        // One entry per row is left, its latest: i1's insert and first four beats and a2's insert went.
        #expect(try logged() == before - 6)
        #expect(try c.query("SELECT count(*) FROM (SELECT kind, unnest(ids) FROM row_changes GROUP BY 1, 2 HAVING count(*) > 1) d").first { $0.int(0) } == 0)
        let feedAfter = try s.changedRows(after: .all(after: start))
        #expect(feedAfter.instances.map(\.id) == feedBefore.instances.map(\.id))
        #expect(feedAfter.instances.map(\.id) == ["i1"] && feedAfter.instances.first?.lastHeartbeat == 6)
        #expect(feedAfter.agents.map(\.id) == ["a2"])
        #expect(try s.changedRows(after: .all(after: 0)).agents.count == 3)
        #expect(try s.changedRows(after: .all(after: 0)).instances.count == 2)
    }
}
