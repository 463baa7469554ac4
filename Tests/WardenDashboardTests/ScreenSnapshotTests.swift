import Testing
import TerminalUI
import WardenCore
import WardenStore
import WardenTestSupport
@testable import WardenDashboard

/// Whole screens at a fixed size, store and clock, compared with Snapshots/*.txt.
/// `RECORD_SNAPSHOTS=1 swift test --filter ScreenSnapshotTests` rewrites them after an intended change.
@Suite("Screen snapshots")
struct ScreenSnapshotTests {
    static let sizes = [(120, 40), (80, 24)]

    @Test(arguments: ViewKind.allCases)
    func everyViewAtBothSizes(view: ViewKind) {
        for (w, h) in Self.sizes {
            var s = Fixture.state(width: w, height: h)
            Update.switchView(&s, view)
            assertSnapshot(s.screen, named: "\(view.title.lowercased())-\(w)x\(h)")
        }
    }

    @Test func detailPaneOfAnAgent() {
        for (w, h) in Self.sizes {
            var s = Fixture.state(width: w, height: h)
            s.type("jj")  // issue-labeler
            s.press(.enter)
            assertSnapshot(s.screen, named: "detail-agent-\(w)x\(h)")
        }
    }

    @Test func helpAndDialogs() {
        var help = Fixture.state()
        help.type("?")
        assertSnapshot(help.screen, named: "help-120x40")

        var revoke = Fixture.state()
        revoke.type("jx")
        _ = Update.update(&revoke, .revocationPlanned(.agent(Fixture.id("triage-bot")), RevocationPlan(
            target: .agent(Fixture.id("triage-bot")), agents: [Fixture.id("triage-bot"), Fixture.id("issue-labeler")],
            credentials: ["tok_triage01", "tok_label01"], liveInstances: 1)))
        assertSnapshot(revoke.screen, named: "dialog-revoke-120x40")

        var narrow = Fixture.state()
        narrow.type("jn ")
        assertSnapshot(narrow.screen, named: "dialog-narrow-120x40")
    }

    @Test func hostileNamesStayInTheirCells() {
        var agents = Fixture.agents
        agents[0].name = "evil\u{1B}[2J\u{1B}]0;pwned\u{07}\u{9B}31m\u{202E}gnp.exe\u{200D}\u{0}\u{7F}" + String(repeating: "x", count: 5000)
        var s = DashboardState(now: Fixture.now, width: 100, height: 30, readOnly: false, operatorName: "op\u{1B}[31m",
                               storeLocation: "/tmp/x", theme: .builtin)
        _ = Update.update(&s, .snapshot(Fixture.snapshot(agents: agents), findings: []))
        for v in ViewKind.allCases {
            Update.switchView(&s, v)
            s.detailOpen = true
            let buffer = { var c = s; return Screen.render(&c) }()
            #expect(buffer.width == 100 && buffer.height == 30)
            for cell in buffer.cells {
                for scalar in cell.symbol.unicodeScalars {
                    let v = scalar.value
                    #expect(!(v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)),
                            "raw control U+\(String(v, radix: 16)) reached a cell in \(v)")
                }
            }
            // The right border is intact on every row of the list: nothing pushed it aside.
            for line in buffer.lines[3..<27] where !line.isEmpty { #expect(line.hasSuffix("│") || line.hasSuffix("┐") || line.hasSuffix("┘") || line.hasSuffix(" "), "\(line)") }
        }
    }
}
