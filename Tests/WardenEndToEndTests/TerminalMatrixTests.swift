import Foundation
import Testing

/// Issue 18: the dashboard on every terminal an operator has — TERM × LANG — read back from a
/// real terminal (tmux). One session per combination; each waits for the tree, not a timer.
@Suite("Terminal matrix", .serialized, .enabled(if: TmuxSession.available))
struct TerminalMatrixTests {
    static let terms = ["xterm-256color", "tmux-256color", "screen", "xterm", "linux", "vt100"]
    static let langs = ["C.UTF-8", "C"]

    struct Combination: CustomTestStringConvertible, Sendable {
        let term: String, lang: String
        var testDescription: String { "TERM=\(term) LANG=\(lang)" }
        var utf8: Bool { lang.hasSuffix("UTF-8") }
        var colors: Int { term.hasSuffix("256color") ? 256 : term == "vt100" ? 0 : 8 }
    }

    static let combinations = terms.flatMap { t in langs.map { Combination(term: t, lang: $0) } }

    /// The sample fleet with triage-bot (and below it issue-labeler) revoked.
    static let fleet: Sandbox? = {
        guard let s = try? Sandbox() else { return nil }
        _ = try? s.ok("init", "--trust-domain", "acme.example")
        _ = try? s.ok("import", SampleFleet.path)
        _ = try? s.ok("revoke", "triage-bot", "--reason", "matrix")
        return s
    }()

    @Test(arguments: combinations) func dashboardReadsOnEveryTerminal(_ c: Combination) throws {
        let s = try #require(Self.fleet)
        let line = "cd '\(s.folder.path)' && env -u LC_ALL -u LC_CTYPE -u NO_COLOR HOME='\(s.folder.path)' TERM=\(c.term) LANG=\(c.lang) "
            + "'\(WardenBinary.path)' --db '\(s.db.replacingOccurrences(of: s.folder.path + "/", with: ""))'"
        let folder = s.folder.appendingPathComponent("tmux-\(c.term)-\(c.lang)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let t = try TmuxSession(line, width: 120, height: 40, folder: folder)
        let screen = t.waitFor("the tree with code-review-agent") { $0.contains("code-review-agent") && $0.contains("UTC") }
        let lines = screen.components(separatedBy: "\n")

        // No cell holds what the locale cannot show.
        if !c.utf8 {
            let bad = screen.unicodeScalars.filter { $0.value >= 0x80 }
            #expect(bad.isEmpty, "\(c.testDescription): non-ASCII on screen: \(String(String.UnicodeScalarView(bad.prefix(10))))")
        }
        // The header reads: the clock and its zone, the figures apart.
        let header = lines.first ?? ""
        #expect(header.range(of: #"\d\d:\d\d:\d\d UTC"#, options: .regularExpression) != nil, "\(c.testDescription): \(header)")
        #expect(header.contains(c.utf8 ? " · " : " - "), "\(c.testDescription): \(header)")
        // Tree structure is visible.
        if c.utf8 {
            #expect(screen.contains("├") && screen.contains("└") && screen.contains("│"), "\(c.testDescription)\n\(screen)")
        } else {
            #expect(screen.contains("|-") && screen.contains("`-"), "\(c.testDescription)\n\(screen)")
        }
        // Active and revoked agents differ by their mark.
        let (active, revoked) = c.utf8 ? ("● code-review-agent", "✗ triage-bot") : ("* code-review-agent", "x triage-bot")
        #expect(screen.contains(active) && screen.contains(revoked), "\(c.testDescription)\n\(screen)")

        // And by how the mark is drawn: color where there is color, attributes where there is none.
        let styled = try t.tmux(["capture-pane", "-e", "-p", "-t", t.name])
        let grid = SGRGrid(styled)
        let a = try #require(grid.style(before: " code-review-agent")), r = try #require(grid.style(before: " triage-bot"))
        #expect(a != r, "\(c.testDescription): active \(a) and revoked \(r) look the same")
        switch c.colors {
        case 0:
            #expect(grid.usedColors.isEmpty, "\(c.testDescription): colors on a terminal without: \(grid.usedColors)")
        case 8:
            #expect(!grid.usedColors.contains { $0.hasPrefix("38") || $0.hasPrefix("48") }, "\(c.testDescription): \(grid.usedColors)")
            #expect(grid.invisibleCells.isEmpty, "\(c.testDescription): black on the default background: \(grid.invisibleCells.prefix(5))")
            #expect(a.fg == "32", "\(c.testDescription): active is green, not \(a)")
        default:
            break
        }
        try t.send("q")
        t.waitFor("the process to exit") { _ in t.isDead }
    }
}

extension TerminalMatrixTests {
    /// `warden tree` on a terminal whose locale is not UTF-8 draws in ASCII; piped, it keeps UTF-8.
    @Test func treeOutputFollowsTheTerminalsLocale() throws {
        let s = try #require(Self.fleet)
        let db = s.db.replacingOccurrences(of: s.folder.path + "/", with: "")
        for lang in Self.langs {
            let folder = s.folder.appendingPathComponent("tmux-tree-\(lang)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let line = "cd '\(s.folder.path)' && env -u LC_ALL -u LC_CTYPE LANG=\(lang) TERM=screen "
                + "'\(WardenBinary.path)' --db '\(db)' tree; echo tree-done"
            let t = try TmuxSession(line, width: 160, height: 40, folder: folder)
            let screen = t.waitFor(text: "tree-done")
            if lang == "C" {
                #expect(screen.unicodeScalars.allSatisfy { $0.value < 0x80 }, "\(screen)")
                #expect(screen.contains("|-- ") && screen.contains("`-- ") && screen.contains("x revoked"), "\(screen)")
            } else {
                #expect(screen.contains("├── ") && screen.contains("└── ") && screen.contains("✗ revoked"), "\(screen)")
            }
        }
        // Piped: UTF-8 for the program reading it, unless --ascii asks otherwise.
        let piped = try s.ok("tree").stdout
        #expect(piped.contains("├── ") && piped.contains("✗ revoked"))
        let ascii = try s.ok("tree", "--ascii").stdout
        #expect(ascii.unicodeScalars.allSatisfy { $0.value < 0x80 } && ascii.contains("|-- ") && ascii.contains("`-- "), "\(ascii)")
    }
}

/// `capture-pane -e` read back into cells with the SGR state each was drawn in.
struct SGRGrid {
    struct State: Equatable, CustomStringConvertible {
        var fg: String?, bg: String?
        var attributes: Set<Int> = []
        var description: String { "fg \(fg ?? "default") bg \(bg ?? "default") attrs \(attributes.sorted())" }
    }

