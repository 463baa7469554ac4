import Testing
import TerminalUI
import WardenCore
import WardenStore
@testable import WardenDashboard

/// The dialogs' keys come from the key map, so a remapping in the config file reaches them.
struct DialogKeyTests {
    func remapped(_ config: String) throws -> DashboardState {
        var s = Fixture.state()
        s.keyMap = try parseDashboardConfig(config, file: "config").keyMap
        return s
    }

    func planRevoke(_ s: inout DashboardState) {
        let plan = RevocationPlan(target: .agent(Fixture.id("triage-bot")), agents: [Fixture.id("triage-bot")], credentials: [], liveInstances: 0)
        _ = Update.update(&s, .revocationPlanned(.agent(Fixture.id("triage-bot")), plan))
    }

    @Test func aRemappedConfirmRevokesAndTheOldKeyDoesNot() throws {
        var s = try remapped("key.confirm = o\nkey.reason = e")
        s.type("jx")
        planRevoke(&s)
        #expect(s.screen.joined(separator: "\n").contains("o revoke"), "the hint names the remapped key")
        #expect(s.type("y").isEmpty, "y no longer confirms")
        guard case .revoke = s.mode else { Issue.record("the dialog closed"); return }
        s.type("e")
        s.type("leaked")
        s.press(.enter)
        #expect(s.type("o") == [.revoke(.agent(Fixture.id("triage-bot")), reason: "leaked")])
    }

    @Test func aRemappedDeclineCancelsWithoutTakingTheNarrowKey() throws {
        var s = try remapped("key.decline = z")
        s.type("jx")
        planRevoke(&s)
        #expect(s.type("n").isEmpty)
        guard case .revoke = s.mode else { Issue.record("n still declines"); return }
        #expect(s.type("z").isEmpty)
        guard case .normal = s.mode else { Issue.record("z did not decline"); return }
        #expect(s.flash?.text == "revoke cancelled")
        #expect(s.keyMap.action(for: .char("n"), readOnly: false) == .narrow, "the lists keep n for narrow")
    }

    @Test func theNarrowDialogMovesTogglesAndLeavesByTheListsKeys() throws {
        var s = try remapped("key.down = ctrl-n\nkey.toggle = t\nkey.quit = Q\nkey.confirm = o")
        s.press(.ctrl("n"))  // in the lists too: the tree's second row, triage-bot
        s.type("n")
        guard case .narrow(var d) = s.mode else { Issue.record("no narrow dialog"); return }
        #expect(d.grant.map(\.description) == ["github/*", "slack/post_message"])
        s.type("j")
        guard case .narrow(let stayed) = s.mode else { Issue.record("the dialog closed"); return }
        #expect(stayed.cursor == 0, "j no longer moves")
        s.press(.ctrl("n"))
        s.type(" ")
        guard case .narrow(let moved) = s.mode else { Issue.record("the dialog closed"); return }
        d = moved
        #expect(d.cursor == 1 && d.keep == [true, true], "ctrl-n moves; space no longer toggles")
        s.type("t")
        #expect(s.type("q").isEmpty)
        guard case .narrow = s.mode else { Issue.record("q still cancels"); return }
        #expect(s.type("o") == [.narrow(agentID: Fixture.id("triage-bot"), keep: Fixture.scopes("github/*"), reason: nil)])
    }

    @Test func theRemappedQuitCancelsTheNarrowDialog() throws {
        var s = try remapped("key.quit = Q")
        s.type("jn")
        guard case .narrow = s.mode else { Issue.record("no narrow dialog"); return }
        s.type("Q")
        guard case .normal = s.mode else { Issue.record("Q did not cancel"); return }
        #expect(s.flash?.text == "narrow cancelled")
    }
}
