import TerminalUI
import WardenConfig

/// Reads `Themes/NAME.theme`: `role = FG [on BG] [bold] [dim] [underline] [reverse] [italic]`.
public enum ThemeParser {
    /// Parses a theme file. Roles the file does not mention keep `Theme.builtin`'s style, so a
    /// parsed theme always has every role. A role given twice is an error.
    public static func parse(_ text: String, name: String, file: String) throws(FileError) -> Theme {
        var styles = Theme.builtin.styles
        var firstLine: [Role: Int] = [:]
        for (index, raw) in FileText.lines(text).enumerated() {
            let lineNumber = index + 1
            let line = FileText.stripComment(raw)
            if line.isEmpty { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw FileError(file: file, line: lineNumber, message: "expected `role = style`, got \(FileText.quoted(line))")
            }
            let key = line[..<eq].trimmingCharacters
            guard let role = roleNames[key] else {
                throw FileError(file: file, line: lineNumber,
                                message: "unknown role \(FileText.quoted(key)) (see Themes/README.md for the roles)")
            }
            if let first = firstLine[role] {
                throw FileError(file: file, line: lineNumber, message: "role '\(key)' is already set on line \(first)")
            }
            firstLine[role] = lineNumber
            do { styles[role] = try parseStyle(line[line.index(after: eq)...].trimmingCharacters) } catch {
                throw FileError(file: file, line: lineNumber, message: "\(key): \(error.message)")
            }
        }
        return Theme(name: name, styles: styles)
    }

    static let roleNames = Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0.rawValue, $0) })

    public struct StyleError: Error, Sendable { public let message: String }

    /// `FG [on BG] [attributes…]`. A style may also be attributes alone (`reverse`), or start
    /// with `on BG`.
    static func parseStyle(_ text: String) throws(StyleError) -> Style {
        var words = FileText.words(text)
        guard !words.isEmpty else { throw StyleError(message: "empty style: give a color (or `default`)") }
        var style = Style()
        if let fg = try? parseColor(words[0]) {
            style.fg = fg
            words.removeFirst()
        }
        if words.first == "on" {
            guard words.count >= 2 else { throw StyleError(message: "`on` needs a background color") }
            do { style.bg = try parseColor(words[1]) } catch {
                throw StyleError(message: "`on` needs a background color: \(error.message)")
            }
            words.removeFirst(2)
        }
        for w in words {
            switch w {
            case "bold": style.attributes.insert(.bold)
            case "dim": style.attributes.insert(.dim)
            case "underline": style.attributes.insert(.underline)
            case "reverse": style.attributes.insert(.reverse)
            case "italic": style.attributes.insert(.italic)
            case "on": throw StyleError(message: "`on BG` goes right after the foreground color, once")
            default:
                _ = try parseColor(w)  // a color here is misplaced; a non-color is unknown
                throw StyleError(message: "color \(FileText.quoted(w)) out of place: write FG [on BG] then attributes")
            }
        }
        return style
    }

    static let names: [String: Int] = ["black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7]

    /// `#rrggbb`, `0`–`255`, a color name, `bright-NAME`, or `default`.
    public static func parseColor(_ w: String) throws(StyleError) -> Color {
        if w.isEmpty { throw StyleError(message: "missing color") }
        if w == "default" { return .default }
        if let n = names[w] { return .ansi(UInt8(n)) }
        if w.hasPrefix("bright-"), let n = names[String(w.dropFirst(7))] { return .ansi(UInt8(n + 8)) }
        if w.hasPrefix("#") {
            let hex = Array(w.utf8.dropFirst())
            guard hex.count == 6, hex.allSatisfy(FileText.isASCIIHexDigit) else {
                throw StyleError(message: "bad color \(FileText.quoted(w)): expected #rrggbb")
            }
            let v = hex.reduce(UInt32(0)) { $0 << 4 | UInt32(FileText.hexValue($1)) }
            return .rgb(UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
        }
        if w.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            guard w.utf8.count <= 3, let n = Int(w), (0...255).contains(n) else {
                throw StyleError(message: "bad color \(FileText.quoted(w)): numbers go from 0 to 255")
            }
            return .ansi(UInt8(n))
        }
        throw StyleError(message: "unknown color or attribute \(FileText.quoted(w))")
    }
}
