import Testing
import TerminalUI
import WardenCore
@testable import WardenDashboard

/// The Audit view says when the governed state no longer matches the journal, and a
/// `state_drift` finding's Enter leads there.
@Suite("State drift in the dashboard")
struct StateDriftViewTests {
    @Test func theAuditViewShowsTheDriftAndFindingsLeadThere() {
        var s = Fixture.state()
        var snap = Fixture.snapshot(counter: 2)
        let drift = StateCheck.drifted(sinceRecord: 2, rows: ["agent \(Fixture.id("deployer"))"], detail: "the tables no longer add up to the digest Warden keeps")
        snap.stateCheck = drift
        var findings = Fixture.findings(snap)
        findings.insert(Finding(kind: .stateDrift, severity: .high, subject: .store("store"), explanation: drift.summary, fix: .investigate, agentID: nil, command: ["audit", "--verify"]), at: 0)
        _ = Update.update(&s, .snapshot(snap, findings: findings))
        _ = s.type("6")
        #expect(s.view == .audit)
        #expect(s.screen.contains { $0.contains("✗ state changed outside Warden since record 2") }, "\(s.screen.joined(separator: "\n"))")
        _ = s.type("5")
        #expect(s.screen.contains { $0.contains("state_drift") })
        _ = s.press(.enter)
        #expect(s.view == .audit)
    }
}
