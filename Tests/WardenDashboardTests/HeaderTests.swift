import Foundation
import Testing
import TerminalUI
import WardenCore
import WardenStore
@testable import WardenDashboard

/// The header's figures: what they count, and that they can be read.
@Suite("Header")
struct HeaderTests {
    func header(_ s: DashboardState) -> String { s.screen[0] }

    @Test func deniedPerMinuteIsTheLast60SecondsSliding() {
        // The fixture's denied calls are 36, 24, 20 and 4 seconds old; the per-minute counts
        // hold one denial in the current calendar minute.
        var s = Fixture.state()
        #expect(header(s).contains("denied/1m 4 "), "\(header(s))")
        _ = Update.update(&s, .tick(Fixture.now + 30_000))
        #expect(header(s).contains("denied/1m 3 "), "the 36 s old denial left the window: \(header(s))")
        _ = Update.update(&s, .tick(Fixture.now + 55_000))
        #expect(header(s).contains("denied/1m 1 "), "\(header(s))")
        _ = Update.update(&s, .tick(Fixture.now + 61_000))
        #expect(header(s).contains("denied/1m 0"), "\(header(s))")
    }

    @Test func deniedPerMinuteProratesWhatAFullCallWindowMisses() {
        // A full window of calls, all denied, evenly covering only the last 50 s; the
        // per-minute counts say how many denials came before it.
        let now = Fixture.now  // 20 s into its minute
        let n = SnapshotLoader.callWindow
        let calls = (0..<n).map { k in
            ToolCall(seq: Int64(k + 1), at: now - Int64(n - k) * 50_000 / Int64(n), agentID: Fixture.id("triage-bot"), server: "github",
                     tool: "get_issue", decision: .deny, reason: "out_of_scope")
        }
        let minute = now / 60_000
        let minutes = [CallMinute(agentID: Fixture.id("triage-bot"), minute: minute - 1, calls: 6_000, denied: 6_000),
                       CallMinute(agentID: Fixture.id("triage-bot"), minute: minute, calls: 2_000, denied: 2_000)]
        let snap = FleetSnapshot(trustDomain: "acme.example", principals: Fixture.principals, agents: Fixture.agents,
                                 credentials: [], instances: [], calls: calls, minutes: minutes, audit: [],
                                 auditState: nil, counter: 1, loadedAt: now)
        // The window's n seen in the last 50 s, plus 10 s of the previous minute's 6,000 (100 a second).
        #expect(snap.index.deniedLast60s(now: now) == n + 1_000)
        // Without a full window the calls alone count.
        var few = snap
        few.calls = Array(calls.suffix(100))
        few.reindex(.activity)
        #expect(few.index.deniedLast60s(now: now) == 100)
    }

    @Test func treeTitlesSayWhichTimeIsWhich() {
        var s = Fixture.state()
        let lines = s.screen
        #expect(lines[3].hasPrefix("│PRINCIPAL / AGENT"), "\(lines[3])")
        #expect(lines[3].contains("LIVE") && lines[3].contains("CREDENTIAL LEFT") && lines[3].contains("CALLS/MIN 15M"))
        #expect(lines[4].contains("user:alice@acme.example"), "rows start under the titles")
        // A click on the first row selects it (rows moved down by one).
        _ = Update.update(&s, .mouse(.click(button: .left, x: 5, y: 5)))
        #expect(s.list(.tree).selected == 1)
        // The Agents view's time column is the agent's own expiry.
        Update.switchView(&s, .agents)
        #expect(s.screen[3].contains("EXPIRES"))
    }

    // MARK: contrast

    static func luminance(_ c: Color) -> Double? {
        let rgb: (UInt8, UInt8, UInt8)
        switch c {
        case .default: return nil
        case .ansi(let i): rgb = Palette.rgb(ofIndex: i)
        case .rgb(let r, let g, let b): rgb = (r, g, b)
        }
        func channel(_ v: UInt8) -> Double {
            let x = Double(v) / 255
            return x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(rgb.0) + 0.7152 * channel(rgb.1) + 0.0722 * channel(rgb.2)
    }

    /// WCAG 2 contrast ratio of a cell's text; nil when both colors are the terminal's own.
    static func contrast(_ style: Style) -> Double? {
        var (fg, bg) = (style.fg, style.bg)
        if style.reverse { swap(&fg, &bg) }
        if fg == .default && bg == .default { return nil }
        guard let a = luminance(fg), let b = luminance(bg) else { return 0 }  // one side unknown: unreadable on some terminal
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    @Test(arguments: shippedThemes) func everyHeaderFigureMeetsWCAGAAContrast(name: String) throws {
        let theme = try ThemeLoader.load(named: name, searchPaths: [themesFolder])
        for paused in [false, true] {
            var s = Fixture.state()
            s.theme = theme
            s.readOnly = true
            s.environment = "prod"
            s.paused = paused
            var copy = s
            let buf = Screen.render(&copy)
            #expect(s.snapshot.index.expiringCount(now: s.now, withinMs: 300_000) > 0 && s.snapshot.index.deniedLast60s(now: s.now) > 0,
                    "the alert figures are shown")
            for x in 0..<buf.width {
                let cell = buf[x, 0]
                guard cell.symbol != " ", !cell.isContinuation else { continue }
                if let ratio = Self.contrast(cell.style) {
                    #expect(ratio >= 4.5, "\(name): '\(cell.symbol)' at column \(x) has contrast \(String(format: "%.2f", ratio)):1 (\(cell.style))")
                }
            }
        }
    }

    @Test func expiringFigureIsNotJustAForegroundOnTheHeader() {
        let s = Fixture.state()
        var copy = s
        let buf = Screen.render(&copy)
        let line = buf.lines[0]
        let label = line.range(of: "expiring<5m")!
        let x = line.distance(from: line.startIndex, to: label.upperBound) + 1
        #expect(buf[x, 0].symbol == "1" && buf[x, 0].style == Theme.builtin[.headerAlert], "\(buf[x, 0])")
    }
}
