import Foundation
import Testing

/// Writers killed with SIGKILL at varied moments: the store passes its integrity check and every
/// batch and every cascade is all-or-nothing.
@Suite("Faults", .serialized)
struct FaultTests {
    /// Runs the sqlite3 shell on a store; its output, trimmed.
    static func sql(_ db: String, _ query: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [db, query]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts `warden ARGS` and kills it with SIGKILL after `delayMs`; true if it was killed
    /// (false when it had finished first).
    static func runAndKill(_ args: [String], db: String, folder: URL, delayMs: Int) throws -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: WardenBinary.path)
        p.arguments = ["--db", db] + args
        p.environment = ["PATH": "/usr/bin:/bin", "HOME": folder.path, "WARDEN_OPERATOR": "fault-tester", "LANG": "C.UTF-8"]
        p.currentDirectoryURL = folder
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        usleep(UInt32(delayMs) * 1000)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        return p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL
    }

    static func timed(_ body: () throws -> Void) rethrows -> Int {
        let start = Date()
        try body()
        return Int(Date().timeIntervalSince(start) * 1000)
    }

    /// The checks every store must pass after a kill.
    static func expectSound(_ s: Sandbox, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try sql(s.db, "PRAGMA integrity_check") == "ok", sourceLocation: sourceLocation)
        let doctor = try s.run("doctor", "--json")
        #expect(doctor.status == 0, "\(doctor)", sourceLocation: sourceLocation)
        #expect(try s.run("audit", "--verify").status == 0, sourceLocation: sourceLocation)
    }

    // MARK: batches

    static let ingestLines = 40_000
    static let batch = 1000

    @Test func ingestKilledMidBatchKeepsEveryBatchWhole() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        var rng = SystemRandomNumberGenerator()
        let kills = 24
        // One file per run, each line marked with its run and its number.
        func file(_ run: Int) throws -> String {
            var text = ""
            text.reserveCapacity(Self.ingestLines * 220)
            for n in 1...Self.ingestLines {
                let deny = n % 7 == 0
                text += "{\"type\":\"tool_call\",\"time\":\(1_795_939_200_000 + n * 10),\"agent\":\"triage-bot\",\"server\":\"github\",\"tool\":\"get_issue\",\"decision\":\"\(deny ? "deny" : "allow")\"\(deny ? ",\"reason\":\"out_of_scope\"" : ""),\"duration_ms\":3,\"args\":\"r=\(run) n=\(n) repo=acme/payments issue=#\(n % 9000)\"}\n"
            }
            return try s.write("calls-\(run).ndjson", text)
        }
        // An undisturbed run, to know how long a whole ingest takes.
        let full = try Self.timed { try s.ok("ingest", try file(0)) }
        #expect(try Self.sql(s.db, "SELECT count(*) FROM tool_calls WHERE args LIKE 'r=0 %'") == "\(Self.ingestLines)")
        var killed = 0, partial = 0
        for run in 1...kills {
            let path = try file(run)
            let delay = 20 + Int.random(in: 0...max(40, full), using: &rng)
            if try Self.runAndKill(["ingest", path], db: s.db, folder: s.folder, delayMs: delay) { killed += 1 }
            try Self.expectSound(s)
            let row = try Self.sql(s.db, """
                SELECT count(*), coalesce(max(CAST(substr(args, instr(args, 'n=') + 2, instr(args, ' repo') - instr(args, 'n=') - 2) AS INTEGER)), 0)
                FROM tool_calls WHERE args LIKE 'r=\(run) %'
                """).split(separator: "|").map { Int($0) ?? -1 }
            let (count, highest) = (row[0], row[1])
            if count > 0 && count < Self.ingestLines { partial += 1 }
            // Whole batches only, committed in order: a prefix of the file of whole batches.
            #expect(count % Self.batch == 0 || count == Self.ingestLines, "run \(run): \(count) rows is not whole batches")
            #expect(count == highest, "run \(run): \(count) rows but line \(highest) is in: a batch is missing lines")
        }
        // Per-minute counts are written in the same transaction as their calls.
        #expect(try Self.sql(s.db, "SELECT (SELECT sum(calls) FROM call_minutes) = (SELECT count(*) FROM tool_calls)") == "1")
        #expect(try Self.sql(s.db, "SELECT (SELECT sum(denied) FROM call_minutes) = (SELECT count(*) FROM tool_calls WHERE decision = 'deny')") == "1")
        // How many kills land in flight depends on the machine's load; the property is checked on
        // every run, and at least one kill must have landed for it to mean anything.
        #expect(killed >= 1, "no run was killed in flight (a full run takes \(full) ms)")
        #expect(partial >= 1, "some kills landed between the first and the last batch (\(partial))")
        print("faults: ingest killed \(killed) of \(kills) times (\(partial) mid-file), full run \(full) ms")
    }

    // MARK: cascades

    static let fanOut = 10_000

    @Test func revokeKilledMidCascadeIsAllOrNothing() throws {
        let template = try Sandbox()
        try template.ok("init", "--trust-domain", "acme.example")
        try template.ok("import", SampleFleet.path)
        let root = try template.ok("agent", "register", "fanout-root", "--by", "user:alice@acme.example", "--scopes", "github/get_*")
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // 10,000 delegates with a credential each, in bulk through sqlite3.
        let bulk = Sandbox.dropDigestTriggers + """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(Self.fanOut))
            INSERT INTO agents(id, name, principal_id, parent_id, depth, scopes, created_at, expires_at)
            SELECT 'spiffe://acme.example/agent/leaf-' || i || '/0000', 'leaf-' || i, 'user:alice@acme.example', '\(root)', 2,
                   'github/get_issue', 1795946056383, NULL FROM n;
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(Self.fanOut))
            INSERT INTO credentials(id, agent_id, secret_hash, scopes, issued_at, expires_at)
            SELECT 'tok_leaf_' || i, 'spiffe://acme.example/agent/leaf-' || i || '/0000', randomblob(32), 'github/get_issue',
                   1795946056383, NULL FROM n;
            SELECT count(*) FROM agents WHERE parent_id = '\(root)';
            """
        #expect(try Self.sql(template.db, bulk) == "\(Self.fanOut)")
        try template.acceptFixtureDrift()
        let subtreeAgents = "SELECT count(*) FROM agents WHERE revoked_at IS NOT NULL AND (id = '\(root)' OR parent_id = '\(root)')"
        let subtreeCreds = "SELECT count(*) FROM credentials WHERE revoked_at IS NOT NULL AND agent_id IN (SELECT id FROM agents WHERE parent_id = '\(root)')"
        let otherRevoked = "SELECT count(*) FROM agents WHERE revoked_at IS NOT NULL AND id != '\(root)' AND coalesce(parent_id, '') != '\(root)'"
        let revokeAudits = "SELECT count(*) FROM audit WHERE action LIKE '%revoke%'"
        let baselineOther = try Self.sql(template.db, otherRevoked)

        func copy() throws -> Sandbox {
            let s = try Sandbox()
            let folder = (s.db as NSString).deletingLastPathComponent
            mkdir(folder, 0o700)
            try FileManager.default.copyItem(atPath: template.db, toPath: s.db)
            return s
        }
        // An undisturbed run, to know how long the cascade takes.
        let measured = try copy()
        let full = try Self.timed { try measured.ok("revoke", root, "--yes") }
        #expect(try Self.sql(measured.db, subtreeAgents) == "\(Self.fanOut + 1)")
        #expect(try Self.sql(measured.db, subtreeCreds) == "\(Self.fanOut)")

        var rng = SystemRandomNumberGenerator()
        let kills = 24
        var killed = 0, none = 0, all = 0
        for run in 1...kills {
            let s = try copy()
            // Half the kills anywhere, half in the second half of the run, where the transaction is.
            let delay = 10 + Int.random(in: (run % 2 == 0 ? full / 2 : 0)...max(40, full), using: &rng)
            if try Self.runAndKill(["revoke", root, "--yes", "--reason", "fault run \(run)"], db: s.db, folder: s.folder, delayMs: delay) { killed += 1 }
            try Self.expectSound(s)
            let agents = Int(try Self.sql(s.db, subtreeAgents)) ?? -1
            let creds = Int(try Self.sql(s.db, subtreeCreds)) ?? -1
            let audits = Int(try Self.sql(s.db, revokeAudits)) ?? -1
            if agents == 0 {
                none += 1
                #expect(creds == 0, "run \(run): no agent revoked but \(creds) credentials are")
                #expect(audits == 0, "run \(run): an audit record without its revoke")
            } else {
                all += 1
                #expect(agents == Self.fanOut + 1, "run \(run): \(agents) of \(Self.fanOut + 1) agents revoked: a cascade was cut")
                #expect(creds == Self.fanOut, "run \(run): \(creds) of \(Self.fanOut) credentials revoked")
                #expect(audits >= 1, "run \(run): a revoke without its audit record")
            }
            #expect(try Self.sql(s.db, otherRevoked) == baselineOther, "run \(run): the cascade reached outside the subtree")
        }
        // How many kills land in flight depends on the machine's load; the property is checked on
        // every run above, and at least one kill must have landed for it to mean anything.
        #expect(killed >= 1, "no run was killed in flight (a full run takes \(full) ms)")
        print("faults: revoke killed \(killed) of \(kills) times: \(none) left nothing revoked, \(all) revoked the whole subtree; full run \(full) ms")
    }
}
