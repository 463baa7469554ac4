import Foundation
import Testing

/// Issue: governed state edited with straight SQL went unnoticed by `audit --verify`, `doctor`
/// and `findings`, and `authorize` then allowed what the operator had revoked. Driven through the
/// real binary and the real sqlite3 shell, as the attack was made.
@Suite("State edited outside Warden")
struct StateDriftTests {
    static func shell(_ db: String, _ sql: String) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [db, sql]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: e, as: UTF8.self))
    }

    @Test func straightSQLIsCaughtByVerifyDoctorAndFindingsUntilAccepted() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        try s.ok("revoke", "triage-bot", "--reason", "incident")
        // Telemetry and heartbeats are not governed state: ingesting them leaves the check green.
        try s.ok("ingest", SampleFleet.path.replacingOccurrences(of: "acme-fleet.json", with: "events.ndjson"))
        try s.ok("audit", "--verify")
        try s.ok("doctor")

        // The attack exactly as found: the shell cannot write the governed tables any more.
        let plain = try Self.shell(s.db, "update agents set revoked_at=NULL, scopes='*'; update credentials set revoked_at=NULL")
        #expect(plain.status != 0 && plain.stderr.contains("warden_row_hash"), "\(plain)")
        try s.ok("audit", "--verify")

        // An attacker who knows to drop the triggers first.
        let attack = try Self.shell(s.db, """
            DROP TRIGGER agents_digest_update; DROP TRIGGER credentials_digest_update; DROP TRIGGER credentials_digest_insert;
            UPDATE agents SET revoked_at = NULL, scopes = '*' WHERE name = 'triage-bot';
            INSERT INTO credentials(id, agent_id, secret_hash, scopes, issued_at)
              SELECT 'tok_planted', id, randomblob(32), '*', 0 FROM agents WHERE name = 'triage-bot';
            """)
        #expect(attack.status == 0, "\(attack)")

        let verify = try s.run("audit", "--verify")
        #expect(verify.status == 2, "\(verify)")
        #expect(verify.stdout.contains("state changed outside Warden since record "), "\(verify)")
        #expect(verify.stdout.contains("agent spiffe://acme.example/agent/triage-bot/7f3a"), "\(verify)")
        #expect(verify.stdout.contains("credential tok_planted"), "\(verify)")

        let doctor = try s.run("doctor")
        #expect(doctor.status == 2, "\(doctor)")
        #expect(doctor.stdout.contains("PROBLEM state"), "\(doctor)")

        let findings = try s.run("findings", "--json")
        #expect(findings.status == 0, "\(findings)")
        let drift = try findings.jsonArray().filter { $0["kind"] as? String == "state_drift" }
        #expect(drift.count == 1 && drift.first?["severity"] as? String == "high", "\(findings)")
        #expect((drift.first?["command"] as? String)?.hasSuffix(" audit --verify") == true, "\(drift)")

        // A later operator action does not launder the edit.
        try s.ok("token", "issue", "release-manager", "--ttl", "1h")
        #expect(try s.run("audit", "--verify").status == 2)

        // After investigating, the operator accepts the state as it is: journaled, green again.
        let accept = try s.run("audit", "accept-drift", "--reason", "investigated: restore pending")
        #expect(accept.status == 0, "\(accept)")
        try s.ok("doctor")
        try s.ok("audit", "--verify")
        let journal = try s.run("audit", "--json").jsonArray()
        let last = try #require(journal.last)
        #expect(last["action"] as? String == "state.accept_drift")
        #expect(last["reason"] as? String == "investigated: restore pending")
        #expect(try s.run("audit", "accept-drift", "--reason", "again").status == 2, "nothing left to accept")
    }
}
