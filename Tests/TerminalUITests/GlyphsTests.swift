import Testing
@testable import TerminalUI

@Suite("ASCII glyphs")
struct GlyphsTests {
    @Test func codesetNames() {
        #expect(Glyphs.forCodeset("UTF-8") == .unicode)
        #expect(Glyphs.forCodeset("utf8") == .unicode)
        #expect(Glyphs.forCodeset("ANSI_X3.4-1968") == .ascii)
        #expect(Glyphs.forCodeset("ISO-8859-1") == .ascii)
        #expect(Glyphs.forCodeset("") == .ascii)
    }

    @Test func treeStatusAndBarsHaveTheFormsTheIssueNames() {
        var buf = Buffer(lines: ["├─ a ●", "│  └─ b ✗", "⌛ c ? d", "▁▃▅█ · …"])
        Glyphs.ascii.apply(to: &buf)
        #expect(buf.lines.map { String($0.reversed().drop { $0 == " " }.reversed()) } == ["|- a *", "|  `- b x", "~  c ? d", ".:=# - ."])
    }

    @Test func everyCellIsASCIIAndNothingMoves() {
        // A wide glyph keeps its two cells: its form and a blank, so the text after it stays put.
        var buf = Buffer(lines: ["名前 ⌛ 05:39:25 · UTC", "\u{2401}\u{FFFD}x"])
        let before = buf.lines.map { TextWidth.of($0) }
        Glyphs.ascii.apply(to: &buf)
        for cell in buf.cells { #expect(cell.symbol.utf8.count == 1 && cell.symbol.utf8.first! < 0x80, "\(cell)") }
        #expect(buf.lines[0] == "? ?  ~  05:39:25 - UTC")
        #expect(buf.lines[1].hasPrefix("^?x"))
        #expect(buf.lines.map { TextWidth.of($0) } == before)
    }

    @Test func unicodeLeavesTheFrameAlone() {
        var buf = Buffer(lines: ["├─ ● ⌛"])
        let copy = buf
        Glyphs.unicode.apply(to: &buf)
        #expect(buf == copy)
    }

    @Test func textKeepsColumnsAligned() {
        #expect(Glyphs.asciiText("├── a  ✗ revoked\n│   └── b\n") == "|-- a  x revoked\n|   `-- b\n")
        #expect(Glyphs.asciiText("名 | x") == "?  | x")
        #expect(Glyphs.asciiText("plain") == "plain")
    }
}

@Suite("Color reduction")
struct ColorReductionTests {
    static let dark = Backdrop.dark

    func onBlack(_ style: Style) -> Double {
        var fg = RGB(style.fg) ?? Self.dark.foreground, bg = RGB(style.bg) ?? Self.dark.background
        if style.reverse { swap(&fg, &bg) }
        return fg.contrast(with: bg)
    }

    @Test func treeGuidesAndGraysNeverBecomeBlack() {
        // Issue 18: the tree's 240 came out as black, invisible on a black background.
        for gray in [UInt8(236), 240, 245, 250, 252] {
            let s = ColorReduction.reduce(Style(fg: .ansi(gray)), toColors: 8, backdrop: .dark)
            #expect(s.fg == .default, "\(gray) → \(s)")
        }
        #expect(ColorReduction.reduce(Style(fg: .ansi(240)), toColors: 8, backdrop: .dark).dim)
        #expect(!ColorReduction.reduce(Style(fg: .ansi(252)), toColors: 8, backdrop: .dark).dim)
    }

    @Test func statusHuesKeepTheirMeaningAndReadOnBlack() {
        // Issue 18: active green (114) became white.
        let active = ColorReduction.reduce(Style(fg: .ansi(114)), toColors: 8, backdrop: .dark)
        let expired = ColorReduction.reduce(Style(fg: .ansi(179)), toColors: 8, backdrop: .dark)
        let revoked = ColorReduction.reduce(Style(fg: .ansi(203), bold: true), toColors: 8, backdrop: .dark)
        let unregistered = ColorReduction.reduce(Style(fg: .ansi(213)), toColors: 8, backdrop: .dark)
        #expect(active.fg == .green && expired.fg == .yellow)
        // xterm's magenta is 4.48:1 on black and with black on it: it stays text, the best it gets.
        #expect(unregistered.fg == .magenta && unregistered.bg == .default)
        // xterm's red on black is 3.6:1: red becomes the background, white the text.
        #expect(revoked.bg == .red && revoked.fg == .white && revoked.bold)
        for s in [active, expired, revoked] { #expect(onBlack(s) >= 4.5, "\(s)") }
        #expect(onBlack(unregistered) >= ColorReduction.bestContrast(ofBasic: 5, backdrop: .dark))
        #expect(Set([active, expired, revoked, unregistered]).count == 4)
    }

    @Test func sixteenColorsUseBrightRedAsText() {
        let revoked = ColorReduction.reduce(Style(fg: .ansi(203)), toColors: 16, backdrop: .dark)
        #expect(revoked.fg == .brightRed && revoked.bg == .default)
    }

    @Test func grayBarsStayBars() {
        let header = ColorReduction.reduce(Style(fg: .ansi(252), bg: .ansi(236)), toColors: 8, backdrop: .dark)
        #expect(header == Style(reverse: true))
        let empty = ColorReduction.reduce(Style(fg: .ansi(250), bg: .ansi(237)), toColors: 8, backdrop: .dark, keepBackground: false)
        #expect(!empty.reverse && empty.bg == .default)
    }

    @Test func trueColorAndLightBackdrop() {
        let green = ColorReduction.reduce(Style(fg: .rgb(0x50, 0xfa, 0x7b)), toColors: 8, backdrop: .dark)
        #expect(green.fg == .green)
        // Green text on white is 2.2:1: the hue moves to the background.
        let onWhite = ColorReduction.reduce(Style(fg: .ansi(28)), toColors: 8, backdrop: .light)
        #expect(onWhite.bg == .green && onWhite.fg == .black)
        let blue = ColorReduction.reduce(Style(fg: .ansi(25)), toColors: 8, backdrop: .light)
        #expect(blue.fg == .blue && blue.bg == .default)
    }

    @Test func basicColorsAndDefaultsAreKept() {
        let s = Style(fg: .red, bg: .default, bold: true)
        #expect(ColorReduction.reduce(s, toColors: 8, backdrop: .dark) == s)
        let rich = Style(fg: .ansi(114))
        #expect(ColorReduction.reduce(rich, toColors: 256, backdrop: .dark) == rich)
    }
}
