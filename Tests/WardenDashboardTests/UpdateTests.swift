import Testing
import TerminalUI
import WardenCore
import WardenStore
@testable import WardenDashboard

@Suite("Dashboard update")
struct UpdateTests {
    func selectedID(_ s: DashboardState) -> String? { s.rowKey(s.view, s.currentList.selected ?? -1) }

    @Test func startsOnTheTreeWithPrincipalsOpen() {
        let s = Fixture.state()
        #expect(s.view == .tree)
        let names = s.rows.tree.map { row -> String in
            switch row.id {
            case .principal(let i): return s.snapshot.principals[i].id
            case .agent(let i): return s.snapshot.agents[i].name
            }
        }
        #expect(names == ["user:alice@acme.example", "triage-bot", "issue-labeler", "dup-finder", "code-review",
                          "test-runner", "flaky-analyst", "workload:ci/deploy", "deployer"])
    }

    @Test func navigationMovesPagesAndStopsAtTheEnds() {
        var s = Fixture.state()
        s.type("jj")
        #expect(selectedID(s) == Fixture.id("issue-labeler"))
        s.type("k")
        #expect(selectedID(s) == Fixture.id("triage-bot"))
        s.type("G")
        #expect(selectedID(s) == Fixture.id("deployer"))
        s.type("j")
        #expect(selectedID(s) == Fixture.id("deployer"), "no wrap past the end")
        s.type("g")
        #expect(selectedID(s) == "user:alice@acme.example")
        s.press(.pageDown)
        #expect(s.currentList.selected == s.rows.tree.count - 1, "a page is longer than this tree")
    }

    @Test func treeCollapsesExpandsAndClimbs() {
        var s = Fixture.state()
        s.type("j")  // triage-bot
        s.press(.left)
        #expect(s.rows.tree.count == 7, "triage-bot's two children are hidden")
        s.press(.left)
        #expect(selectedID(s) == "user:alice@acme.example", "← on a collapsed node goes to its parent")
        s.type("j ")  // toggle triage-bot open again
        #expect(s.rows.tree.count == 9)
        s.press(.right)
        #expect(selectedID(s) == Fixture.id("issue-labeler"), "→ on an open node goes to its first child")
    }

    @Test func filterKeepsMatchesInvertsAndClears() {
        var s = Fixture.state()
        s.type("2/label")
        #expect(s.rows[.agents].map { s.snapshot.agents[$0].name } == ["issue-labeler"])
        s.press(.enter)
        #expect(s.filter == "label")
        s.type("/")
        s.press(.ctrl("u"))
        s.type("!label")
        #expect(s.rows[.agents].count == Fixture.agents.count - 1)
        s.press(.escape)
        #expect(s.filter.isEmpty && s.rows[.agents].count == Fixture.agents.count)

        s.type("4/deny")
        s.press(.enter)
        #expect(!s.rows[.calls].isEmpty)
        #expect(s.rows[.calls].allSatisfy { s.snapshot.calls[$0].decision == .deny }, "/deny keeps denied calls")
    }

    @Test func treeFilterKeepsAncestors() {
        var s = Fixture.state()
        s.type("/flaky")
        let ids = s.rows.tree.compactMap { r -> String? in if case .agent(let i) = r.id { return s.snapshot.agents[i].name } else { return nil } }
        #expect(ids == ["code-review", "test-runner", "flaky-analyst"])
    }

    @Test func sortCyclesColumnsAndInverts() {
        var s = Fixture.state()
        s.type("2")
        #expect(s.rows[.agents].map { s.snapshot.agents[$0].name }.first == "code-review", "by name")
        s.type(">")  // PRINCIPAL
        #expect(s.sort(.agents).column == 2)
        s.type("<<")  // STATUS
        #expect(s.sort(.agents).column == 0)
        s.type("I")
        #expect(s.sort(.agents).ascending == false)
        #expect(s.snapshot.agents[s.rows[.agents][0]].isRevoked == true, "revoked sorts last ascending, so first inverted")
    }

    @Test func selectionFollowsItsItemWhenRowsReorder() {
        var s = Fixture.state()
        s.type("2")
        s.press(.down, .down)  // some agent
        let chosen = selectedID(s)
        // A new snapshot with the agents in reverse order and one more.
        var agents = Array(Fixture.agents.reversed())
        agents.insert(Fixture.agent("aaa-first", parent: nil, depth: 1, grant: "github/get_issue"), at: 0)
        let snap = Fixture.snapshot(agents: agents, counter: 2)
        _ = Update.update(&s, .snapshot(snap, findings: []))
        #expect(selectedID(s) == chosen)
    }

    @Test func revokeDialogIsBoundToTheIDWhileRowsMove() {
        var s = Fixture.state()
        s.type("2")
        let row = s.rows[.agents].firstIndex { s.snapshot.agents[$0].name == "triage-bot" }!
        Update.select(&s, .agents, row: row)
        let effects = s.type("x")
        #expect(effects == [.planRevocation(.agent(Fixture.id("triage-bot")))])
        guard case .revoke = s.mode else { Issue.record("no dialog"); return }
        #expect(s.type("y").isEmpty, "y does nothing until the blast radius is known")

        // Rows reorder beneath the dialog, and the plan arrives.
        var agents = Array(Fixture.agents.reversed())
        agents.insert(Fixture.agent("aaa-first", parent: nil, depth: 1, grant: "github/get_issue"), at: 0)
        _ = Update.update(&s, .snapshot(Fixture.snapshot(agents: agents, counter: 3), findings: []))
        let plan = RevocationPlan(target: .agent(Fixture.id("triage-bot")), agents: [Fixture.id("triage-bot"), Fixture.id("issue-labeler")],
                                  credentials: ["tok_triage01"], liveInstances: 1)
        _ = Update.update(&s, .revocationPlanned(.agent(Fixture.id("triage-bot")), plan))
        let lines = s.screen.joined(separator: "\n")
        #expect(lines.contains("Blast radius: 2 agents, 1 credential, 1 live instance"))
        s.type("r")
        s.type("leaked")
        s.press(.enter)
        #expect(s.type("y") == [.revoke(.agent(Fixture.id("triage-bot")), reason: "leaked")])
        guard case .normal = s.mode else { Issue.record("dialog still open"); return }
    }

    @Test func bigCascadesNeedTheNameTyped() {
        var s = Fixture.state()
        s.type("j")  // triage-bot in the tree
        _ = s.type("x")
        let many = (0..<11).map { "a\($0)" }
        _ = Update.update(&s, .revocationPlanned(.agent(Fixture.id("triage-bot")), RevocationPlan(target: .agent(Fixture.id("triage-bot")), agents: many, credentials: [], liveInstances: 0)))
        #expect(s.type("y").isEmpty, "y alone cannot confirm a cascade over 10 agents")
        s.press(.enter)
        #expect(s.flash?.isError == true)
        s.press(.ctrl("u"))
        s.type("triage-bo")
        #expect(s.press(.enter).isEmpty)
        s.type("t")
        #expect(s.press(.enter) == [.revoke(.agent(Fixture.id("triage-bot")), reason: nil)])
    }

    @Test func escapeCancelsAndNothingIsRevoked() {
        var s = Fixture.state()
        s.type("jx")
        #expect(s.press(.escape).isEmpty)
        guard case .normal = s.mode else { Issue.record("dialog still open"); return }
    }

    @Test func narrowDialogKeepsWhatIsChecked() {
        var s = Fixture.state()
        s.type("j")  // triage-bot: github/*, slack/post_message
        s.type("n")
        guard case .narrow(let d) = s.mode else { Issue.record("no narrow dialog"); return }
        #expect(d.grant.map(\.description) == ["github/*", "slack/post_message"])
        #expect(d.descendants == ["issue-labeler", "dup-finder"])
        #expect(s.type("y").isEmpty, "nothing unchecked yet")
        s.type("j ")  // uncheck slack/post_message
        #expect(s.type("y") == [.narrow(agentID: Fixture.id("triage-bot"), keep: Fixture.scopes("github/*"), reason: nil)])
    }

    @Test func readOnlyHasNoDangerousActions() {
        var s = Fixture.state(readOnly: true)
        s.type("j")
        #expect(s.type("x").isEmpty)
        #expect(s.type("n").isEmpty)
        guard case .normal = s.mode else { Issue.record("a dialog opened read-only"); return }
        let screen = s.screen.joined(separator: "\n")
        #expect(screen.contains("READ-ONLY"))
        #expect(!s.screen.last!.contains("revoke") && !s.screen.last!.contains("narrow"), "the footer offers neither")
        s.type("?")
        let help = s.screen.joined(separator: "\n")
        #expect(help.contains("Help (read-only)"))
        #expect(!help.contains("x revoke") && !help.contains("n narrow"))
    }

    @Test func commandLineSwitchesViewsAndQuits() {
        var s = Fixture.state()
        s.type(":tokens")
        s.press(.enter)
        #expect(s.view == .credentials)
        s.type(":nonsense")
        s.press(.enter)
        #expect(s.flash?.isError == true)
        s.type(":q")
        #expect(s.press(.enter) == [.quit])
        #expect(s.quit)
    }

    @Test func pauseHoldsSnapshotsUntilResumed() {
        var s = Fixture.state()
        s.type("p")
        #expect(s.paused)
        var agents = Fixture.agents
        agents.append(Fixture.agent("newcomer", parent: nil, depth: 1, grant: "github/get_issue"))
        _ = Update.update(&s, .snapshot(Fixture.snapshot(agents: agents, counter: 9), findings: []))
        #expect(s.snapshot.agents.count == Fixture.agents.count)
        #expect(s.screen[0].contains("PAUSED"))
        s.type("p")
        #expect(s.snapshot.agents.count == Fixture.agents.count + 1)
    }

    @Test func followKeepsTheNewestCallSelected() {
        var s = Fixture.state()
        s.type("4")
        #expect(s.currentList.selected == 0)
        #expect(s.snapshot.calls[s.rows[.calls][0]].seq == 12, "newest first")
        s.type("j")
        #expect(!s.follow, "moving off the newest call stops following")
        s.type("f")
        #expect(s.follow && s.currentList.selected == 0)
    }

    @Test func findingsEnterJumpsToTheSubject() {
        var s = Fixture.state()
        s.type("5")
        #expect(!s.rows[.findings].isEmpty)
        let kinds = Set(s.findings.map(\.kind))
        #expect(kinds.contains(.staticCredential) && kinds.contains(.useAfterRevoke))
        let row = s.rows[.findings].firstIndex { s.findings[$0].kind == .staticCredential }!
        Update.select(&s, .findings, row: row)
        s.press(.enter)
        #expect(s.view == .credentials)
        #expect(selectedID(s) == "tok_review01")
    }

    @Test func ticksExpireFlashesAndStoreErrorsFlash() {
        var s = Fixture.state()
        _ = Update.update(&s, .storeFailed("database is busy"))
        #expect(s.flash?.isError == true)
        _ = Update.update(&s, .tick(Fixture.now + 60_000))
        #expect(s.flash == nil)
        #expect(s.now == Fixture.now + 60_000)
    }

    @Test func tooSmallTerminalsSaySo() {
        var s = Fixture.state(width: 20, height: 6)
        #expect(s.screen.joined().contains("terminal too small"))
        _ = Update.update(&s, .resize(width: 60, height: 15))
        #expect(s.screen[0].contains("Warden"))
    }

    @Test func clicksSelectRowsAndTabs() {
        var s = Fixture.state()
        _ = s.screen  // lay out
        // Row 3 holds the tree's column titles; its rows start at 4.
        _ = Update.update(&s, .mouse(.click(button: .left, x: 10, y: 5)))
        #expect(selectedID(s) == Fixture.id("triage-bot"))
        _ = Update.update(&s, .mouse(.click(button: .left, x: 12, y: 1)))
        #expect(s.view == .agents)
    }
}
