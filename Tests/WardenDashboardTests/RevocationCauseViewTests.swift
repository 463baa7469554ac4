import Testing
import TerminalUI
import WardenCore
@testable import WardenDashboard

/// The detail panes name where a cascaded revocation started, from the cause each revoked row
/// records (not from rows sharing a time stamp).
@Suite("Revocation cause in detail panes")
struct RevocationCauseViewTests {
    func text(_ lines: [Line]) -> String { lines.map { $0.spans.map(\.text).joined() }.joined(separator: "\n") }

    @Test func detailPanesNameTheCascade() {
        var agents = Fixture.agents
        var credentials = Fixture.credentials
        let root = Fixture.id("triage-bot"), labeler = Fixture.id("issue-labeler")
        // Both revoked in the same millisecond; only the recorded causes tell them apart.
        for i in agents.indices where agents[i].id == root || agents[i].id == labeler {
            agents[i].revokedAt = Fixture.now - 1_000
            agents[i].revokedBy = root
        }
        for i in credentials.indices where credentials[i].id == "tok_label01" {
            credentials[i].revokedAt = Fixture.now - 1_000
            credentials[i].revokedBy = root
        }
        let snap = FleetSnapshot(trustDomain: "acme.example", principals: Fixture.principals, agents: agents, credentials: credentials,
                                 instances: Fixture.instances, calls: [], minutes: [], audit: [], auditState: Fixture.snapshot().auditState,
                                 counter: 1, loadedAt: Fixture.now)
        var s = Fixture.state()
        _ = Update.update(&s, .snapshot(snap, findings: []))
        #expect(text(DetailPane.agent(s, labeler)).contains("cause      cascade from revoking triage-bot (\(root))"))
        #expect(!text(DetailPane.agent(s, root)).contains("cause"), "revoked itself: no cascade to name")
        #expect(text(DetailPane.credential(s, "tok_label01")).contains("cascade from revoking triage-bot"))
        #expect(!text(DetailPane.credential(s, "tok_triage01")).contains("cause"))
    }
}
