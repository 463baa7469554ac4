import Foundation
import Testing
import TerminalUI
import WardenCore
import WardenTestSupport
@testable import WardenDashboard

/// Issue 18: terminals without UTF-8, with 8 colors, or with none.
@Suite("Terminal capabilities")
struct TerminalCapabilityTests {
    /// Roles whose text tells the operator something; `muted`, borders, guides, the empty part
    /// of a bar and `scope_removed` (dim by design) are secondary.
    static let meaningful: [Role] = [
        .text, .title, .header, .headerBrand, .badgeEnvironment, .badgeReadOnly, .badgePaused, .headerAlert,
        .tabActive, .tableHeader, .active, .revoked, .expired, .disabled, .unregistered, .principal,
        .live, .stale, .allow, .deny, .error, .gaugeFilled, .gaugeLow, .staticCredential,
        .severityHigh, .severityMedium, .severityLow, .footerKey, .flashInfo, .flashError,
        .dialog, .dialogDanger, .input, .scopeKept,
    ]
    static let statuses: [Role] = [.active, .revoked, .expired, .unregistered]

    /// Text and background as xterm shows them, `default` taken from the backdrop.
    static func colors(_ style: Style, _ backdrop: Backdrop) -> (fg: RGB, bg: RGB) {
        var fg = RGB(style.fg) ?? backdrop.foreground, bg = RGB(style.bg) ?? backdrop.background
        if style.reverse { swap(&fg, &bg) }
        return (fg, bg)
    }

    static func colored() throws -> [(String, Theme)] {
        try shippedThemes.filter { $0 != "monochrome" }.map { ($0, try ThemeLoader.load(named: $0, searchPaths: [themesFolder])) }
    }

    @Test func lightAndDarkThemesAreRecognized() throws {
        for (name, theme) in try Self.colored() {
            #expect(theme.backdrop == (name == "light" ? .light : .dark), "\(name)")
        }
    }

