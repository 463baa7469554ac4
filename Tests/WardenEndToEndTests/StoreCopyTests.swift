import Foundation
import Testing

/// `warden store copy FROM TO` through the real binary: a copy reads the same as its source
/// through every `--json` read command, SQLite to SQLite and (with `$WARDEN_TEST_POSTGRES`)
/// SQLite to PostgreSQL and back; and what it refuses, it refuses with the target untouched.
@Suite("store copy")
struct StoreCopyTests {
    /// A store with a bit of everything: the sample fleet and its telemetry, a new delegation,
    /// renewed, revoked and narrowed grants, calls decided and recorded by the hook with outcomes.
    static func richStore(_ s: Sandbox) throws {
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        let samples = WardenBinary.packageRoot.appendingPathComponent("Samples").path
        try s.ok("ingest", samples + "/events.ndjson")
        try s.ok("ingest", "--format", "otlp", samples + "/otel-genai-traces.jsonl")
        try s.ok("agent", "register", "coder", "--by", "dev-assistant", "--scopes", "claude-code/Read,github/get_*", "--ttl", "1h")
        let token = try s.ok("token", "issue", "coder", "--ttl", "30m").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for (event, id) in [(HookTests.pre("Read", #"{"file_path":"/etc/hosts"}"#, id: "toolu_1"), "allow"),
                            (HookTests.post("Read", #"{"file_path":"/etc/hosts"}"#, response: #"{"ok":true}"#, id: "toolu_1"), "outcome"),
                            (HookTests.pre("Bash", #"{"command":"ls"}"#, id: "toolu_2"), "deny")] {
            let r = try HookTests.hook(s, event, token: token)
            #expect(r.status == 0, "\(id): \(r)")
        }
        let renewed = try s.run(["token", "renew", "--token", "-"], stdin: token + "\n")
        #expect(renewed.status == 0, "\(renewed)")
        try s.ok("narrow", "triage-bot", "--drop", "github/add_labels", "--reason", "least privilege", "--yes")
        try s.ok("revoke", "code-review-agent", "--reason", "compromised", "--yes")
        try s.ok("principal", "disable", "workload:ci/deploy", "--yes")
        // Gates: one live with a credential, one revoked with its credential.
        try s.ok("gate", "add", "envoy")
        try s.ok("token", "issue", "--gate", "envoy")
        try s.ok("gate", "add", "kong", "--reason", "trial")
        try s.ok("token", "issue", "--gate", "kong", "--ttl", "2h")
        try s.ok("gate", "revoke", "kong", "--reason", "trial over")
    }

    /// Every `--json` read command, and the words that run it.
    static let readCommands: [[String]] = [
        ["principal", "ls"], ["agent", "ls"], ["agent", "show", "triage-bot"], ["agent", "show", "coder"],
        ["tree"], ["token", "ls"], ["token", "ls", "--active"], ["calls", "--limit", "1000"], ["calls", "--denied"],
        ["calls", "--agent", "coder"], ["audit"], ["audit", "--verify"], ["audit", "head"], ["findings"],
        ["store", "prune", "--dry-run"], ["doctor"], ["gate", "ls"],
    ]

    /// What each read command prints as JSON on `location`, the location itself (and the file's
    /// size, which `doctor` reports) normalized away.
    static func reads(_ s: Sandbox, at location: String, skipping: Set<String> = []) throws -> [String: String] {
        var out: [String: String] = [:]
        for words in readCommands where !skipping.contains(words[0]) {
            let r = try s.run(["--db", location, "--json"] + words, useDB: false)
            #expect(r.status == 0, "\(words) on \(location): \(r)")
            var text = r.stdout.replacingOccurrences(of: location, with: "STORE")
            if words[0] == "store" {  // the retention cut-offs are times of the run
                text = text.replacingOccurrences(of: #""[a-z_]+_before": "[^"]+""#, with: "BEFORE", options: .regularExpression)
            }
            if words == ["doctor"] {
                text = text.replacingOccurrences(of: #"[0-9.]+ (MB|bytes); rows"#, with: "SIZE; rows", options: .regularExpression)
            }
            out[words.joined(separator: " ")] = text
        }
        return out
    }

    static func expectSameReads(_ a: [String: String], _ b: [String: String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.keys.sorted() == b.keys.sorted(), sourceLocation: sourceLocation)
        for (command, text) in a.sorted(by: { $0.key < $1.key }) {
            #expect(text == b[command], "`warden --json \(command)` differs on the copy", sourceLocation: sourceLocation)
        }
    }

    @Test func aSQLiteCopyReadsTheSameThroughEveryCommand() throws {
        let s = try Sandbox()
        try Self.richStore(s)
        let copy = s.folder.appendingPathComponent("copy/warden.db").path
        let r = try s.run(["store", "copy", s.db, copy], useDB: false)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("verified on both ends: journal chain intact, state matches the journal"), "\(r)")
        #expect(r.stdout.contains("tool_calls"), "\(r)")
        Self.expectSameReads(try Self.reads(s, at: s.db), try Self.reads(s, at: copy))
        let agents = try s.run(["--db", copy, "--json", "agent", "ls"], useDB: false).jsonArray()
        #expect(agents.count > 10, "the copy holds the fleet")
    }

    @Test(.enabled(if: testPostgresServer != nil, "WARDEN_TEST_POSTGRES is not set"))
    func aPostgresCopyReadsTheSameAndCopiesBack() throws {
        let db = try TestDatabase(server: testPostgresServer!)
        let s = try Sandbox()
        try Self.richStore(s)
        // A password in the URI (the test server ignores it) is never printed.
        let uri = db.uri(userInfo: "postgres:copy-secret-pw@")
        let there = try s.run(["--json", "store", "copy", s.db, uri], useDB: false)
        #expect(there.status == 0, "\(there)")
        let summary = try there.jsonObject()
        #expect(summary["verified"] as? Bool == true && (summary["to"] as? String)?.contains(":***@") == true, "\(summary)")
        #expect(!(there.stdout + there.stderr).contains("copy-secret-pw"))
        let source = try Self.reads(s, at: s.db)
        // doctor checks each backend's own things (file permissions, the server): compared below, after the way back.
        var onPostgres = try Self.reads(s, at: uri, skipping: ["doctor"])
        for (k, v) in onPostgres {
            // Findings' fix commands name the store as a shell word: a URI comes quoted.
            onPostgres[k] = v.replacingOccurrences(of: PostgresURIText.redacted(uri), with: "STORE").replacingOccurrences(of: "'STORE'", with: "STORE")
        }
        Self.expectSameReads(source.filter { $0.key != "doctor" }, onPostgres)

        let back = s.folder.appendingPathComponent("back/warden.db").path
        let again = try s.run(["store", "copy", uri, back], useDB: false)
        #expect(again.status == 0 && !(again.stdout + again.stderr).contains("copy-secret-pw"), "\(again)")
        Self.expectSameReads(source, try Self.reads(s, at: back))

        // An act on PostgreSQL names the login beside what the operator claimed; that record
        // copies to SQLite with both and its chain verifies there.
        #expect(try s.run(["--db", uri, "principal", "add", "user:zoe@acme.example", "--name", "Zoe"], useDB: false).status == 0)
        let third = s.folder.appendingPathComponent("third/warden.db").path
        let copied = try s.run(["store", "copy", uri, third], useDB: false)
        #expect(copied.status == 0, "\(copied)")
        let last = try #require(try s.run(["--db", third, "--json", "audit"], useDB: false).jsonArray().last)
        #expect(last["operator"] as? String == "postgres" && last["claimed_by"] as? String == "e2e-tester", "\(last)")
        let verify = try s.run(["--db", third, "audit", "--verify"], useDB: false)
        #expect(verify.status == 0 && verify.stdout.contains("intact"), "\(verify)")
    }

    @Test func aTargetThatExistsIsRefusedUntouched() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        let target = try s.write("notes.db", "keep me")
        let r = try s.run(["store", "copy", s.db, target], useDB: false)
        #expect(r.status == 2 && r.stderr.contains("already exists") && r.stderr.contains("left untouched"), "\(r)")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me")
    }

    @Test func aMissingSourceIsRefused() throws {
        let s = try Sandbox()
        let target = s.folder.appendingPathComponent("copy.db").path
        let r = try s.run(["store", "copy", s.db, target], useDB: false)
        #expect(r.status == 2 && r.stderr.contains("no Warden store at \(s.db)"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func aTamperedJournalIsRefusedNamingTheRecord() throws {
        let s = try Sandbox()
        try Self.richStore(s)
        try StoreMigrateTests().sqlite(s.db, "UPDATE audit SET operator = 'someone-else' WHERE seq = 2;")
        let target = s.folder.appendingPathComponent("copy.db").path
        let r = try s.run(["store", "copy", s.db, target], useDB: false)
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("journal at \(s.db) is broken at record 2") && r.stderr.contains("nothing was copied"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test(.enabled(if: testPostgresServer != nil, "WARDEN_TEST_POSTGRES is not set"))
    func aNonEmptyDatabaseIsRefusedUntouched() throws {
        let db = try TestDatabase(server: testPostgresServer!)
        try TestDatabase.psql(db.uri(), "CREATE TABLE notes(t text); INSERT INTO notes VALUES ('keep me')")
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        let r = try s.run(["store", "copy", s.db, db.uri(userInfo: "postgres:copy-secret-pw@")], useDB: false)
        #expect(r.status == 2 && r.stderr.contains("is not empty (it has 1 table)"), "\(r)")
        #expect(!(r.stdout + r.stderr).contains("copy-secret-pw"))
        try TestDatabase.psql(db.uri(), "SELECT 1 FROM notes WHERE t = 'keep me' AND (SELECT count(*) FROM pg_tables WHERE schemaname = 'public') = 1")
    }
}

/// The redaction the binary applies to a URI's password (`user:***@`), for normalizing output.
enum PostgresURIText {
    static func redacted(_ uri: String) -> String {
        uri.replacingOccurrences(of: #"(://[^:/@]+):[^@/]*@"#, with: "$1:***@", options: .regularExpression)
    }
}
