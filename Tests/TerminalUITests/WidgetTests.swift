import Testing
@testable import TerminalUI

@Suite struct WidgetTests {
    @Test func blockWithTitle() {
        var buffer = Buffer(width: 12, height: 3)
        let block = Block(title: "Agents")
        buffer.render(block)
        #expect(buffer.lines == ["┌ Agents ──┐", "│          │", "└──────────┘"])
        #expect(block.inner(buffer.area) == Rect(x: 1, y: 1, width: 10, height: 1))
    }

    @Test func blockTitleIsTruncated() {
        var buffer = Buffer(width: 10, height: 2)
        buffer.render(Block(title: "Delegation tree", borders: .rounded))
        #expect(buffer.lines == ["╭ Delega…╮", "╰────────╯"])
    }

    @Test func paragraphWrapsWordsAndKeepsStyles() {
        let bold = Style(bold: true)
        let paragraph = Paragraph([Line([Span("scopes: "), Span("github/create_issue", style: bold), Span(" slack/*")])])
        var buffer = Buffer(width: 12, height: 4)
        buffer.render(paragraph)
        // A word too long for a line breaks after its separator, not mid-name.
        #expect(buffer.lines == ["scopes:     ", "github/     ", "create_issue", "slack/*     "])
        #expect(buffer[0, 1].style == bold)
        #expect(buffer[0, 3].style == .plain)
    }

    @Test func longIdentifiersBreakAtTheirSeparators() {
        let lines = Paragraph.wrap(Line("id spiffe://acme.example/agent/triage-bot/7f3a"), width: 24).map { $0.spans.map(\.text).joined() }
        #expect(lines == ["id", "spiffe://acme.example/", "agent/triage-bot/7f3a"])
        // No separator near the end: by characters, as before.
        let plain = Paragraph.wrap(Line("abcdefghijklmnop"), width: 6).map { $0.spans.map(\.text).joined() }
        #expect(plain == ["abcdef", "ghijkl", "mnop"])
    }

    @Test func paragraphScrollsAndClips() {
        let paragraph = Paragraph([Line("one two three four")], scroll: 2)
        var buffer = Buffer(width: 9, height: 1)
        buffer.render(paragraph)
        #expect(buffer.lines == ["four     "])
        #expect(paragraph.lineCount(width: 9) == 3)  // "one two", "three", "four"
        let unwrapped = Paragraph([Line("one two three four")], wrap: false)
        var clipped = Buffer(width: 9, height: 1)
        clipped.render(unwrapped)
        #expect(clipped.lines == ["one two t"])
    }

    @Test func paragraphFromUntrustedText() {
        var buffer = Buffer(width: 10, height: 2)
        buffer.render(Paragraph(text: "ok\n\u{1B}[31mred"))
        #expect(buffer.lines == ["ok        ", "␛[31mred  "])
    }

    @Test func wrapBreaksWideCharactersWhole() {
        #expect(Paragraph.wrap(Line("日本語テキスト"), width: 5).map(\.text) == ["日本", "語テ", "キス", "ト"])
    }

    @Test func gaugeFillsAndCentersLabel() {
        var buffer = Buffer(width: 10, height: 1)
        buffer.render(Gauge(fraction: 0.5, label: "4m12s"))
        #expect(buffer.lines == ["  4m12s   "])
        #expect((0..<5).allSatisfy { buffer[$0, 0].style.reverse })
        #expect((5..<10).allSatisfy { !buffer[$0, 0].style.reverse })
    }

    @Test func gaugeClampsFraction() {
        var buffer = Buffer(width: 4, height: 1)
        buffer.render(Gauge(fraction: 7))
        #expect((0..<4).allSatisfy { buffer[$0, 0].style.reverse })
        buffer.render(Gauge(fraction: -1))
        #expect((0..<4).allSatisfy { !buffer[$0, 0].style.reverse })
    }

    @Test func durationLabels() {
        #expect(Gauge.durationLabel(seconds: 45) == "45s")
        #expect(Gauge.durationLabel(seconds: 252) == "4m12s")
        #expect(Gauge.durationLabel(seconds: 3 * 3600 + 5 * 60) == "3h05m")
        #expect(Gauge.durationLabel(seconds: 2 * 86400 + 4 * 3600) == "2d04h")
        #expect(Gauge.durationLabel(seconds: -1) == "expired")
    }