    @Test(arguments: [256, 16, 8]) func everyMeaningfulRoleMeetsWCAGAAInEveryShippedTheme(colors: Int) throws {
        for (name, full) in try Self.colored() {
            let theme = full.reduced(toColors: colors)
            for role in Self.meaningful {
                let style = theme[role]
                let (fg, bg) = Self.colors(style, full.backdrop)
                // An 8-color hue can do no better than its best pairing (xterm's magenta: 4.48:1).
                var floor = ColorReduction.minimumContrast
                for c in [style.fg, style.bg] { if case .ansi(let i) = c, i < 16, colors < 256 {
                    floor = min(floor, ColorReduction.bestContrast(ofBasic: i % 8, backdrop: full.backdrop))
                } }
                #expect(fg.contrast(with: bg) >= floor - 1e-9,
                        "\(name) at \(colors) colors: \(role.rawValue) \(style) is \(String(format: "%.2f", fg.contrast(with: bg))):1")
            }
        }
    }

    @Test func eightColorsKeepNoBlackAndNoGrayOnTheBackground() throws {
        for (name, full) in try Self.colored() {
            let theme = full.reduced(toColors: 8)
            for role in Role.allCases {
                let s = theme[role]
                for c in [s.fg, s.bg] { if case .ansi(let i) = c { #expect(i < 8, "\(name) \(role.rawValue) \(s)") } }
                if s.bg == .default && !s.reverse {
                    let own: Color = full.backdrop == .dark ? .black : .white
                    #expect(s.fg != own, "\(name): \(role.rawValue) would vanish: \(s)")
                }
            }
        }
        // The tree's guides (240 came out as black, issue 18).
        #expect(Theme.builtin.reduced(toColors: 8)[.treeGuide] == Style(dim: true))
    }

    @Test func statusesStayDistinctAtEightColorsAndWithout() throws {
        var themes = try Self.colored().map { ($0.0 + " at 8", $0.1.reduced(toColors: 8)) }
        themes.append(("monochrome", Theme.builtin.monochrome()))
        themes.append(("monochrome.theme", try ThemeLoader.load(named: "monochrome", searchPaths: [themesFolder])))
        for (name, theme) in themes {
            let styles = Self.statuses.map { theme[$0] }
            #expect(Set(styles).count == 4, "\(name): \(styles)")
        }
        // Without color the attributes alone tell the statuses (and severities) apart.
        let mono = Theme.builtin.monochrome()
        for roles in [Self.statuses, [.severityHigh, .severityMedium, .severityLow], [.allow, .deny, .error]] {
            #expect(Set(roles.map { mono[$0].attributes }).count == roles.count, "\(roles)")
            for r in roles { #expect(mono[r].fg == .default && mono[r].bg == .default) }
        }
    }

    // MARK: what the operator sees

    /// The status column of every agent row in ASCII: four different marks, no color needed.
    @Test func asciiAgentsTellStatusesByMark() {
        var s = Fixture.state()
        s.glyphs = .ascii
        s.theme = Theme.builtin.monochrome()
        Update.switchView(&s, .agents)
        var copy = s
        let buf = Screen.render(&copy)
        for cell in buf.cells { #expect(cell.symbol.utf8.count == 1 && cell.symbol.utf8.first! < 0x80, "\(cell)") }
        let text = buf.lines.joined(separator: "\n")
        for mark in ["* active", "x revoked"] { #expect(text.contains(mark), "\(mark)") }
        #expect(!buf.lines[0].contains("8TC") && buf.lines[0].contains(" UTC"))
    }

    /// Without color, finding severities and header alerts are still set apart by attributes.
    @Test func monochromeFindingsAndHeaderCarryMeaningInAttributes() throws {
        var s = Fixture.state()
        s.glyphs = .ascii
        s.theme = Theme.builtin.monochrome()
        Update.switchView(&s, .findings)
        var copy = s
        let buf = Screen.render(&copy)
        let lines = buf.lines
        let high = try #require(lines.firstIndex { $0.hasPrefix("|high ") })
        let medium = try #require(lines.firstIndex { $0.hasPrefix("|medium ") })
        #expect(buf[1, high].style.attributes != buf[1, medium].style.attributes,
                "\(buf[1, high].style) vs \(buf[1, medium].style)")
        // The header's alert figure is reversed, the others are not.
        let header = lines[0]
        let label = header.range(of: "expiring<5m ")!
        let x = header.distance(from: header.startIndex, to: label.upperBound)
        #expect(buf[x, 0].symbol == "1" && buf[x, 0].style.reverse && !buf[1, 0].style.reverse)
    }

    @Test func asciiTreeShowsItsStructure() {
        var s = Fixture.state()
        s.glyphs = .ascii
        let lines = s.screen.joined(separator: "\n")
        #expect(lines.contains("|-") && lines.contains("`-"))
    }

    /// `LANG=C TERM=vt100`: ASCII, no color.
    @Test func snapshotsOfAVT100InTheCLocale() {
        for view in [ViewKind.tree, .agents] {
            var s = Fixture.state()
            s.glyphs = .ascii
            s.theme = Theme.builtin.monochrome()
            Update.switchView(&s, view)
            var copy = s
            let buf = Screen.render(&copy)
            assertSnapshot(buf.lines + ["", "styles:"] + Self.styleGrid(buf), named: "vt100-C-\(view.title.lowercased())-120x40")
        }
    }

    /// `TERM=screen` (8 colors) with a UTF-8 locale: the default theme reduced.
    @Test func snapshotsOfScreenWithEightColors() {
        for view in [ViewKind.tree, .agents] {
            var s = Fixture.state()
            s.theme = Theme.builtin.reduced(toColors: 8)
            Update.switchView(&s, view)
            var copy = s
            let buf = Screen.render(&copy)
            assertSnapshot(buf.lines + ["", "styles:"] + Self.styleGrid(buf), named: "screen-\(view.title.lowercased())-120x40")
        }
    }

    /// The screen's styles as text: one letter per cell (`.` plain), then what each letter is.
    static func styleGrid(_ buf: Buffer) -> [String] {
        var keys: [Style: Character] = [.plain: "."]
        var order: [Style] = []
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var rows: [String] = []
        for y in 0..<buf.height {
            var row = ""
            for x in 0..<buf.width {
                let style = buf[x, y].style
                if keys[style] == nil {
                    keys[style] = order.count < letters.count ? letters[order.count] : "+"
                    order.append(style)
                }
                row.append(keys[style]!)
            }
            rows.append(row)
        }
        return rows + order.map { "\(keys[$0]!) = \(describe($0))" }
    }

    static func describe(_ s: Style) -> String {
        func color(_ c: Color) -> String {
            switch c { case .default: return "default"; case .ansi(let i): return "\(i)"; case .rgb(let r, let g, let b): return "rgb(\(r),\(g),\(b))" }
        }
        var parts = ["fg \(color(s.fg))", "bg \(color(s.bg))"]
        if s.bold { parts.append("bold") }
        if s.dim { parts.append("dim") }
        if s.underline { parts.append("underline") }
        if s.reverse { parts.append("reverse") }
        if s.italic { parts.append("italic") }
        return parts.joined(separator: " ")
    }
}
