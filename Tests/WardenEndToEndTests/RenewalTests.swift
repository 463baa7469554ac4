import Foundation
import Testing

/// `warden token renew` through the real binary: the agent's own exchange of its credential.
@Suite("token renew")
struct RenewalTests {
    /// A store with one agent under a principal and one credential; returns the agent's ID and
    /// the credential's secret.
    func fleet(_ s: Sandbox, grace: String) throws -> (agent: String, secret: String, credential: String) {
        try setPolicy(s, "policy.renew_grace = \(grace)\n")
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:alice@acme.example")
        try s.ok("agent", "register", "triage", "--by", "user:alice@acme.example", "--scopes", "github/*", "--ttl", "8h")
        let agent = try s.ok("agent", "register", "labeler", "--by", "triage", "--scopes", "github/get_*,github/add_labels",
                             "--ttl", "4h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let issued = try s.ok("token", "issue", "labeler", "--ttl", "30m", "--json").jsonObject()
        return (agent, try #require(issued["secret"] as? String), try #require(issued["id"] as? String))
    }

    func setPolicy(_ s: Sandbox, _ text: String) throws {
        let dir = s.folder.appendingPathComponent(".config/warden")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try text.write(to: dir.appendingPathComponent("config"), atomically: true, encoding: .utf8)
    }

    func authorize(_ s: Sandbox, _ secret: String, _ tool: String = "github/get_issue") throws -> String {
        try s.run(["authorize", "--token-env", "T", "--tool", tool], environment: ["T": secret]).stdout
    }

    @Test func newSecretWorksOldOneWorksForTheGraceThenExpires() throws {
        let s = try Sandbox()
        let f = try fleet(s, grace: "10m")
        let r = try s.run(["token", "renew", "--token", "-", "--json"], stdin: f.secret + "\n")
        #expect(r.status == 0, "\(r)")
        let renewed = try r.jsonObject()
        let secret2 = try #require(renewed["secret"] as? String)
        #expect(secret2 != f.secret && secret2.hasPrefix("wdn_"))
        #expect(renewed["renewed_from"] as? String == f.credential)
        #expect(try authorize(s, secret2) == "allow\n")
        // Within the grace the old secret still works (the config's 10m is cut to the default
        // 30s: the caller's config may not loosen renewal limits).
        #expect(try authorize(s, f.secret) == "allow\n")

        // A 1 ms grace: the renewed credential's expiry is known, so the test waits for the
        // clock to pass it (a condition, not a guess) and then sees it denied as expired.
        try setPolicy(s, "policy.renew_grace = 1ms\n")
        let r3 = try s.run(["token", "renew", "--token-env", "T", "--json"], environment: ["T": secret2])
        #expect(r3.status == 0, "\(r3)")
        let third = try r3.jsonObject()
        let secret3 = try #require(third["secret"] as? String)
        let oldExpiry = try #require((third["old_expires_at"] as? String).flatMap(Self.parseTime))
        while Date() <= oldExpiry { usleep(1_000) }
        #expect(try authorize(s, secret2) == "deny: credential_expired\n")
        #expect(try authorize(s, secret3) == "allow\n")

        // The plain form prints the secret alone on stdout.
        let file = try s.write("token", secret3 + "\n")
        chmod(file, 0o600)
        let plain = try s.run("token", "renew", "--token-file", file)
        #expect(plain.status == 0, "\(plain)")
        #expect(plain.stdout.hasPrefix("wdn_") && plain.stdout.filter { $0 == "\n" }.count == 1)
    }

    @Test func narrowerScopesAreHonouredWiderRefused() throws {
        let s = try Sandbox()
        let f = try fleet(s, grace: "30s")
        let wider = try s.run(["token", "renew", "--token", "-", "--scopes", "github/*"], stdin: f.secret)
        #expect(wider.status == 3, "\(wider)")
        #expect(wider.stderr.contains("github/*") && wider.stderr.contains("not held"))
        let longer = try s.run(["token", "renew", "--token", "-", "--ttl", "2h"], stdin: f.secret)
        #expect(longer.status == 3, "\(longer)")
        #expect(longer.stderr.contains("longer than the lifetime"))

        let r = try s.run(["token", "renew", "--token", "-", "--scopes", "github/get_issue", "--json"], stdin: f.secret)
        #expect(r.status == 0, "\(r)")
        let secret2 = try #require(try r.jsonObject()["secret"] as? String)
        #expect(try authorize(s, secret2, "github/get_issue") == "allow\n")
        #expect(try authorize(s, secret2, "github/add_labels") == "deny: out_of_scope\n")
        // A credential renews once: a second exchange of the same secret is refused.
        let again = try s.run(["token", "renew", "--token", "-"], stdin: f.secret)
        #expect(again.status == 3)
        #expect(again.stderr.contains("already renewed"))
    }

    @Test func aRevokedAncestorRefusesRenewal() throws {
        let s = try Sandbox()
        let f = try fleet(s, grace: "30s")
        try s.ok("revoke", "triage", "--reason", "compromised")
        let r = try s.run(["token", "renew", "--token", "-"], stdin: f.secret)
        #expect(r.status == 3, "\(r)")
        #expect(r.stderr.contains("ancestor_revoked"), "\(r)")
        #expect(r.stdout.isEmpty)
        let creds = try s.ok("token", "ls", "--json").jsonArray()
        #expect(creds.count == 1, "nothing was issued")
    }

    @Test func journaledWithTheAgentAsActorAndBoundToTheSameInstance() throws {
        let s = try Sandbox()
        let f = try fleet(s, grace: "30s")
        let r = try s.run(["token", "renew", "--token", "-", "--json", "--reason", "hourly"], stdin: f.secret)
        #expect(r.status == 0, "\(r)")
        let newID = try #require(try r.jsonObject()["id"] as? String)
        let audit = try s.ok("audit", "--json").jsonArray()
        let record = try #require(audit.last)
        #expect(record["action"] as? String == "credential.renew")
        #expect(record["operator"] as? String == f.agent)
        #expect(record["target"] as? String == newID)
        #expect(try s.run("audit", "--verify").status == 0)
        let creds = try s.ok("token", "ls", "--json").jsonArray()
        #expect(creds.contains { $0["id"] as? String == newID && $0["renewed_from"] as? String == f.credential })
    }

    @Test func argvSecretsAreRefused() throws {
        let s = try Sandbox()
        let f = try fleet(s, grace: "30s")
        let r = try s.run("token", "renew", "--token", f.secret)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("--token takes only `-`"))
        #expect(!r.stderr.contains(f.secret))
        #expect(try s.ok("token", "ls", "--json").jsonArray().count == 1)
    }

    @Test func badPolicyNamesFileAndLine() throws {
        let s = try Sandbox()
        _ = try fleet(s, grace: "30s")
        try setPolicy(s, "# renewals\npolicy.renew_grace = soon\n")
        let r = try s.run(["token", "renew", "--token", "-"], stdin: "wdn_x")
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("config:2") && r.stderr.contains("policy.renew_grace"), "\(r)")
    }

    static func parseTime(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }
}
