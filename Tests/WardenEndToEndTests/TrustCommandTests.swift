import Foundation
import Testing

/// `warden findings` and `warden doctor` on the sample fleet.
@Suite("Findings and doctor")
struct TrustCommandTests {
    func fleet() throws -> Sandbox {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        return s
    }

    @Test func findingsOnTheSampleFleet() throws {
        let s = try fleet()
        let r = try s.run("findings", "--json")
        #expect(r.status == 0, "\(r)")
        let all = try r.jsonArray()
        let escalations = all.filter { $0["kind"] as? String == "escalation" }
        #expect(escalations.count == 1)
        #expect((escalations.first?["subject"] as? String)?.contains("/agent/ticket-escalator/") == true)
        #expect(escalations.first?["severity"] as? String == "high")
        #expect(escalations.first?["fix"] as? String == "narrow")
        let statics = all.filter { $0["kind"] as? String == "static_credential" }.compactMap { $0["subject"] as? String }
        #expect(statics.contains("tok_ci_deploy_static"), "\(statics)")
        for f in all {
            for key in ["severity", "kind", "subject_kind", "subject", "explanation", "fix", "command"] {
                #expect(f[key] is String, "\(key) in \(f)")
            }
        }
        // The table names the same things; exit 0 even with findings.
        let text = try s.ok("findings").stdout
        #expect(text.hasPrefix("SEVERITY  KIND"))
        #expect(text.contains("ticket-escalator is granted postgres/query"))

        // Fixing it clears it.
        try s.ok("narrow", "ticket-escalator", "--drop", "postgres/query")
        let after = try s.run("findings", "--json").jsonArray()
        #expect(!after.contains { $0["kind"] as? String == "escalation" })
        try s.ok("revoke", "tok_ci_deploy_static")
        #expect(!(try s.run("findings", "--json").jsonArray()).contains { $0["subject"] as? String == "tok_ci_deploy_static" })
    }

    @Test func findingsFollowThePolicyInTheConfigFile() throws {
        let s = try fleet()
        let config = s.folder.appendingPathComponent("config/warden")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        let env = ["XDG_CONFIG_HOME": s.folder.appendingPathComponent("config").path]
        #expect(!(try s.run(["findings", "--json"], environment: env).jsonArray()).contains { $0["kind"] as? String == "deep_delegation" })
        try "# stricter\npolicy.max_depth = 2\n".write(to: config.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        let deep = try s.run(["findings", "--json"], environment: env).jsonArray().filter { $0["kind"] as? String == "deep_delegation" }
        #expect(!deep.isEmpty)
        try "policy.max_depth = 2\npolicy.stale_instance = soon\n".write(to: config.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        let bad = try s.run(["findings"], environment: env)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("config/warden/config:2"), "\(bad.stderr)")
    }

    @Test func doctorReportsEachCheck() throws {
        let s = try fleet()
        let ok = try s.run("doctor")
        #expect(ok.status == 0, "\(ok)")
        for name in ["permissions", "schema", "integrity", "journal"] {
            #expect(ok.stdout.contains { _ in true } && ok.stdout.split(separator: "\n").contains { $0.hasPrefix("ok") && $0.contains(name) }, "\(name): \(ok.stdout)")
        }
        chmod(s.db, 0o666)
        let bad = try s.run("doctor", "--json")
        #expect(bad.status == 2)
        let doc = try bad.jsonObject()
        #expect(doc["ok"] as? Bool == false)
        let checks = doc["checks"] as? [[String: Any]] ?? []
        let perm = checks.first { $0["name"] as? String == "permissions" }
        #expect(perm?["ok"] as? Bool == false)
        #expect((perm?["detail"] as? String)?.contains("chmod 600 \(s.db)") == true)
        #expect(checks.first { $0["name"] as? String == "integrity" }?["ok"] as? Bool == true, "the other checks still ran")
        // Every other command refuses the store and says how to fix it.
        let refused = try s.run("agent", "ls")
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("chmod 600 \(s.db)"), "\(refused.stderr)")
        // Follow the advice: SQLite gives the -wal and -shm files the store's mode, so fix them too.
        for p in [s.db, s.db + "-wal", s.db + "-shm"] { chmod(p, 0o600) }
        let fixed = try s.run("doctor")
        #expect(fixed.status == 0, "\(fixed)")
        #expect(try s.run(["doctor", "--db", s.folder.appendingPathComponent("none.db").path], useDB: false).status == 2)
    }
}
