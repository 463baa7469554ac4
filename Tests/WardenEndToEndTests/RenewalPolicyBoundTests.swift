import Foundation
import Testing

/// `token renew` is run by the agent, with the agent's own config file: that file may tighten the
/// renewal limits (`policy.max_credential_ttl`, `policy.renew_grace`) but never loosen them.
@Suite("token renew: the caller's config cannot loosen renewal limits")
struct RenewalPolicyBoundTests {
    func setPolicy(_ s: Sandbox, _ text: String) throws {
        let dir = s.folder.appendingPathComponent(".config/warden")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try text.write(to: dir.appendingPathComponent("config"), atomically: true, encoding: .utf8)
    }

    func fleet(_ s: Sandbox, ttl: String) throws -> String {
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:alice@acme.example")
        try s.ok("agent", "register", "bot", "--by", "user:alice@acme.example", "--scopes", "github/*")
        let issued = try s.ok("token", "issue", "bot", "--ttl", ttl, "--json").jsonObject()
        return try #require(issued["secret"] as? String)
    }

    @Test func aLongerMaxTTLInTheCallersConfigDoesNotRenewAStaticCredential() throws {
        let s = try Sandbox()
        let secret = try fleet(s, ttl: "30d")
        try setPolicy(s, "policy.max_credential_ttl = 365d\n")
        let head = try s.ok("audit", "head").stdout
        let file = try s.write("s30", secret + "\n")
        chmod(file, 0o600)
        let r = try s.run("token", "renew", "--token-file", file)
        #expect(r.status == 3, "\(r)")
        #expect(r.stderr.contains("static credential"), "\(r)")
        #expect(r.stdout.isEmpty)
        #expect(try s.ok("audit", "head").stdout == head, "a refused renewal changed the store")
    }

    @Test func aLongerGraceInTheCallersConfigIsCutToTheDefault() throws {
        let s = try Sandbox()
        let secret = try fleet(s, ttl: "1h")
        try setPolicy(s, "policy.renew_grace = 10m\n")
        let r = try s.run(["token", "renew", "--token-env", "T", "--json"], environment: ["T": secret])
        #expect(r.status == 0, "\(r)")
        let renewed = try r.jsonObject()
        let issuedAt = try #require((renewed["issued_at"] as? String).flatMap(RenewalTests.parseTime))
        let oldExpiry = try #require((renewed["old_expires_at"] as? String).flatMap(RenewalTests.parseTime))
        #expect(oldExpiry.timeIntervalSince(issuedAt) <= 30, "grace \(oldExpiry.timeIntervalSince(issuedAt))s")
    }

    @Test func aStricterConfigStillTightens() throws {
        let s = try Sandbox()
        let secret = try fleet(s, ttl: "8h")
        try setPolicy(s, "policy.max_credential_ttl = 1h\n")
        let r = try s.run(["token", "renew", "--token-env", "T"], environment: ["T": secret])
        #expect(r.status == 3, "\(r)")
        #expect(r.stderr.contains("static credential"), "\(r)")
    }
}
