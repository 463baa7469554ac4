import Foundation
import Testing
import WardenCore
import WardenTestSupport
@testable import WardenPostgres
@testable import WardenSQLite
@testable import WardenStore

@Suite("store copy")
struct StoreCopyTests {
    /// A new SQLite location in a folder of its own (nothing there yet).
    final class NewSQLite {
        let folder: TempFolder
        let backend: SQLiteBackend
        init() throws {
            folder = try TempFolder("warden-copy")
            backend = SQLiteBackend(path: folder.file("copy/warden.db"))
        }
        var exists: Bool { FileManager.default.fileExists(atPath: backend.path) }
    }

    @Test func sqliteToSQLiteCarriesEveryRowAndVerifies() throws {
        let source = try BackendUnderTest.sqlite.makeStore()
        try CopyFixture.fill(source.store)
        let target = try NewSQLite()
        let report = try StoreCopy.run(from: source.backend, to: target.backend, batch: 2)

        let copy = try target.backend.open(for: .operations(readOnly: false))
        let rows = try CopyFixture.rows(source.store)
        #expect(try CopyFixture.rows(copy) == rows)
        for table in TransferSchema.tables where table.name != "meta" {
            #expect(rows[table.name]?.isEmpty == false, "the fixture leaves \(table.name) empty")
        }
        #expect(try StoreContents(copy) == StoreContents(source.store))
        #expect(report.rows.map(\.table) == TransferSchema.tables.map(\.name))
        #expect(report.rows.first { $0.table == "audit" }?.count == Int64(rows["audit"]!.count))
        #expect(report.head == (try source.store.auditHead()))
        #expect(try copy.verifyState() == source.store.verifyState())
        try expectNewWritesContinue(copy, after: rows)
    }

    @Test(.enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
    func sqliteToPostgresToSQLiteCarriesEveryRow() throws {
        let source = try BackendUnderTest.sqlite.makeStore()
        try CopyFixture.fill(source.store)
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let postgres = PostgresBackend(uri: db.uri)
        let there = try StoreCopy.run(from: source.backend, to: postgres, batch: 2)
        let back = try NewSQLite()
        let again = try StoreCopy.run(from: postgres, to: back.backend, batch: 3)

        let rows = try CopyFixture.rows(source.store)
        let pg = try postgres.open(for: .operations(readOnly: false))
        // Text keys sort by the server's collation there: the same rows, maybe in another order.
        let pgRows = try CopyFixture.rows(pg)
        for table in TransferSchema.tables { #expect(Set(pgRows[table.name]!) == Set(rows[table.name]!), "\(table.name)") }
        #expect(pgRows["agents"] == rows["agents"] && pgRows["audit"] == rows["audit"])
        let copy = try back.backend.open(for: .operations(readOnly: false))
        #expect(try CopyFixture.rows(copy) == rows)
        #expect(try StoreContents(copy) == StoreContents(source.store))
        #expect(try StoreContents(pg) == StoreContents(source.store))
        #expect(there.head == again.head && there.state == again.state && there.state.isConsistent)
        try expectNewWritesContinue(pg, after: rows)
    }

    /// On a copy, a new call, outcome, row and journal record each come after what was copied,
    /// and the journal still verifies.
    func expectNewWritesContinue(_ s: any FleetStore, after rows: [String: [TransferRow]]) throws {
        func max(_ table: String, _ column: String) -> Int64 {
            let i = TransferSchema.table(table)!.columns.firstIndex { $0.name == column }!
            return rows[table]!.compactMap { if case .integer(let n) = $0[i] { n } else { nil } }.max() ?? 0
        }
        let agent = try #require(try s.agents().first { $0.name == "planner" })
        let seq = try s.recordCall(ToolCall(at: t0 + 90_000, agentID: agent.id, server: "github", tool: "get_issue", decision: .allow),
                                   key: CallKey(session: "session-2", toolUse: "toolu_9"))
        #expect(seq > max("tool_calls", "seq"))
        let credential = try #require(try s.calls(CallQuery(limit: 100)).first { $0.tool == "get_repo" }?.credentialID)
        let outcome = try #require(try s.recordOutcome(key: CallKey(session: "session-1", toolUse: "toolu_2"), credentialID: credential,
                                                       result: .ok, at: t0 + 91_000))
        #expect(try s.callOutcomes(after: 0, limit: 10).calls.last?.seq == outcome.seq)
        // Every copied row is in the change feed once, and a change after the copy comes after it.
        let feed = try s.changedRows(afterVersion: 0)
        #expect(feed.agents.count == rows["agents"]!.count && feed.credentials.count == rows["credentials"]!.count)
        #expect(feed.instances.count == rows["instances"]!.count && feed.principals.count == rows["principals"]!.count)
        let newAgent = try s.registerAgent(name: "late", delegator: "user:alice@acme.example", scopes: scopes("github/get_*"), ttlMs: nil, m(t0 + 92_000))
        #expect(try s.agents().last?.id == newAgent.id, "a new agent is listed after the copied ones")
        #expect(try s.changedRows(afterVersion: feed.version).agents.map(\.id) == [newAgent.id])
        #expect(try s.auditHead()?.seq == Int64(rows["audit"]!.count) + 1)
        #expect(try s.verifyAudit(expectedHead: nil).isIntact)
        #expect(try s.verifyState().isConsistent)
    }

    @Test(arguments: Backends.all)
    func theCopyKnowsEveryTableAndColumnOfTheSchema(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        #expect(try t.store.untransferredSchema() == [])
    }

