import Foundation
import Testing

/// `--db` naming something that is not a Warden store (issue 11 §5): another application's
/// SQLite file is refused byte-for-byte untouched, a FIFO or other non-regular file is refused
/// before it is opened, and a store from before the application id is recognised and stamped.
@Suite("bad stores", .serialized)
struct BadStoreTests {
    static let readCommands: [[String]] = [["agent", "ls"], ["tree"], ["doctor"], ["audit", "--verify"], ["findings"], ["calls"]]
    static let writeCommands: [[String]] = [
        ["principal", "add", "user:eve@acme.example"],
        ["revoke", "tok_anything_at_all"],
        ["import", "-"],
        ["ingest", "-"],
    ]

    /// Runs the sqlite3 shell; its output, trimmed.
    static func sqlite(_ db: String, _ sql: String) throws -> String { try FaultTests.sql(db, sql) }

    @Test(arguments: [
        "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES ('keep me');",
        "PRAGMA application_id = 1234; CREATE TABLE agents(id TEXT); INSERT INTO agents VALUES ('x');",
        // Warden's table names without its schema version: still not a Warden store.
        "CREATE TABLE meta(k); CREATE TABLE principals(k); CREATE TABLE agents(k); CREATE TABLE instances(k); CREATE TABLE credentials(k); CREATE TABLE audit(k);",
    ])
    func anotherApplicationsFileIsLeftByteForByte(schema: String) throws {
        let s = try Sandbox()
        let path = s.folder.appendingPathComponent("other-app.db").path
        _ = try Self.sqlite(path, schema)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let fleet = try SampleFleet.text()
        for args in Self.readCommands + Self.writeCommands {
            let r = try s.run(["--db", path] + args, stdin: args.last == "-" ? (args[0] == "import" ? fleet : "") : nil, useDB: false)
            #expect(r.status == 2, "\(args): \(r)")
            // `doctor` reports on stdout, as one of its checks.
            let said = r.stderr + r.stdout
            #expect(said.contains("not a Warden store") || said.contains("another application"), "\(args): \(r)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "\(args) changed the file")
        }
        let siblings = try FileManager.default.contentsOfDirectory(atPath: s.folder.path).filter { $0.hasPrefix("other-app.db-") }
        #expect(siblings.isEmpty, "no -wal or -shm was made: \(siblings)")
    }

    @Test func aFIFOIsRefusedWithoutHanging() throws {
        let s = try Sandbox()
        let fifo = s.folder.appendingPathComponent("pipe.db").path
        #expect(mkfifo(fifo, 0o600) == 0)
        for args in Self.readCommands + [["principal", "add", "user:eve@acme.example"]] {
            // A regression would block in open(2) on the FIFO: the wait kills it and records it.
            let p = try SpawnedWarden(["--db", fifo] + args, environment: ["PATH": "/usr/bin:/bin", "HOME": s.folder.path], in: s.folder)
            let r = p.wait(seconds: 30)
            #expect(r.status == 2, "\(args): \(r)")
            #expect((r.stderr + r.stdout).contains("FIFO"), "\(args): \(r)")
        }
    }

    @Test func aFolderIsRefused() throws {
        let s = try Sandbox()
        let r = try s.run(["--db", s.folder.path, "agent", "ls"], useDB: false)
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("folder"), "\(r)")
    }

    @Test func initStampsTheApplicationID() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        #expect(try Self.sqlite(s.db, "PRAGMA application_id") == "1464095310")
    }

    @Test func aStoreFromBeforeTheIDIsRecognisedAndStamped() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        _ = try Self.sqlite(s.db, "PRAGMA application_id = 0")
        #expect(try Self.sqlite(s.db, "PRAGMA application_id") == "0")
        // Read commands open it read-only and leave it as it is.
        #expect(try s.ok("agent", "ls", "--json").jsonArray().count > 5)
        #expect(try Self.sqlite(s.db, "PRAGMA application_id") == "0")
        // The first write open stamps it.
        try s.ok("principal", "add", "user:carol@acme.example")
        #expect(try Self.sqlite(s.db, "PRAGMA application_id") == "1464095310")
        try s.ok("doctor")
    }
}
