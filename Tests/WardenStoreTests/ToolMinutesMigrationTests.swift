import Testing
import WardenCore
import WardenTestSupport
@testable import WardenPostgres
@testable import WardenSQLite
@testable import WardenStore

/// The per-tool minutes (`tool_minutes`): a store from before them is backfilled from its calls
/// when it migrates, on both backends; an unmigrated SQLite file read for a diagnosis tallies
/// its calls instead.
@Suite("Tool minutes migration")
struct ToolMinutesMigrationTests {
    @Test func sqliteBackfillsAndAnUnmigratedFileTalliesItsCalls() throws {
        let t = try TempStore()
        let calls = ToolTallyConformance.calls(agents: try ToolTallyConformance.fleet(t.store), count: 600, seed: 5)
        try t.store.recordCalls(calls)
        try t.store.db.exec("""
            DROP TABLE tool_minutes;
            PRAGMA user_version = \(Migrations.toolMinutesVersion - 1);
            """)
        let since = t0 + 4_000_000
        let expected = ToolTallyConformance.activity(calls, since: since)
        #expect(!expected.isEmpty)
        let inspected = try SQLiteStore.openForInspection(path: t.path)
        #expect(try inspected.schemaVersion().file == Migrations.toolMinutesVersion - 1)
        #expect(try ToolTallyConformance.read(inspected, since: since) == expected)
        let migrated = try t.open()
        #expect(try migrated.schemaVersion().file == Migrations.latest)
        #expect(try ToolTallyConformance.read(migrated, since: since) == expected)
        #expect(try ToolTallyConformance.read(migrated, since: t0) == ToolTallyConformance.activity(calls, since: t0))
    }

    @Test(.enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
    func postgresBackfillsFromTheCallsStored() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let backend = PostgresBackend(uri: db.uri)
        let s = try backend.create(trustDomain: "acme.example")
        let calls = ToolTallyConformance.calls(agents: try ToolTallyConformance.fleet(s), count: 600, seed: 5)
        try s.recordCalls(calls)
        let c = try PGConnection(ConnectionString(db.uri))
        let previous = try #require(PostgresMigrations.all.firstIndex(of: ToolMinutes.migration))
        try c.run("DROP TABLE tool_minutes; UPDATE meta SET value = '\(previous)' WHERE key = 'schema_version'")
        #expect(try PostgresSchema.migrate(on: c) == (previous, PostgresMigrations.latest))
        let migrated = try PostgresStore.open(uri: db.uri)
        for since in [t0, t0 + 4_000_000] {
            #expect(try ToolTallyConformance.read(migrated, since: since) == ToolTallyConformance.activity(calls, since: since))
        }
    }
}
