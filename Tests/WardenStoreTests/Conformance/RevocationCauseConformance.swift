import Testing
import WardenCore
import WardenStore
import WardenTestSupport

/// Every revoked row names where its revocation started (`revokedBy`): its own revoke, an
/// ancestor's cascade, or its principal's disabling; `authorize` names the same cause.
@Suite("Conformance: revocation causes")
struct RevocationCauseConformance {
    /// Each revoked agent's and credential's cause, by ID.
    func causes(_ s: any FleetStore) throws -> (agents: [String: String], credentials: [String: String]) {
        var agents: [String: String] = [:], credentials: [String: String] = [:]
        for a in try s.agents() where a.revokedAt != nil { agents[a.id] = a.revokedBy }
        for c in try s.credentials(agentID: nil) where c.revokedAt != nil { credentials[c.id] = c.revokedBy }
        return (agents, credentials)
    }

    @Test(arguments: Backends.all)
    func everyRevocationRecordsItsRoot(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let s = t.store
        let f = try SmallFleet(s)
        // All in one millisecond: only the causes tell these revocations apart.
        _ = try s.revokeCredential(f.testerToken.credential.id, m(t0 + 5))
        _ = try s.revokeAgent(f.coder.id, m(t0 + 5))
        _ = try s.disablePrincipal("user:alice@acme.example", m(t0 + 5))
        #expect(try causes(s).agents == [f.coder.id: f.coder.id, f.tester.id: f.coder.id,
                                           f.planner.id: "user:alice@acme.example", f.reporter.id: "user:alice@acme.example"])
        #expect(try causes(s).credentials == [
            f.testerToken.credential.id: f.testerToken.credential.id, f.coderToken.credential.id: f.coder.id,
            f.plannerToken.credential.id: "user:alice@acme.example", f.reporterToken.credential.id: "user:alice@acme.example",
        ])
        #expect(try s.agent(f.tester.id)?.revokedBy == f.coder.id)
        #expect(try s.credential(f.coderToken.credential.id)?.revokedBy == f.coder.id)
        // Each named by where it started, although every row carries the same time stamp.
        let tool = "github/get_repo"
        #expect(try s.authorize(secret: f.testerToken.secret, serverTool: tool, now: t0 + 6).decision == .deny(.credentialRevoked))
        #expect(try s.authorize(secret: f.coderToken.secret, serverTool: tool, now: t0 + 6).decision == .deny(.agentRevoked))
        #expect(try s.authorize(secret: f.plannerToken.secret, serverTool: tool, now: t0 + 6).decision == .deny(.principalDisabled))
        #expect(try s.authorize(secret: f.reporterToken.secret, serverTool: "slack/post_message", now: t0 + 6).decision == .deny(.principalDisabled))
    }

    /// A revoked credential that has also expired is denied for its revocation.
    @Test(arguments: Backends.all)
    func anExpiredCredentialOfARevokedAgentIsDeniedAsRevoked(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let s = t.store
        let f = try SmallFleet(s)
        _ = try s.revokeAgent(f.coder.id, m(t0 + 5))
        let later = t0 + 86_400_000 * 2  // every credential and the planner have expired by now
        #expect(try s.authorize(secret: f.testerToken.secret, serverTool: "github/get_repo", now: later).decision == .deny(.ancestorRevoked))
        #expect(try s.authorize(secret: f.coderToken.secret, serverTool: "github/get_repo", now: later).decision == .deny(.agentRevoked))
        #expect(try s.authorize(secret: f.plannerToken.secret, serverTool: "github/get_repo", now: later).decision == .deny(.credentialExpired))
    }
}
