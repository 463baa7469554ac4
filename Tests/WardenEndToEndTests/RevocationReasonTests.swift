import Foundation
import Testing

/// Why was it denied? Revocation outranks expiry, through the real binary: the operator who
/// just revoked sees "revoked", not "expired".
@Suite("Revocation reasons")
struct RevocationReasonTests {
    @Test func anExpiredTokenOfARevokedAgentIsDeniedAsRevoked() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:alice@acme.example")
        try s.ok("agent", "register", "reader", "--by", "user:alice@acme.example", "--scopes", "postgres/query")
        try s.ok("agent", "register", "helper", "--by", "reader", "--scopes", "postgres/query")
        // Lifetimes of one millisecond: expired by the time the next process runs.
        let reader = try s.ok("token", "issue", "reader", "--ttl", "1ms").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let helper = try s.ok("token", "issue", "helper", "--ttl", "1ms").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        func decide(_ secret: String) throws -> RunResult {
            try s.run(["authorize", "--token-env", "TOKEN", "--tool", "postgres/query"], environment: ["TOKEN": secret])
        }
        #expect(try decide(reader).stdout == "deny: credential_expired\n")

        try s.ok("revoke", "reader")
        let own = try decide(reader), cascaded = try decide(helper)
        #expect(own.status == 3 && own.stdout == "deny: agent_revoked\n", "\(own)")
        #expect(cascaded.status == 3 && cascaded.stdout == "deny: ancestor_revoked\n", "\(cascaded)")
        // Each revoked row names where its revocation started.
        let helperJSON = try s.ok("agent", "show", "helper", "--json").jsonObject()
        #expect((helperJSON["revoked_by"] as? String)?.contains("/agent/reader/") == true, "\(helperJSON)")
    }
}
