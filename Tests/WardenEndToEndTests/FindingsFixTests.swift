import Foundation
import Testing

/// Every fix `warden findings` prints is complete and runnable as printed: each one, pasted into
/// a shell against a copy of the store, succeeds, and a revoke or narrow makes its finding go.
@Suite("Findings fix commands")
struct FindingsFixTests {
    /// A store with every kind of finding: the sample fleet and its telemetry (escalation, static
    /// credentials, an unregistered agent, a stale instance), a strict policy (deep delegation,
    /// unused scopes), one credential used from two instances, and calls with a revoked one.
    func storeWithEveryFinding() throws -> (Sandbox, [String: String]) {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        try s.ok("ingest", WardenBinary.packageRoot.appendingPathComponent("Samples/events.ndjson").path)
        try s.ok("revoke", "tok_escalator_f00d")
        let agent = { (name: String) in "spiffe://acme.example/agent/\(name)" }
        let lines = [
            #"{"type":"tool_call","time":"2026-11-29T09:00:00.000Z","agent":"\#(agent("issue-labeler/a1c2"))","instance":"labeler-a","credential_id":"tok_labeler_a1c2","server":"github","tool":"get_issue","decision":"allow","result":"ok"}"#,
            #"{"type":"tool_call","time":"2026-11-29T09:00:01.000Z","agent":"\#(agent("issue-labeler/a1c2"))","instance":"labeler-b","credential_id":"tok_labeler_a1c2","server":"github","tool":"get_issue","decision":"allow","result":"ok"}"#,
            #"{"type":"tool_call","time":"2026-11-29T09:00:02.000Z","agent":"\#(agent("ticket-escalator/f00d"))","credential_id":"tok_escalator_f00d","server":"jira","tool":"get_issue","decision":"deny","reason":"credential_revoked"}"#,
        ]
        let events = try s.write("more.ndjson", lines.joined(separator: "\n") + "\n")
        try s.ok("ingest", events)
        let config = s.folder.appendingPathComponent("config/warden")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try "policy.max_depth = 3\npolicy.unused_scopes = 1ms\n".write(to: config.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        return (s, ["XDG_CONFIG_HOME": s.folder.appendingPathComponent("config").path])
    }

    /// The store folder copied whole (file, WAL, modes), for one fix to act on.
    func copy(_ s: Sandbox, _ name: String) throws -> String {
        let from = URL(fileURLWithPath: s.db).deletingLastPathComponent().path
        let to = s.folder.appendingPathComponent("copies/\(name)").path
        try FileManager.default.createDirectory(atPath: s.folder.appendingPathComponent("copies").path, withIntermediateDirectories: true)
        let cp = Process()
        cp.executableURL = URL(fileURLWithPath: "/bin/cp")
        cp.arguments = ["-a", from, to]
        try cp.run()
        cp.waitUntilExit()
        #expect(cp.terminationStatus == 0)
        return to + "/warden.db"
    }

    /// Runs a printed command line through /bin/sh, with `warden` on the PATH.
    func shell(_ s: Sandbox, _ line: String, environment extra: [String: String]) throws -> RunResult {
        let bin = URL(fileURLWithPath: WardenBinary.path).deletingLastPathComponent().path
        var env = ["PATH": bin + ":/usr/bin:/bin", "HOME": s.folder.path, "WARDEN_OPERATOR": "e2e-tester", "LANG": "C.UTF-8"]
        for (k, v) in extra { env[k] = v }
        let out = s.folder.appendingPathComponent("sh-out"), err = s.folder.appendingPathComponent("sh-err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", line]
        p.environment = env
        p.currentDirectoryURL = s.folder
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        p.waitUntilExit()
        return RunResult(status: p.terminationStatus, stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    func findings(_ s: Sandbox, db: String, _ env: [String: String]) throws -> [[String: Any]] {
        let r = try s.run(["--db", db, "findings", "--json"], environment: env, useDB: false)
        #expect(r.status == 0, "\(r)")
        return try r.jsonArray()
    }

    func key(_ f: [String: Any]) -> String { "\(f["kind"] as? String ?? "?") \(f["subject"] as? String ?? "?")" }

    @Test func everyPrintedFixRunsAndClearsItsFinding() throws {
        let (s, env) = try storeWithEveryFinding()
        let all = try findings(s, db: s.db, env)
        let kinds = Set(all.compactMap { $0["kind"] as? String })
        for kind in ["escalation", "static_credential", "shared_credential", "use_after_revoke", "unregistered_agent",
                     "stale_instance", "unused_scopes", "deep_delegation"] {
            #expect(kinds.contains(kind), "the fixture lacks \(kind): \(kinds.sorted())")
        }
        // The table prints the same commands, whole.
        let table = try s.run(["findings"], environment: env)
        #expect(!table.stdout.contains("…"), "\(table.stdout)")

        for (n, f) in all.enumerated() {
            let db = try copy(s, "c\(n)")
            let mine = try #require(try findings(s, db: db, env).first { key($0) == key(f) }, "\(key(f)) on the copy")
            let command = try #require(mine["command"] as? String)
            #expect(!command.contains("…"), "\(command)")
            #expect(command.hasPrefix("warden --db "), "\(command)")
            let r = try shell(s, command, environment: env)
            #expect(r.status == 0, "\(key(f)): `\(command)` failed: \(r)")
            // An investigation shows evidence and changes nothing; a revoke or narrow fixes it.
            let after = try findings(s, db: db, env).map(key)
            if mine["fix"] as? String == "investigate" {
                #expect(after.contains(key(f)), "\(command)")
            } else {
                #expect(!after.contains(key(f)), "`\(command)` left \(key(f))")
            }
        }
    }
}
