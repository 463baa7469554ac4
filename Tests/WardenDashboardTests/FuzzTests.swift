import Testing
import WardenConfig
import WardenCore
import TerminalUI
@testable import WardenDashboard

typealias FuzzRandom = SplitMix64

/// Builds random file text from fragments that matter to the parsers (valid keys, colors,
/// attributes, separators) mixed with hostile bytes: controls, NUL, ESC, invalid UTF-8 (decoded
/// with replacement), `=` and `#` storms, and now and then a huge line.
struct FileFuzzer {
    var rng: FuzzRandom
    let keys: [String]
    let values: [String]

    static let colors = ["default", "red", "bright-blue", "black", "bright-white", "0", "7", "255", "256", "-1", "#ff0000",
                         "#FFAA00", "#12345", "#1234567", "#gggggg", "#", "##", "#+12345", "bright-", "Red", "999999999999"]
    static let attributes = ["bold", "dim", "underline", "reverse", "italic", "blink", "on", "on on", "BOLD"]
    static let separators = [" ", "  ", "\t", "=", " = ", "==", "#", " # ", "\r", "\r\n", "\n", ",", ", "]

    init(seed: UInt64, keys: [String], values: [String]) {
        rng = FuzzRandom(seed: seed)
        self.keys = keys
        self.values = values
    }

    mutating func fragment() -> [UInt8] {
        switch rng.below(16) {
        case 0...3: return Array(rng.pick(keys).utf8)
        case 4...5: return Array(rng.pick(Self.colors).utf8)
        case 6: return Array(rng.pick(Self.attributes).utf8)
        case 7...8: return Array(rng.pick(values).utf8)
        case 9...10: return Array(rng.pick(Self.separators).utf8)
        case 11: return (0..<rng.below(6)).map { _ in UInt8(rng.below(256)) }  // random bytes: invalid UTF-8, C1
        case 12: return (0..<rng.below(4)).map { _ in UInt8(rng.below(0x20)) }  // C0 controls incl. NUL, ESC, CR
        case 13: return Array(repeating: rng.chance(percent: 50) ? UInt8(ascii: "=") : UInt8(ascii: "#"), count: 1 + rng.below(40))
        case 14: return Array(rng.pick(["\u{1B}[2J", "\u{1B}]0;owned\u{7}", "\u{202E}", "\u{200D}", "e\u{301}", "\u{FEFF}", "🛡️", "\u{0085}", "\u{2028}"]).utf8)
        default: return Array(String(rng.below(100_000)).utf8)
        }
    }

    mutating func line() -> [UInt8] {
        if rng.chance(percent: 40) {
            // Mostly well formed: key = value fragments.
            var out = Array(rng.pick(keys).utf8) + Array(rng.pick([" = ", "=", " =", "\t=\t"]).utf8)
            for _ in 0..<(1 + rng.below(3)) { out += fragment(); if rng.chance(percent: 70) { out.append(0x20) } }
            return out
        }
        var out: [UInt8] = []
        for _ in 0..<rng.below(6) { out += fragment() }
        return out
    }

