import Foundation
import Testing
import WardenCore
import WardenTestSupport
@testable import WardenStore

/// `authorize` reads only what a decision needs and keeps parsed scope text between calls: it
/// must decide exactly as the full rows do, and see every change on the very next call.
@Suite("Store authorization")
struct AuthorizeStoreTests {
    static let tools = ["github/get_repo", "github/create_issue", "github/get_issue", "slack/post_message", "jira/get_issue", "x/y"]

    /// The reference: the decision on the full rows, read the general way.
    func reference(_ s: any FleetStore, _ token: IssuedCredential, _ tool: String, now: Timestamp) throws -> Authorization.Decision {
        let cred = try s.credentials(agentID: token.credential.agentID).first { $0.id == token.credential.id }
        let chain = try s.chain(of: token.credential.agentID)
        let principal = try chain.last.flatMap { try s.principal($0.principalID) }
        let (server, name) = Authorization.splitTool(tool)!
        return Authorization.decide(credential: cred, chain: chain, principal: principal, server: server, tool: name, now: now)
    }

    func expectSame(_ s: any FleetStore, _ tokens: [IssuedCredential], at times: [Timestamp],
                    sourceLocation: SourceLocation = #_sourceLocation) throws {
        for token in tokens {
            // The chain read once (what a `tools/list` is checked against) decides every tool as
            // the full rows do; nothing is pinned here, so no tool's pin facts say anything.
            for now in times {
                let c = try s.standing(secret: token.secret, now: now)
                #expect(c.credentialID == token.credential.id && c.agentID == token.credential.agentID
                        && c.instanceID == token.credential.instanceID, sourceLocation: sourceLocation)
                for tool in Self.tools {
                    let (server, name) = Authorization.splitTool(tool)!
                    #expect(c.standing.decide(server: server, tool: name) == (try reference(s, token, tool, now: now)),
                            "standing: \(token.credential.agentID) \(tool) at \(now)", sourceLocation: sourceLocation)
                }
            }
            for tool in Self.tools {
                for now in times {
                    let out = try s.authorize(secret: token.secret, serverTool: tool, now: now)
                    #expect(out.decision == (try reference(s, token, tool, now: now)),
                            "\(token.credential.agentID) \(tool) at \(now)", sourceLocation: sourceLocation)
                    #expect(out.credentialID == token.credential.id, sourceLocation: sourceLocation)
                    #expect(out.agentID == token.credential.agentID, sourceLocation: sourceLocation)
                    #expect(out.instanceID == token.credential.instanceID, sourceLocation: sourceLocation)
                }
            }
        }
    }

    @Test(arguments: Backends.all)
    func decidesAsTheFullRowsDoThroughEveryChange(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let s = t.store
        let f = try SmallFleet(s)
        let scoped = try s.issueCredential(agentID: f.coder.id, ttlMs: 120_000, scopes: scopes("github/get_*"), instanceID: nil, m())
        let tokens = [f.plannerToken, f.coderToken, f.testerToken, f.reporterToken, scoped]
        let times = [t0 + 1, t0 + 200_000, t0 + 700_000, t0 + 4_000_000, t0 + 90_000_000]
        try expectSame(s, tokens, at: times)
        let nobody = try s.standing(secret: "wdn_matches-no-credential", now: t0 + 1)
        #expect(nobody.standing.decide(server: "github", tool: "get_repo") == .deny(.unknownCredential) && nobody.credentialID == nil)
        _ = try s.narrow(agentID: f.planner.id, .drop(scopes("slack/*")), m(t0 + 10))
        try expectSame(s, tokens, at: times)
        _ = try s.revokeCredential(f.coderToken.credential.id, m(t0 + 20))
        try expectSame(s, tokens, at: times)
        _ = try s.revokeAgent(f.coder.id, m(t0 + 30))
        try expectSame(s, tokens, at: times)
        _ = try s.disablePrincipal("user:alice@acme.example", m(t0 + 40))
        try expectSame(s, tokens, at: times)
    }

    @Test(arguments: Backends.all)
    func aNarrowOrRevokeByAnotherConnectionBitesOnTheVeryNextCall(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let f = try SmallFleet(t.store)
        let operatorSide = t.store
        let gate = try t.backend.open(for: .gate)  // as `warden mcp-proxy` holds its own connection
        func decide(_ token: IssuedCredential, _ tool: String) throws -> Authorization.Decision {
            try gate.authorize(secret: token.secret, serverTool: tool, now: t0 + 1).decision
        }
        // Warm every cache the gate has with these rows and their scope texts.
        for _ in 0..<3 {
            #expect(try decide(f.testerToken, "github/get_repo") == .allow)
            #expect(try decide(f.coderToken, "github/create_issue") == .allow)
            #expect(try decide(f.reporterToken, "slack/post_message") == .allow)
        }
        // The coder narrowed to a scope text the gate has already parsed (the tester's grant).
        _ = try operatorSide.narrow(agentID: f.coder.id, .keep(scopes("github/get_*")), m(t0 + 2))
        #expect(try decide(f.coderToken, "github/create_issue") == .deny(.outOfScope))
        #expect(try decide(f.coderToken, "github/get_issue") == .allow)
        #expect(try decide(f.testerToken, "github/get_repo") == .allow)
        _ = try operatorSide.narrow(agentID: f.coder.id, .keep(scopes("github/get_issue")), m(t0 + 3))
        #expect(try decide(f.testerToken, "github/get_repo") == .deny(.outOfScope))
        #expect(try decide(f.testerToken, "github/get_issue") == .allow)

        _ = try operatorSide.revokeCredential(f.reporterToken.credential.id, m(t0 + 4))
        #expect(try decide(f.reporterToken, "slack/post_message") == .deny(.credentialRevoked))
        _ = try operatorSide.revokeAgent(f.coder.id, m(t0 + 5))
        #expect(try decide(f.coderToken, "github/get_issue") == .deny(.agentRevoked))
        #expect(try decide(f.testerToken, "github/get_issue") == .deny(.ancestorRevoked))
        #expect(try decide(f.plannerToken, "github/get_issue") == .allow)
        _ = try operatorSide.disablePrincipal("user:alice@acme.example", m(t0 + 6))
        #expect(try decide(f.plannerToken, "github/get_issue") == .deny(.principalDisabled))

        // The same holds on one connection that both mutates and authorizes.
        let t2 = try backend.makeStore()
        let g = try SmallFleet(t2.store)
        #expect(try t2.store.authorize(secret: g.testerToken.secret, serverTool: "github/get_repo", now: t0 + 1).decision == .allow)
        _ = try t2.store.narrow(agentID: g.tester.id, .keep(scopes("github/get_issue")), m(t0 + 2))
        #expect(try t2.store.authorize(secret: g.testerToken.secret, serverTool: "github/get_repo", now: t0 + 1).decision == .deny(.outOfScope))
        _ = try t2.store.revokeAgent(g.tester.id, m(t0 + 3))
        #expect(try t2.store.authorize(secret: g.testerToken.secret, serverTool: "github/get_issue", now: t0 + 1).decision == .deny(.agentRevoked))
    }

    @Test func theReusedHasherAgreesWithTheOneShotDigest() {
        let h = SHA256Hasher()
        for text in ["", "wdn_abc", String(repeating: "x", count: 1000), "é⚠️ unicode"] {
            h.hash(text)
            #expect(Array(UnsafeBufferPointer(start: h.digest, count: 32)) == Secrets.sha256(text))
        }
    }
}
