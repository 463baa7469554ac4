import Foundation
import Testing

/// Issue 11 §4 against the real binary: the corpus of fake, real-shaped secrets
/// (Tests/Support/Redaction/secrets.tsv) goes in through every path that records tool-call
/// arguments; none of them may be found in the store file, its WAL, or anything printed.
@Suite("Secret sprawl", .serialized)
struct SecretSprawlTests {
    static let triage = "spiffe://acme.example/agent/triage-bot/7f3a"

    static func corpus() throws -> [(secret: String, args: String)] {
        let path = WardenBinary.packageRoot.appendingPathComponent("Tests/Support/Redaction/secrets.tsv").path
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            if line.hasPrefix("#") { return nil }
            let parts = line.split(separator: "\t", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
    }

    func fleet() throws -> Sandbox {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        return s
    }

    /// Every secret is absent from the store's bytes (file and WAL, before anything checkpoints
    /// it away) and from everything the commands printed.
    func expectNoSecret(_ s: Sandbox, _ corpus: [(secret: String, args: String)], printed: String,
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        var bytes = Data()
        for suffix in ["", "-wal"] {
            if let d = try? Data(contentsOf: URL(fileURLWithPath: s.db + suffix)) { bytes.append(d) }
        }
        let calls = try s.ok("calls", "--limit", "100000", "--json").stdout + s.ok("calls", "--limit", "100000").stdout
        for (secret, _) in corpus {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is in the store file or its WAL", sourceLocation: sourceLocation)
            #expect(!printed.contains(secret) && !calls.contains(secret), "\(secret) was printed", sourceLocation: sourceLocation)
        }
        #expect(calls.contains("[redacted:"), sourceLocation: sourceLocation)
    }

    /// NDJSON `args` as an object and as a string.
    @Test func ndjsonArgumentsAreRedacted() throws {
        let corpus = try Self.corpus()
        #expect(corpus.count >= 30)
        let s = try fleet()
        var lines = ""
        for (i, (_, args)) in corpus.enumerated() {
            let asString = String(decoding: try JSONSerialization.data(withJSONObject: args, options: [.fragmentsAllowed]), as: UTF8.self)
            for (k, value) in [args, asString].enumerated() {
                lines += #"{"type":"tool_call","time":\#(1_795_939_200_000 + i * 2 + k),"agent":"\#(Self.triage)","server":"github","tool":"get_issue","decision":"allow","args":\#(value)}"# + "\n"
            }
        }
        let file = try s.write("secrets.ndjson", lines)
        let r = try s.run("ingest", file)
        #expect(r.status == 0, "\(r)")
        try expectNoSecret(s, corpus, printed: r.stdout + r.stderr)
        let calls = try s.ok("calls", "--limit", "1000", "--json").jsonArray()
        #expect(calls.count == corpus.count * 2)
    }

    /// OTLP `gen_ai.tool.call.arguments` as a JSON string and as a kvlist.
    @Test func otlpArgumentsAreRedacted() throws {
        let corpus = try Self.corpus()
        let s = try fleet()
        var lines = ""
        for (i, (_, args)) in corpus.enumerated() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(args.utf8)) as? [String: Any])
            let asString = String(decoding: try JSONSerialization.data(withJSONObject: args, options: [.fragmentsAllowed]), as: UTF8.self)
            let values: [String] = [#"{"stringValue":\#(asString)}"#, Self.anyValue(object)]
            for (k, value) in values.enumerated() {
                let id = String(format: "%016x", 0x1000 + i * 2 + k)
                let start = (1_795_939_200_000 + Int64(i * 2 + k)) * 1_000_000
                lines += #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"triage-bot"}}]},"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"\#(id)","name":"execute_tool get_issue","startTimeUnixNano":"\#(start)","endTimeUnixNano":"\#(start + 1_000_000)","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"execute_tool"}},{"key":"gen_ai.tool.name","value":{"stringValue":"github/get_issue"}},{"key":"gen_ai.agent.id","value":{"stringValue":"\#(Self.triage)"}},{"key":"gen_ai.tool.call.arguments","value":\#(value)}]}]}]}]}"# + "\n"
            }
        }
        let file = try s.write("secrets.jsonl", lines)
        let r = try s.run("ingest", file, "--format", "otlp")
        #expect(r.status == 0, "\(r)")
        try expectNoSecret(s, corpus, printed: r.stdout + r.stderr)
        #expect(try s.ok("calls", "--limit", "1000", "--json").jsonArray().count == corpus.count * 2)
    }

    /// `warden authorize --record --args JSON`, allowed and denied.
    @Test func authorizeRecordArgumentsAreRedacted() throws {
        let corpus = try Self.corpus()
        let s = try fleet()
        let token = try s.ok("token", "issue", "triage-bot", "--ttl", "10m").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var printed = ""
        for (_, args) in corpus {
            for tool in ["github/get_issue", "github/delete_repo"] {
                let r = try s.run(["authorize", "--token-env", "T", "--tool", tool, "--record", "--args", args, "--json"],
                                  environment: ["T": token])
                #expect(r.status == 0 || r.status == 3, "\(r)")
                printed += r.stdout + r.stderr
            }
        }
        try expectNoSecret(s, corpus, printed: printed)
        #expect(try s.ok("calls", "--limit", "1000", "--json").jsonArray().count == corpus.count * 2)
        let bad = try s.run(["authorize", "--token-env", "T", "--tool", "github/get_issue", "--record", "--args", "{oops"],
                            environment: ["T": token])
        #expect(bad.status != 0 && bad.stderr.contains("--args must be JSON"), "\(bad)")
    }

    /// A store written before the rule (arguments verbatim) is redacted on its first writable
    /// open: the secrets leave the file and the WAL, and the journal says how many.
    @Test func migrationRedactsWhatIsAlreadyStored() throws {
        let corpus = try Self.corpus()
        let s = try fleet()
        // The schema just before the redaction migration (version 8; migrations are append-only,
        // so later ones run after it on the same open).
        let beforeRedaction = 7
        // As a SQLite built without SECURE_DELETE writes (Debian's zeroes deleted content).
        var sql = "PRAGMA secure_delete = OFF; BEGIN;"
        for (i, (_, args)) in corpus.enumerated() {
            let quoted = "'" + args.replacingOccurrences(of: "'", with: "''") + "'"
            sql += "INSERT INTO tool_calls(at, agent_id, server, tool, decision, args) VALUES (\(1_795_939_200_000 + i), '\(Self.triage)', 'github', 'get_issue', 'allow', \(quoted));"
        }
        // Rows deleted earlier leave their text in free pages: only a rewrite of the file removes it.
        sql += "CREATE TABLE old_calls AS SELECT * FROM tool_calls; DROP TABLE old_calls;"
        sql += "DELETE FROM meta WHERE key = 'vacuum_pending'; PRAGMA user_version = \(beforeRedaction); COMMIT;"
        _ = try sqlite(s.db, sql)
        let before = try Data(contentsOf: URL(fileURLWithPath: s.db))
        #expect(corpus.contains { before.range(of: Data($0.secret.utf8)) != nil }, "the old store holds the secrets verbatim")

        // Any write command migrates (here: a principal added).
        let r = try s.run("principal", "add", "user:zed@acme.example", "--name", "Zed")
        #expect(r.status == 0, "\(r)")
        try expectNoSecret(s, corpus, printed: r.stdout + r.stderr)
        let audit = try s.ok("audit", "--json").jsonArray()
        let record = try #require(audit.first { $0["action"] as? String == "store.redact_arguments" }, "\(audit)")
        let after = "\(record["after"] ?? "")"
        #expect(after.contains("\"calls_changed\":\(corpus.count)"), "\(after)")
        #expect(try s.run("audit", "--verify").status == 0)
        // Migrated once: a second write adds no second record.
        try s.ok("principal", "add", "user:amy@acme.example", "--name", "Amy")
        #expect(try s.ok("audit", "--json").jsonArray().filter { $0["action"] as? String == "store.redact_arguments" }.count == 1)
    }

    /// Runs the sqlite3 shell on a store (behind Warden's back, as an older Warden's file would be).
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

    /// An OTLP AnyValue for a JSON object (kvlist, nested).
    static func anyValue(_ v: Any) -> String {
        switch v {
        case let d as [String: Any]:
            let kv = d.keys.sorted().map { #"{"key":\#(quote($0)),"value":\#(anyValue(d[$0]!))}"# }
            return #"{"kvlistValue":{"values":[\#(kv.joined(separator: ","))]}}"#
        case let a as [Any]:
            return #"{"arrayValue":{"values":[\#(a.map(anyValue).joined(separator: ","))]}}"#
        case let n as NSNumber:
            return #"{"intValue":"\#(n.int64Value)"}"#
        default:
            return #"{"stringValue":\#(quote("\(v)"))}"#
        }
    }

    static func quote(_ s: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: s, options: [.fragmentsAllowed]), as: UTF8.self)
    }
}
