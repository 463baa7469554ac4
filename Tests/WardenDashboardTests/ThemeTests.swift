import Foundation
import Testing
import TerminalUI
import WardenConfig
import WardenTestSupport
@testable import WardenDashboard

/// The shipped `Themes/` folder, found from this file's path.
let themesFolder: String = {
    var url = URL(fileURLWithPath: #filePath)
    url.deleteLastPathComponent()  // WardenDashboardTests
    url.deleteLastPathComponent()  // Tests
    url.deleteLastPathComponent()  // package root
    return url.path + "/Themes"
}()

let shippedThemes = ["default", "light", "dracula", "solarized-dark", "high-contrast", "monochrome"]

func readShipped(_ name: String) throws -> String {
    try String(contentsOfFile: themesFolder + "/" + name + ".theme", encoding: .utf8)
}

@Suite struct ThemeTests {
    // MARK: shipped themes

    @Test func defaultThemeFileIsTheBuiltinTheme() throws {
        let theme = try ThemeParser.parse(try readShipped("default"), name: "default", file: "default.theme")
        for role in Role.allCases {
            #expect(theme[role] == Theme.builtin[role], "\(role.rawValue): file \(theme[role]) vs builtin \(Theme.builtin[role])")
        }
        #expect(Theme.builtin.styles.count == Role.allCases.count)
    }

    @Test(arguments: shippedThemes) func shippedThemeSetsEveryRoleOnceAndParses(name: String) throws {
        let text = try readShipped(name)
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let code = FileText.stripComment(line)
            guard let eq = code.firstIndex(of: "=") else { continue }
            counts[code[..<eq].trimmingCharacters, default: 0] += 1
        }
        for role in Role.allCases {
            #expect(counts[role.rawValue] == 1, "\(name).theme sets \(role.rawValue) \(counts[role.rawValue] ?? 0) times")
        }
        #expect(Set(counts.keys) == Set(Role.allCases.map(\.rawValue)), "\(name).theme has lines that are not roles")
        let theme = try ThemeParser.parse(text, name: name, file: name + ".theme")
        #expect(theme.name == name)
        #expect(theme.styles.count == Role.allCases.count)
        // The loader finds it in the shipped folder too.
        let loaded = try ThemeLoader.load(named: name, searchPaths: [themesFolder])
        #expect(loaded.styles == theme.styles)
    }

    @Test func shippedThemesAreDistinct() throws {
        var seen: [[Role: Style]] = []
        for name in shippedThemes {
            let styles = try ThemeParser.parse(try readShipped(name), name: name, file: name).styles
            #expect(!seen.contains(styles), "\(name) repeats another theme")
            seen.append(styles)
        }
    }

    @Test func monochromeThemeHasNoColorsAndMatchesNoColorMode() throws {
        let theme = try ThemeParser.parse(try readShipped("monochrome"), name: "monochrome", file: "monochrome.theme")
        for role in Role.allCases {
            #expect(theme[role].fg == .default && theme[role].bg == .default, "\(role.rawValue) has a color")
            #expect(theme[role] == Theme.monochromeStyles[role], "\(role.rawValue) differs from NO_COLOR mode")
        }
        // NO_COLOR on any theme gives the same attribute-only styles; key roles stand out.
        let dracula = try ThemeParser.parse(try readShipped("dracula"), name: "dracula", file: "dracula.theme").monochrome()
        #expect(dracula.styles == theme.styles)
        #expect(dracula.name == "dracula (monochrome)")
        #expect(theme[.selection].reverse && theme[.revoked].bold && theme[.revoked].underline && theme[.deny].bold)
        #expect(theme[.dialogDanger] != theme[.dialog] && theme[.tabActive] != theme[.tabInactive])
    }

    @Test func paletteThemesUseTheRealPalettes() throws {
        let dracula: Set<Color> = [.rgb(0x28, 0x2a, 0x36), .rgb(0x44, 0x47, 0x5a), .rgb(0xf8, 0xf8, 0xf2), .rgb(0x62, 0x72, 0xa4),
                                   .rgb(0x8b, 0xe9, 0xfd), .rgb(0x50, 0xfa, 0x7b), .rgb(0xff, 0xb8, 0x6c), .rgb(0xff, 0x79, 0xc6),
                                   .rgb(0xbd, 0x93, 0xf9), .rgb(0xff, 0x55, 0x55), .rgb(0xf1, 0xfa, 0x8c), .default]
        let solarized: Set<Color> = [.rgb(0x00, 0x2b, 0x36), .rgb(0x07, 0x36, 0x42), .rgb(0x58, 0x6e, 0x75), .rgb(0x65, 0x7b, 0x83),
                                     .rgb(0x83, 0x94, 0x96), .rgb(0x93, 0xa1, 0xa1), .rgb(0xee, 0xe8, 0xd5), .rgb(0xfd, 0xf6, 0xe3),
                                     .rgb(0xb5, 0x89, 0x00), .rgb(0xcb, 0x4b, 0x16), .rgb(0xdc, 0x32, 0x2f), .rgb(0xd3, 0x36, 0x82),
                                     .rgb(0x6c, 0x71, 0xc4), .rgb(0x26, 0x8b, 0xd2), .rgb(0x2a, 0xa1, 0x98), .rgb(0x85, 0x99, 0x00), .default]
        for (name, palette) in [("dracula", dracula), ("solarized-dark", solarized)] {
            let theme = try ThemeParser.parse(try readShipped(name), name: name, file: name)
            for role in Role.allCases {
                #expect(palette.contains(theme[role].fg) && palette.contains(theme[role].bg), "\(name) \(role.rawValue) leaves the palette")
            }
        }
        let high = try ThemeParser.parse(try readShipped("high-contrast"), name: "high-contrast", file: "high-contrast")
        for role: Role in [.revoked, .deny, .active, .allow, .title, .principal] { #expect(high[role].bold) }
        #expect(high[.deny].fg == .rgb(255, 0, 0) && high[.allow].fg == .rgb(0, 255, 0))
    }

    @Test func readmeListsEveryRoleWithItsPurpose() throws {
        let readme = try String(contentsOfFile: themesFolder + "/README.md", encoding: .utf8)
        for role in Role.allCases {
            #expect(readme.contains("| `\(role.rawValue)` | \(role.purpose) |"), "README lacks \(role.rawValue)")
        }
        for name in shippedThemes { #expect(readme.contains("`\(name)`")) }
        #expect(readme.contains("NO_COLOR"))
    }

    // MARK: parsing

    @Test func parsesEveryColorFormAndAttribute() throws {
        let text = """
        # a comment line
          # an indented comment
        text = default
        muted = 245
        border = red
        border_focused = bright-cyan on blue
        title = #FFaa00 on #000000 bold dim underline reverse italic   # trailing comment
        selection = on 238 bold
        gauge_filled = reverse
        header=#102030 on 0
        \ttree_guide\t=\t240\tdim
        """
        let t = try ThemeParser.parse(text, name: "mine", file: "mine.theme")
        #expect(t.name == "mine")
        #expect(t[.text] == Style())
        #expect(t[.muted] == Style(fg: .ansi(245)))
        #expect(t[.border] == Style(fg: .red))
        #expect(t[.borderFocused] == Style(fg: .brightCyan, bg: .blue))
        #expect(t[.title] == Style(fg: .rgb(0xff, 0xaa, 0), bg: .rgb(0, 0, 0), bold: true, dim: true, underline: true, reverse: true, italic: true))
        #expect(t[.selection] == Style(bg: .ansi(238), bold: true))
        #expect(t[.gaugeFilled] == Style(reverse: true))
        #expect(t[.header] == Style(fg: .rgb(0x10, 0x20, 0x30), bg: .black))
        #expect(t[.treeGuide] == Style(fg: .ansi(240), dim: true))
        // Roles the file leaves out keep the default style.
        #expect(t[.deny] == Theme.builtin[.deny])
    }

    @Test func hashColorsAndCommentsAreTold() throws {
        let t = try ThemeParser.parse("title = #abcdef # not #123456\nmuted = 245 ## comment\n#facade = a comment that looks like a color\n",
                                      name: "t", file: "t")
        #expect(t[.title] == Style(fg: .rgb(0xab, 0xcd, 0xef)))
        // `#comment?` begins a word and is followed by text: a (bad) color, reported, not dropped.
        #expect(throws: FileError(file: "t", line: 1, message: "muted: bad color '#comment?': expected #rrggbb")) {
            try ThemeParser.parse("muted = 245 #comment?", name: "t", file: "t")
        }
        #expect(try ThemeParser.parse("muted = 245 # ok\n", name: "t", file: "t")[.muted] == Style(fg: .ansi(245)))
        #expect(try ThemeParser.parse("muted = 245 #\n", name: "t", file: "t")[.muted] == Style(fg: .ansi(245)))
        #expect(try ThemeParser.parse("muted = 245 ### banner\n", name: "t", file: "t")[.muted] == Style(fg: .ansi(245)))
        #expect(try ThemeParser.parse("muted = #000000 on #ffffff\n", name: "t", file: "t")[.muted] == Style(fg: .rgb(0, 0, 0), bg: .rgb(255, 255, 255)))
        #expect(try ThemeParser.parse("muted=#0000ff\n", name: "t", file: "t")[.muted] == Style(fg: .rgb(0, 0, 255)))
    }

    @Test func windowsAndOldMacLineEndsNumberLinesLikeAnEditor() throws {
        let t = try ThemeParser.parse("text = red\r\nmuted = #00ff00\r\n\r\n", name: "t", file: "t")
        #expect(t[.text] == Style(fg: .red) && t[.muted] == Style(fg: .rgb(0, 255, 0)))
        #expect(throws: FileError(file: "t", line: 3, message: "unknown role 'nope' (see Themes/README.md for the roles)")) {
            try ThemeParser.parse("text = red\r\n\r\nnope = red\r\n", name: "t", file: "t")
        }
        #expect(throws: FileError(file: "t", line: 2, message: "unknown role 'nope' (see Themes/README.md for the roles)")) {
            try ThemeParser.parse("text = red\rnope = red", name: "t", file: "t")
        }
    }

    @Test(arguments: [
        ("text = red\nbogus = blue", 2, "unknown role 'bogus' (see Themes/README.md for the roles)"),
        ("\n\ntitle = #12345", 3, "title: bad color '#12345': expected #rrggbb"),
        ("title = #1234567", 1, "title: bad color '#1234567': expected #rrggbb"),
        ("title = #12345g", 1, "title: bad color '#12345g': expected #rrggbb"),
        ("title = #+12345", 1, "title: bad color '#+12345': expected #rrggbb"),
        ("title = 256", 1, "title: bad color '256': numbers go from 0 to 255"),
        ("title = 99999999999999999999999", 1, "title: bad color '99999999999999999999999': numbers go from 0 to 255"),
        ("# c\ntitle = bold red", 2, "title: color 'red' out of place: write FG [on BG] then attributes"),
        ("title = red blue", 1, "title: color 'blue' out of place: write FG [on BG] then attributes"),
        ("title = red blink", 1, "title: unknown color or attribute 'blink'"),
        ("title = Red", 1, "title: unknown color or attribute 'Red'"),
        ("title = bright-pink", 1, "title: unknown color or attribute 'bright-pink'"),
        ("text = red\ntitle red bold", 2, "expected `role = style`, got 'title red bold'"),
        ("title =", 1, "title: empty style: give a color (or `default`)"),
        ("title = red on", 1, "title: `on` needs a background color"),
        ("title = red on bold", 1, "title: `on` needs a background color: unknown color or attribute 'bold'"),
        ("title = red on blue on green", 1, "title: `on BG` goes right after the foreground color, once"),
        ("title = red\ntitle = blue", 2, "role 'title' is already set on line 1"),
        ("= red", 1, "unknown role '' (see Themes/README.md for the roles)"),
        ("ti\u{1B}[2Jtle = red", 1, "unknown role 'ti␛[2Jtle' (see Themes/README.md for the roles)"),
    ]) func errorsNameFileAndLine(text: String, line: Int, message: String) {
        #expect(throws: FileError(file: "Themes/x.theme", line: line, message: message)) {
            try ThemeParser.parse(text, name: "x", file: "Themes/x.theme")
        }
        do { _ = try ThemeParser.parse(text, name: "x", file: "Themes/x.theme") } catch {
            #expect(error.description == "Themes/x.theme:\(line): \(message)")
        }
    }

    @Test func errorMessagesQuoteHugeTextShortly() {
        let huge = String(repeating: "z", count: 100_000)
        do {
            _ = try ThemeParser.parse("title = " + huge, name: "x", file: "x")
            Issue.record("parsed")
        } catch {
            #expect(error.message.count < 200 && error.message.hasSuffix("…'"))
        }
    }

    @Test func parseColorForms() throws {
        #expect(try ThemeParser.parseColor("default") == .default)
        #expect(try ThemeParser.parseColor("0") == .ansi(0))
        #expect(try ThemeParser.parseColor("255") == .ansi(255))
        #expect(try ThemeParser.parseColor("007") == .ansi(7))
        #expect(try ThemeParser.parseColor("bright-white") == .ansi(15))
        #expect(try ThemeParser.parseColor("#00FF7f") == .rgb(0, 255, 127))
        for bad in ["", "-1", "+1", "1.5", "٣", "#", "#ＡＢＣＤＥＦ", "#-00000", "bright-", "brightred", "rgb(1,2,3)"] {
            #expect(throws: ThemeParser.StyleError.self, "\(bad)") { try ThemeParser.parseColor(bad) }
        }
    }

    // MARK: loading

    @Test func loaderSearchesFoldersInOrderAndFallsBackForDefault() throws {
        let temp = try TempFolder("warden-themes")
        let root = temp.path
        try FileManager.default.createDirectory(atPath: root + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/b", withIntermediateDirectories: true)
        try "text = red\n".write(toFile: root + "/b/mine.theme", atomically: true, encoding: .utf8)
        try "text = blue\n".write(toFile: root + "/a/mine.theme", atomically: true, encoding: .utf8)
        try "text = green\nbad line\n".write(toFile: root + "/b/broken.theme", atomically: true, encoding: .utf8)
        #expect(try ThemeLoader.load(named: "mine", searchPaths: [root + "/a", root + "/b"])[.text] == Style(fg: .blue))
        #expect(try ThemeLoader.load(named: "mine", searchPaths: [root + "/b", root + "/a"])[.text] == Style(fg: .red))
        #expect(try ThemeLoader.load(named: "default", searchPaths: [root + "/a"]).styles == Theme.builtin.styles)
        #expect(throws: FileError(file: root + "/b/broken.theme", line: 2, message: "expected `role = style`, got 'bad line'")) {
            try ThemeLoader.load(named: "broken", searchPaths: [root + "/b"])
        }
        do { _ = try ThemeLoader.load(named: "absent", searchPaths: [root + "/a"]); Issue.record("loaded") } catch {
            #expect(String(describing: error) == "no theme 'absent' (looked in \(root)/a)")
        }
        for bad in ["../a/mine", "", "a b", "x/y", "\u{1B}"] {
            #expect(throws: ThemeLoader.NotFound.self) { try ThemeLoader.load(named: bad, searchPaths: [root + "/a"]) }
        }
    }

    @Test func searchPaths() {
        let xdg = ThemeLoader.searchPaths(environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"], executable: "/opt/w/.build/debug/warden")
        #expect(xdg.first == "/x/warden/themes")
        #expect(!xdg.contains("/h/.config/warden/themes"))
        #expect(xdg.contains(FileManager.default.currentDirectoryPath + "/Themes"))
        #expect(xdg.contains("/opt/w/Themes"))
        let home = ThemeLoader.searchPaths(environment: ["HOME": "/h", "XDG_CONFIG_HOME": ""], executable: "/usr/local/bin/warden")
        #expect(home.first == "/h/.config/warden/themes")
        #expect(home.contains("/usr/local/share/warden/themes"))
        #expect(Set(home).count == home.count)
    }
}