    @Test func aTableOrColumnTheCopyDoesNotKnowIsRefused() throws {
        let source = try TempStore()
        try source.store.db.exec("CREATE TABLE future_table(server TEXT); ALTER TABLE audit ADD COLUMN future_column TEXT;")
        #expect(try source.store.untransferredSchema() == ["audit.future_column", "table future_table"])
        let target = try NewSQLite()
        let error = try #require(throws: StoreError.self) { try StoreCopy.run(from: source.backend, to: target.backend) }
        #expect(error.description.contains("audit.future_column, table future_table"), "\(error)")
        #expect(!target.exists)
    }

    @Test(.enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
    func aPostgresTableTheCopyDoesNotKnowIsFound() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        _ = try PostgresBackend(uri: db.uri).create(trustDomain: "acme.example")
        try PGConnection(ConnectionString(db.uri)).run("CREATE TABLE future_table(server text); ALTER TABLE audit ADD COLUMN future_column text;")
        let store = try PostgresBackend(uri: db.uri).open(for: .copySource)
        #expect(try store.untransferredSchema() == ["audit.future_column", "table future_table"])
    }

    @Test func aTamperedJournalIsRefusedAndNothingIsWritten() throws {
        let source = try TempStore()
        try CopyFixture.fill(source.store)
        try source.store.db.exec("UPDATE audit SET reason = 'nothing to see' WHERE seq = 3")
        let target = try NewSQLite()
        let error = try #require(throws: StoreError.self) { try StoreCopy.run(from: source.backend, to: target.backend) }
        #expect(error.description.contains("journal at \(source.path) is broken at record 3"), "\(error)")
        #expect(error.description.contains("nothing was copied"), "\(error)")
        #expect(!target.exists)
    }

    @Test func anExistingTargetFileIsRefusedUntouched() throws {
        let source = try TempStore()
        let target = try NewSQLite()
        try FileManager.default.createDirectory(atPath: target.folder.file("copy"), withIntermediateDirectories: true)
        try Data("my notes".utf8).write(to: URL(fileURLWithPath: target.backend.path))
        let error = try #require(throws: StoreError.self) { try StoreCopy.run(from: source.backend, to: target.backend) }
        #expect(error.description.contains("already exists (a file of 8 bytes)"), "\(error)")
        #expect(try String(contentsOfFile: target.backend.path, encoding: .utf8) == "my notes")
    }

    @Test func aMissingSourceIsRefused() throws {
        let folder = try TempFolder("warden-copy")
        let target = try NewSQLite()
        let error = try #require(throws: StoreError.self) {
            try StoreCopy.run(from: SQLiteBackend(path: folder.file("none.db")), to: target.backend)
        }
        #expect(error == .missing(path: folder.file("none.db")))
        #expect(!target.exists)
    }

    @Test func anOlderSourceMustBeMigratedFirst() throws {
        let source = try TempStore()
        try source.store.db.exec("PRAGMA user_version = \(Migrations.latest - 1)")
        let target = try NewSQLite()
        let error = try #require(throws: StoreError.self) { try StoreCopy.run(from: source.backend, to: target.backend) }
        #expect(error.description.contains("run `warden store migrate` on it first"), "\(error)")
        #expect(!target.exists)
    }

    @Test func aCopyThatFailsPartWayLeavesNoFile() throws {
        let source = try TempStore()
        try CopyFixture.fill(source.store)
        // A value of another type than its column's, written behind Warden's back (calls are not
        // governed, so the journal and the state still verify): the copy stops when it reads it.
        try source.store.db.exec("UPDATE tool_calls SET duration_ms = 'slow' WHERE seq = (SELECT max(seq) FROM tool_calls)")
        let target = try NewSQLite()
        let error = try #require(throws: StoreError.self) { try StoreCopy.run(from: source.backend, to: target.backend, batch: 2) }
        #expect(error.description.contains("tool_calls.duration_ms holds text"), "\(error)")
        #expect(error.description.contains("was not kept (nothing is left there)"), "\(error)")
        #expect(!target.exists && !FileManager.default.fileExists(atPath: target.backend.path + "-wal"))
    }

    @Test(.enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
    func aNonEmptyDatabaseIsRefusedAndAFailedCopyLeavesTheDatabaseEmpty() throws {
        let source = try TempStore()
        try CopyFixture.fill(source.store)
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let c = try PGConnection(ConnectionString(db.uri))
        try c.run("CREATE TABLE notes(t text)")
        let refused = try #require(throws: StoreError.self) { try StoreCopy.run(from: source.backend, to: PostgresBackend(uri: db.uri)) }
        #expect(refused.description.contains("is not empty (it has 1 table)"), "\(refused)")
        func tables() throws -> [String] {
            try c.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1").map { $0.string(0) }
        }
        #expect(try tables() == ["notes"])

        // PostgreSQL text holds no NUL: the copy fails at the last batch, and rolls back whole.
        try c.run("DROP TABLE notes")
        try source.store.db.exec("UPDATE tool_calls SET args = 'a' || char(0) || 'b' WHERE seq = (SELECT max(seq) FROM tool_calls)")
        let failed = try #require(throws: StoreError.self) {
            try StoreCopy.run(from: source.backend, to: PostgresBackend(uri: db.uri), batch: 2)
        }
        #expect(failed.description.contains("tool_calls.args holds text with a NUL character"), "\(failed)")
        #expect(try tables() == [])
    }
}
