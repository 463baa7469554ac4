import Testing
import TerminalUI
import WardenCore
@testable import WardenDashboard

/// On PostgreSQL a journal record's operator is the login and the name the operator gave is
/// recorded beside it: the Audit view shows both, in the list and in the record's detail.
struct AuditActorTests {
    @Test func aClaimShowsBesideTheLogin() {
        var s = DashboardState(now: Fixture.now, width: 120, height: 40, readOnly: false, operatorName: "alice",
                               storeLocation: "postgresql:///warden", theme: .builtin)
        var snap = Fixture.snapshot()
        snap.audit[1].operatorName = "ci_login"
        snap.audit[1].claimedBy = "bob"
        _ = Update.update(&s, .snapshot(snap, findings: []))
        Update.switchView(&s, .audit)
        #expect(s.screen.contains { $0.contains("ci_login (as") && $0.contains("agent.revoke") }, "\(s.screen.joined(separator: "\n"))")
        #expect(s.screen.contains { $0.contains("alice") && $0.contains("fleet.import") && !$0.contains("(as") })
        s.type("/ci_login")
        s.press(.enter)
        s.press(.enter)
        #expect(s.screen.contains { $0.contains("operator") && $0.contains("ci_login (as bob)") }, "\(s.screen.joined(separator: "\n"))")
    }
}