    mutating func text() -> String {
        var bytes: [UInt8] = []
        let lines = 1 + rng.below(3)
        for i in 0..<lines {
            if i > 0 { bytes += rng.chance(percent: 85) ? [0x0A] : rng.chance(percent: 50) ? [0x0D, 0x0A] : [0x0D] }
            bytes += line()
        }
        if rng.below(1000) == 0 {
            // A huge line (rare, to keep the run fast): a storm of one fragment.
            let piece = fragment() + [0x20]
            for _ in 0..<(2_000 / max(1, piece.count)) { bytes += piece }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Lines as an editor counts them (`\n`, `\r\n`, lone `\r`).
func lineCount(_ text: String) -> Int {
    var count = 1
    var previous: UInt8 = 0
    for b in text.utf8 {
        if b == 0x0A && previous != 0x0D || b == 0x0D { count += 1 }
        previous = b
    }
    return count
}

/// Checks an error from a fuzzed file: it names the file and a real line, and its message is
/// short and safe to print (no control characters or bidi overrides copied from the input).
func checkError(_ error: FileError, file: String, text: String) -> String? {
    if error.file != file { return "wrong file \(error.file)" }
    if !(1...lineCount(text)).contains(error.line) { return "line \(error.line) outside 1...\(lineCount(text))" }
    if error.message.isEmpty { return "empty message" }
    if !Sanitizer.isClean(error.message) { return "unsafe message \(error.message.debugDescription)" }
    if error.message.unicodeScalars.count > 600 { return "message of \(error.message.unicodeScalars.count) scalars" }
    return nil
}

@Suite struct FuzzTests {
    static let themeCases = 100_000
    static let configCases = 100_000

    @Test func themeParserSurvivesRandomInput() {
        var fuzz = FileFuzzer(seed: 0x7E4E_0001, keys: Role.allCases.map(\.rawValue) + ["", "role", "text text", "#text"],
                              values: ["text", "default on 238 bold", "on", "#abcdef # c", "255 on 0 reverse"])
        var failures: [String] = []
        var parsed = 0, refused = 0
        for n in 0..<Self.themeCases {
            let text = fuzz.text()
            do {
                let theme = try ThemeParser.parse(text, name: "fuzz", file: "fuzz.theme")
                parsed += 1
                if theme.styles.count != Role.allCases.count { failures.append("case \(n): roles missing") }
                if n % 50 == 0, (try? ThemeParser.parse(text, name: "fuzz", file: "fuzz.theme"))?.styles != theme.styles {
                    failures.append("case \(n): not deterministic")
                }
            } catch let first {
                refused += 1
                if let problem = checkError(first, file: "fuzz.theme", text: text) { failures.append("case \(n): \(problem): \(text.debugDescription.prefix(200))") }
                if n % 50 == 0 {
                    do { _ = try ThemeParser.parse(text, name: "fuzz", file: "fuzz.theme"); failures.append("case \(n): second parse succeeded") } catch {
                        if error != first { failures.append("case \(n): different error") }
                    }
                }
            }
            if failures.count > 5 { break }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        // The generator must reach both outcomes, or it is testing nothing.
        #expect(parsed > 1_000 && refused > 1_000, "parsed \(parsed), refused \(refused)")
    }

    /// Valid lines built from random styles parse back to exactly those styles.
    @Test func themeRoundTripsRandomStyles() throws {
        var rng = FuzzRandom(seed: 0x7E4E_0002)
        func color() -> (String, Color) {
            switch rng.below(5) {
            case 0: return ("default", .default)
            case 1: let n = rng.below(256); return (String(n), .ansi(UInt8(n)))
            case 2: let n = rng.below(8); return (["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"][n], .ansi(UInt8(n)))
            case 3: let n = rng.below(8); return ("bright-" + ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"][n], .ansi(UInt8(n + 8)))
            default:
                let (r, g, b) = (UInt8(rng.below(256)), UInt8(rng.below(256)), UInt8(rng.below(256)))
                let hex = [r, g, b].map { let s = String($0, radix: 16, uppercase: rng.chance(percent: 50)); return s.count == 1 ? "0" + s : s }.joined()
                return ("#" + hex, .rgb(r, g, b))
            }
        }
        let attributeNames: [(String, Attributes)] = [("bold", .bold), ("dim", .dim), ("underline", .underline), ("reverse", .reverse), ("italic", .italic)]
        for n in 0..<10_000 {
            var lines: [String] = []
            var expected = Theme.builtin.styles
            for role in Role.allCases.shuffled(using: &rng).prefix(1 + rng.below(6)) {
                var words: [String] = []
                var style = Style()
                if rng.chance(percent: 80) { let (t, c) = color(); words.append(t); style.fg = c }
                if rng.chance(percent: 40) { let (t, c) = color(); words += ["on", t]; style.bg = c }
                for (name, a) in attributeNames.shuffled(using: &rng) where rng.chance(percent: 30) { words.append(name); style.attributes.insert(a) }
                if words.isEmpty { words = ["default"] }
                let gap = rng.pick([" ", "  ", "\t"])
                var line = role.rawValue + rng.pick([" = ", "=", "\t=  "]) + words.joined(separator: gap)
                if rng.chance(percent: 30) { line += rng.pick([" # note", "  #", " ## #ffffff"]) }
                lines.append(line)
                if rng.chance(percent: 20) { lines.append(rng.pick(["", "# comment", "   ", "#ffffff = x"])) }
                expected[role] = style
            }
            let text = lines.joined(separator: rng.chance(percent: 80) ? "\n" : "\r\n")
            do {
                let theme = try ThemeParser.parse(text, name: "t", file: "t")
                if theme.styles != expected {
                    Issue.record("case \(n): \(text.debugDescription)")
                    return
                }
            } catch {
                Issue.record("case \(n): \(error) for \(text.debugDescription)")
                return
            }
        }
    }

    @Test func configParserSurvivesRandomInput() {
        let settingKeys = ["theme", "refresh_ms", "environment", "environment_color", "read_only", "operator",
                           "policy.max_credential_ttl", "policy.max_depth", "policy.stale_instance", "policy.unused_scopes", "policy.bogus", "key.", "unknown"]
        let keys = settingKeys + Action.allCases.map { "key." + $0.rawValue }
        let values = ["dracula", "light", "250", "49", "60000", "60001", "true", "false", "prod", "alice", "90s", "0s", "15m", "8h", "7d", "500ms", "1y",
                      "x", "X", "q", "ctrl-c", "ctrl-h", "F5", "f25", "space", "hash", "comma", "esc", "up", "pgdn", "x, y", "a,b,,c", "ctrl-"]
        var fuzz = FileFuzzer(seed: 0xC0F1_0001, keys: keys, values: values)
        var failures: [String] = []
        var parsed = 0, refused = 0, remapped = 0
        for n in 0..<Self.configCases {
            let text = fuzz.text()
            do {
                let c = try parseDashboardConfig(text, file: "config")
                parsed += 1
                if !(50...60_000).contains(c.refreshMs) { failures.append("case \(n): refresh_ms \(c.refreshMs)") }
                if c.policy.maxDepth <= 0 || c.policy.maxCredentialTTLMs <= 0 || c.policy.staleInstanceMs <= 0 || c.policy.unusedScopeMs <= 0 {
                    failures.append("case \(n): policy \(c.policy)")
                }
                if let theme = c.theme, theme.isEmpty || !theme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
                    failures.append("case \(n): theme \(theme.debugDescription)")
                }
                // The key map stays consistent: within the lists, and within the dialogs, a key
                // belongs to at most one action, and looking it up finds that action.
                if c.keyMap.bindings != KeyMap.defaults.bindings { remapped += 1 }
                func lookup(_ key: Key, _ scope: Action.Scope) -> Action? {
                    scope == .lists ? c.keyMap.action(for: key, readOnly: false) : c.keyMap.dialogAction(for: key)
                }
                var owner: [Action.Scope: [Key: Action]] = [:]
                for action in Action.allCases {
                    for key in c.keyMap.bindings[action] ?? [] {
                        if let other = owner[action.scope]?[key] { failures.append("case \(n): \(key) bound to \(other) and \(action)") }
                        owner[action.scope, default: [:]][key] = action
                        if lookup(key, action.scope) != action { failures.append("case \(n): \(key) does not find \(action)") }
                    }
                }
                for scope in [Action.Scope.lists, .dialogs] {
                    for key in [Key.char("x"), .char("q"), .char("X"), .char("y"), .char("n"), .ctrl("c"), .up, .function(5), .char("#"), .char(",")]
                    where lookup(key, scope) != owner[scope]?[key] {
                        failures.append("case \(n): stale lookup for \(key) in \(scope)")
                    }
                }
            } catch {
                refused += 1
                if let problem = checkError(error, file: "config", text: text) { failures.append("case \(n): \(problem): \(text.debugDescription.prefix(200))") }
            }
            if failures.count > 5 { break }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(parsed > 1_000 && refused > 1_000 && remapped > 100, "parsed \(parsed), refused \(refused), remapped \(remapped)")
    }

    /// Every key name that parses names a key the terminal can actually deliver.
    @Test func keyNamesParseOnlyDeliverableKeys() {
        var rng = FuzzRandom(seed: 0x4E4D_0001)
        let pieces = ["ctrl-", "f", "F", "Ctrl-", "s-", "shift-", "space", "hash", "comma", "enter", "esc", "tab", "up", "pg", "dn",
                      "1", "2", "24", "25", "0", "+", "-", "a", "z", "h", "m", "é", "İ", "ß", "\u{0}", "\u{1B}", "\u{7F}", " ", "#", ",", "🛡️", "e\u{301}"]
        var recognised = 0
        for n in 0..<100_000 {
            var text = ""
            for _ in 0..<rng.below(4) { text += rng.pick(pieces) }
            if rng.chance(percent: 10) { text = String(decoding: (0..<rng.below(4)).map { _ in UInt8(rng.below(256)) }, as: UTF8.self) }
            guard let key = KeyNames.parse(text) else { continue }
            recognised += 1
            let ok: Bool
            switch key {
            case .char(let c): ok = c.isASCII && c.unicodeScalars.count == 1 && (0x21..<0x7F).contains(c.asciiValue!) || c == " "
            case .ctrl(let c):
                ok = c.isASCII && c.isLetter && c.isLowercase
                    && (1...26).contains(where: { KeyDecoder.decode(code: Int32($0), isKeyCode: false) == key })
            case .function(let f): ok = (1...24).contains(f)
            default: ok = true
            }
            if !ok { Issue.record("case \(n): \(text.debugDescription) → \(key)"); return }
            if KeyNames.parse(text) != key { Issue.record("case \(n): not deterministic"); return }
            _ = KeyNames.name(key)
        }
        #expect(recognised > 1_000)
    }
}