    private(set) var rows: [[(Character, State)]] = []
    private(set) var usedColors: Set<String> = []

    init(_ text: String) {
        var state = State()
        for line in text.components(separatedBy: "\n") {
            var row: [(Character, State)] = []
            var i = line.startIndex
            while i < line.endIndex {
                if line[i] == "\u{1B}", line.index(after: i) < line.endIndex, line[line.index(after: i)] == "[" {
                    var j = line.index(i, offsetBy: 2)
                    while j < line.endIndex, !(line[j].isLetter) { j = line.index(after: j) }
                    if j < line.endIndex, line[j] == "m" { apply(String(line[line.index(i, offsetBy: 2)..<j]), to: &state) }
                    i = j < line.endIndex ? line.index(after: j) : j
                    continue
                }
                row.append((line[i], state))
                i = line.index(after: i)
            }
            rows.append(row)
        }
    }

    private mutating func apply(_ params: String, to s: inout State) {
        var p = params.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
        if p.isEmpty { p = [0] }
        var k = 0
        while k < p.count {
            let n = p[k]
            switch n {
            case 0: s = State()
            case 1...9: s.attributes.insert(n)
            case 22: s.attributes.subtract([1, 2])
            case 23, 24, 25, 27, 28, 29: s.attributes.remove(n - 20)
            case 30...37, 90...97: s.fg = String(n); usedColors.insert(String(n))
            case 39: s.fg = nil
            case 40...47, 100...107: s.bg = String(n); usedColors.insert(String(n))
            case 49: s.bg = nil
            case 38, 48:
                let extended = p[k + 1 < p.count ? k + 1 : k] == 5 ? 3 : 5
                let code = p[k..<min(p.count, k + extended)].map(String.init).joined(separator: ";")
                if n == 38 { s.fg = code } else { s.bg = code }
                usedColors.insert(code)
                k += extended - 1
            default: break
            }
            k += 1
        }
    }

    /// The state of the cell just before `text` on the first row that has it.
    func style(before text: String) -> State? {
        let needle = Array(text)
        for row in rows {
            let chars = row.map(\.0)
            guard chars.count > needle.count else { continue }
            for start in 1..<(chars.count - needle.count + 1) where Array(chars[start..<(start + needle.count)]) == needle {
                return row[start - 1].1
            }
        }
        return nil
    }

    /// Non-blank cells drawn in black (or reversed onto black) on the terminal's own background.
    var invisibleCells: [String] {
        var out: [String] = []
        for (y, row) in rows.enumerated() {
            for (x, (ch, s)) in row.enumerated() where ch != " " {
                let reversed = s.attributes.contains(7)
                let (fg, bg) = reversed ? (s.bg, s.fg) : (s.fg, s.bg)
                if fg == "30" && bg == nil { out.append("\(ch)@\(x),\(y)") }
            }
        }
        return out
    }
}