    @Test func sparklineScalesToBlocks() {
        var buffer = Buffer(width: 9, height: 1)
        buffer.render(Sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8]))
        #expect(buffer.lines == [" ▁▂▃▄▅▆▇█"])
    }

    @Test func sparklineShowsNewestAndTwoRows() {
        var buffer = Buffer(width: 3, height: 2)
        buffer.render(Sparkline([100, 0, 8, 16], max: 16))
        #expect(buffer.lines == ["  █", " ██"])
    }

    @Test func statusBarDropsHintsThatDoNotFit() {
        let hints = [KeyHint("q", "quit"), KeyHint("?", "help"), KeyHint("x", "revoke")]
        var buffer = Buffer(width: 15, height: 1)
        buffer.render(StatusBar(hints: hints))
        #expect(buffer.lines == ["q quit  ? help "])
        #expect(buffer[0, 0].style.bold)
        #expect(!buffer[2, 0].style.bold)
        var narrow = Buffer(width: 4, height: 1)
        narrow.render(StatusBar(hints: hints))
        #expect(narrow.lines == ["q q…"])
    }

    @Test func statusBarRightText() {
        var buffer = Buffer(width: 20, height: 1)
        buffer.render(StatusBar(hints: [KeyHint("q", "quit"), KeyHint("?", "help")], right: "prod"))
        #expect(buffer.lines == ["q quit  ? help  prod"])
    }

    @Test func dialogIsCenteredWithHints() {
        var buffer = Buffer(width: 24, height: 7, fill: Cell("."))
        let dialog = Dialog(title: "Revoke", body: ["3 agents, 2 creds"], hints: [KeyHint("y", "yes"), KeyHint("n", "no")], width: 22)
        buffer.render(dialog)
        #expect(buffer.lines == [
            "........................",
            ".┌ Revoke ────────────┐.",
            ".│ 3 agents, 2 creds  │.",
            ".│                    │.",
            ".│ y yes  n no        │.",
            ".└────────────────────┘.",
            "........................",
        ])
    }

    @Test func dialogWithTypedConfirmation() {
        var buffer = Buffer(width: 20, height: 7)
        let dialog = Dialog(title: "Type name", body: ["to confirm"], hints: [KeyHint("⏎", "ok")],
                            input: TextInput("bot"), width: 20)
        buffer.render(dialog)
        #expect(buffer.lines[3] == "│ > bot            │")
        #expect(buffer[7, 3].style.reverse)  // the cursor after "bot"
    }

    @Test func helpOverlayUsesColumns() {
        let entries = [KeyHint("q", "quit"), KeyHint("?", "help"), KeyHint("/", "filter"), KeyHint("x", "revoke")]
        var buffer = Buffer(width: 30, height: 4)
        buffer.render(HelpOverlay(entries: entries))
        #expect(buffer.lines == [
            "  ┌ Help ─────────────────┐   ",
            "  │ q  quit     /  filter │   ",
            "  │ ?  help     x  revoke │   ",
            "  └───────────────────────┘   ",
        ])
    }

    @Test func widgetsStayInsideTheirArea() {
        let area = Rect(x: 3, y: 2, width: 6, height: 3)
        let widgets: [any Widget] = [
            Block(title: "A very long title"), Paragraph(text: "a long paragraph of words 世界世界"),
            Gauge(fraction: 1, label: "a label wider than the gauge"), Sparkline(Array(0..<50)),
            StatusBar(hints: [KeyHint("ctrl-x", "something long")], right: "right side text"),
            Dialog(title: "t", body: ["body text that wraps"], hints: [KeyHint("y", "yes")]),
            HelpOverlay(entries: [KeyHint("q", "quit"), KeyHint("x", "a long description")]),
        ]
        for widget in widgets {
            var buffer = Buffer(width: 12, height: 7, fill: Cell("."))
            buffer.render(widget, area: area)
            for y in 0..<7 {
                for x in 0..<12 where !area.contains(x: x, y: y) {
                    #expect(buffer[x, y].symbol == ".", "\(type(of: widget)) wrote (\(x), \(y))")
                }
            }
        }
    }
}
