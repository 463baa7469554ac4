import Foundation
import Testing
import WardenCore
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

/// The migration that redacts arguments stored before the rule (issue 11 §4).
@Suite("Redaction migration")
struct RedactionMigrationTests {
    static let secret = "ghp_" + String(repeating: "Zq9", count: 12)

    /// A store as an earlier Warden left it: the schema just before this migration, a call with
    /// a secret in its arguments.
    func oldStore() throws -> TempStore {
        let t = try TempStore()
        let before = try #require(Migrations.all.firstIndex(of: Migrations.redactArguments))
        try t.store.db.exec("""
            INSERT INTO tool_calls(at, agent_id, server, tool, decision, args)
                VALUES (1, 'a', 'github', 'get_issue', 'allow', '{"pwd":"hunter2hunter2","note":"\(Self.secret)"}');
            PRAGMA user_version = \(before);
            """)
        return t
    }

    func pending(_ s: SQLiteStore) throws -> Bool {
        try s.db.prepare("SELECT 1 FROM meta WHERE key = 'vacuum_pending'").first { _ in true } ?? false
    }

    @Test func redactsJournalsAndRewritesTheFile() throws {
        let t = try oldStore()
        let s = try SQLiteStore.open(path: t.path)
        let call = try #require(try s.calls(CallQuery(limit: 10)).first)
        #expect(call.args == #"{"pwd":"[redacted:password]","note":"[redacted:github_token]"}"#)
        let record = try #require(try s.auditRecords(afterSeq: 0, limit: 100).last)
        #expect(record.action == "store.redact_arguments" && record.operatorName == "warden")
        #expect(record.after?.contains(#""redacted_values":2"#) == true, "\(record.after ?? "")")
        #expect(try !pending(s))
        #expect(try s.verifyAudit().isIntact)
    }

    /// A reader holding an old snapshot keeps the old pages alive: the rewrite waits for a later
    /// writable open (and does not hold this one up).
    @Test func aReaderPostponesTheRewrite() throws {
        let t = try oldStore()
        // A reader that never migrates (a plain read-only open may migrate an old store itself).
        let reader = try SQLiteStore.openForInspection(path: t.path)
        try reader.db.exec("BEGIN; SELECT count(*) FROM tool_calls;")
        let s = try SQLiteStore.open(path: t.path)
        #expect(try s.calls(CallQuery(limit: 10)).first?.args?.contains("hunter2") == false)
        #expect(try pending(s))
        try reader.db.exec("COMMIT")
        let again = try SQLiteStore.open(path: t.path)
        #expect(try !pending(again))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: t.path)) + ((try? Data(contentsOf: URL(fileURLWithPath: t.path + "-wal"))) ?? Data())
        #expect(bytes.range(of: Data(Self.secret.utf8)) == nil)
        #expect(try again.auditRecords(afterSeq: 0, limit: 100).filter { $0.action == "store.redact_arguments" }.count == 1)
    }
}
