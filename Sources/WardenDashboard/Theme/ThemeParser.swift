import TerminalUI

/// A line of a theme or config file that could not be read, with where it is.
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let message: String
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }
    public var description: String { "\(file):\(line): \(message)" }
}

/// Reads `Themes/NAME.theme`: `role = FG [on BG] [bold] [dim] [underline] [reverse] [italic]`.
public enum ThemeParser {
    public static func parse(_ text: String, name: String, file: String) throws(FileError) -> Theme {
        var styles = Theme.builtin.styles
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = stripComment(raw)
            if line.isEmpty { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw FileError(file: file, line: lineNumber, message: "expected `role = style`")
            }
            let key = line[..<eq].trimmingCharacters
            guard let role = Role(rawValue: key) else {
                throw FileError(file: file, line: lineNumber, message: "unknown role '\(key)' (see Themes/README.md for the roles)")
            }
            do { styles[role] = try parseStyle(line[line.index(after: eq)...].trimmingCharacters) } catch {
                throw FileError(file: file, line: lineNumber, message: error.message)
            }
        }
        return Theme(name: name, styles: styles)
    }

    public struct StyleError: Error, Sendable { public let message: String }

    /// `FG [on BG] [attributes…]`.
    static func parseStyle(_ text: String) throws(StyleError) -> Style {
        var words = text.split(separator: " ").map(String.init)
        guard !words.isEmpty else { throw StyleError(message: "empty style: give a color (or `default`)") }
        var style = Style()
        if let fg = try? parseColor(words[0]) {
            style.fg = fg
            words.removeFirst()
        }
        if words.first == "on" {
            guard words.count >= 2 else { throw StyleError(message: "`on` needs a background color") }
            style.bg = try parseColor(words[1])
            words.removeFirst(2)
        }
        for w in words {
            switch w {
            case "bold": style.attributes.insert(.bold)
            case "dim": style.attributes.insert(.dim)
            case "underline": style.attributes.insert(.underline)
            case "reverse": style.attributes.insert(.reverse)
            case "italic": style.attributes.insert(.italic)
            default:
                _ = try parseColor(w)  // a color here is misplaced; a non-color is unknown
                throw StyleError(message: "color '\(w)' out of place: write FG [on BG] then attributes")
            }
        }
        return style
    }

    static let names: [String: Int] = ["black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7]

    /// `#rrggbb`, `0`–`255`, a color name, `bright-NAME`, or `default`.
    public static func parseColor(_ w: String) throws(StyleError) -> Color {
        if w == "default" { return .default }
        if let n = names[w] { return .ansi(UInt8(n)) }
        if w.hasPrefix("bright-"), let n = names[String(w.dropFirst(7))] { return .ansi(UInt8(n + 8)) }
        if w.hasPrefix("#") {
            let hex = w.dropFirst()
            guard hex.count == 6, let v = UInt32(hex, radix: 16) else {
                throw StyleError(message: "bad color '\(w)': expected #rrggbb")
            }
            return .rgb(UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
        }
        if w.allSatisfy(\.isNumber) {
            guard let n = Int(w), (0...255).contains(n) else { throw StyleError(message: "bad color '\(w)': numbers go from 0 to 255") }
            return .ansi(UInt8(n))
        }
        throw StyleError(message: "unknown color or attribute '\(w)'")
    }

    static func stripComment(_ raw: Substring) -> String {
        // `#` starts a comment unless it begins a #rrggbb color (a `#` right after `=`, `on` or a space then hex).
        var out = ""
        var previous: Character = " "
        var i = raw.startIndex
        while i < raw.endIndex {
            let c = raw[i]
            if c == "#" {
                let rest = raw[raw.index(after: i)...]
                let hex = rest.prefix(6)
                let isColor = previous == " " || previous == "=" ? hex.count == 6 && hex.allSatisfy(\.isHexDigit) && (rest.count == 6 || rest.dropFirst(6).first == " ") : false
                if !isColor { break }
            }
            out.append(c)
            previous = c
            i = raw.index(after: i)
        }
        return out.trimmingCharacters
    }
}

extension StringProtocol {
    var trimmingCharacters: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
