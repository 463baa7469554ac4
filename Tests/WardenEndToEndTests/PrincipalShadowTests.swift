import Foundation
import Testing

/// A principal may not carry an agent's SPIFFE ID (or a credential ID or secret shape): otherwise
/// `warden revoke AGENT_ID` disabled the lookalike principal and left the agent active.
@Suite("Principal IDs cannot shadow agents")
struct PrincipalShadowTests {
    static func withAgent() throws -> (Sandbox, String) {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:alice@acme.example")
        let id = try s.ok("agent", "register", "bot", "--by", "user:alice@acme.example", "--scopes", "github/*")
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return (s, id)
    }

    @Test func addRefusesAnAgentIDAndRevokeStillReachesTheAgent() throws {
        let (s, agent) = try Self.withAgent()
        let head = try s.ok("audit", "head").stdout
        for id in [agent, "spiffe:x", "tok_abcdef123456", "wdn_abcdef", "team:ops"] {
            let r = try s.run("principal", "add", id, "--kind", "workload", "--name", "lookalike")
            #expect(r.status == 1, "\(id): \(r)")
            #expect(r.stderr.contains("principal ID"), "\(r)")
        }
        #expect(try s.ok("audit", "head").stdout == head, "a refused principal changed the store")
        let revoked = try s.ok("revoke", agent, "--reason", "compromised")
        #expect(revoked.stdout.contains("revoked"), "\(revoked)")
        let shown = try s.ok("agent", "show", agent, "--json").jsonObject()
        #expect(shown["status"] as? String == "revoked")
    }

    @Test func importRefusesAFleetListingALookalikePrincipal() throws {
        let (s, agent) = try Self.withAgent()
        let head = try s.ok("audit", "head").stdout
        let doc = try s.write("fleet.json", #"{"principals":[{"id":"\#(agent)","kind":"workload","name":"lookalike"}]}"#)
        let r = try s.run("import", doc)
        #expect(r.status != 0, "\(r)")
        #expect(r.stderr.contains("principals[0].id"), "\(r)")
        #expect(try s.ok("audit", "head").stdout == head, "a refused import changed the store")
    }
}
