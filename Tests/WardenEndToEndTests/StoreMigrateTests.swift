import Foundation
import Testing

/// `warden store migrate` through the real binary: on a SQLite file (migrated as a read-write
/// open migrates it) and, when `$WARDEN_TEST_POSTGRES` names a server, on a PostgreSQL store,
/// where nothing else migrates the schema.
@Suite("store migrate")
struct StoreMigrateTests {
    @Test func sqliteStoreIsMigratedOnceAndANewerOneRefused() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        let current = try s.ok("store", "migrate", "--json").jsonObject()
        let latest = try #require(current["to"] as? Int)
        #expect(current["from"] as? Int == latest && current["migrated"] as? Bool == false, "\(current)")

        // As an older Warden left it: the last migration not applied yet.
        try sqlite(s.db, "DELETE FROM meta WHERE key = 'vacuum_pending'; PRAGMA user_version = \(latest - 1);")
        let migrated = try s.ok("store", "migrate").stdout
        #expect(migrated.contains("from schema version \(latest - 1) to \(latest)"), "\(migrated)")
        #expect(try s.ok("store", "migrate").stdout.contains("nothing to migrate"))
        #expect(try s.run("audit", "--verify").status == 0)

        try sqlite(s.db, "PRAGMA user_version = \(latest + 2);")
        let refused = try s.run("store", "migrate")
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.stderr.contains("schema \(latest + 2)") && refused.stderr.contains("knows \(latest)"), "\(refused)")
    }

    @Test(.enabled(if: testPostgresServer != nil, "WARDEN_TEST_POSTGRES is not set"))
    func postgresStoreIsCurrentAfterInitAndTwoVersionsAheadRefused() throws {
        let db = try TestDatabase(server: testPostgresServer!)
        let s = try Sandbox()
        // A password in the URI (the local server ignores it) must not be printed.
        let env = ["WARDEN_DB": db.uri(userInfo: "postgres:migrate-secret@")]
        func run(_ args: String...) throws -> RunResult { try s.run(args, environment: env, useDB: false) }

        #expect(try run("init", "--trust-domain", "acme.example").status == 0)
        let current = try run("store", "migrate", "--json")
        #expect(current.status == 0, "\(current)")
        let json = try current.jsonObject()
        let latest = try #require(json["to"] as? Int)
        #expect(json["from"] as? Int == latest && json["migrated"] as? Bool == false, "\(json)")
        let text = try run("store", "migrate")
        #expect(text.status == 0 && text.stdout.contains("schema version \(latest), this Warden's: nothing to migrate"), "\(text)")
        #expect(!(current.stdout + text.stdout + text.stderr).contains("migrate-secret"))

        try TestDatabase.psql(db.uri(), "UPDATE meta SET value = '\(latest + 2)' WHERE key = 'schema_version'")
        let refused = try run("store", "migrate")
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.stderr.contains("version \(latest + 2)") && refused.stderr.contains("(version \(latest))"), "\(refused)")
        let opened = try run("agent", "ls")
        #expect(opened.status == 2 && opened.stderr.contains("more than one ahead"), "\(opened)")
        #expect(!(refused.stderr + opened.stderr).contains("migrate-secret"))
    }

    /// Runs the sqlite3 shell on a store, behind Warden's back.
    @discardableResult
    func sqlite(_ path: String, _ sql: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [path, sql]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "sqlite3 \(sql)")
        return String(decoding: data, as: UTF8.self)
    }
}
