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
    /// Line 0: the file as a whole (it could not be read).
    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// Line and word splitting shared by the theme and config parsers.
public enum FileText {
    /// The line without its comment, trimmed. Before the `=`, `#` starts a comment (so a line
    /// whose first non-blank character is `#` is all comment). After it, `#` starts a comment
    /// when it begins a word and is followed by a blank, `#` or the end of the line (`red # note`);
    /// otherwise it is part of a word, so `#rrggbb` colors need no quoting and a malformed one
    /// (`#12345`) is reported as a bad color rather than silently dropped.
    public static func stripComment(_ raw: Substring) -> String {
        // Every character that matters here is ASCII, and UTF-8 never hides ASCII bytes inside
        // other characters, so the scan can run over bytes.
        let bytes = raw.utf8
        var previous = UInt8(ascii: " ")
        var seenEquals = false
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            let next = bytes.index(after: i)
            if b == UInt8(ascii: "=") { seenEquals = true }
            if b == UInt8(ascii: "#") {
                guard seenEquals else { break }
                let startsWord = previous == 0x20 || previous == 0x09 || previous == UInt8(ascii: "=")
                let endsComment = next == bytes.endIndex || bytes[next] == 0x20 || bytes[next] == 0x09 || bytes[next] == UInt8(ascii: "#")
                if startsWord && endsComment { break }
            }
            previous = b
            i = next
        }
        return raw[raw.startIndex..<i].trimmingCharacters
    }

    /// Lines split at `\n`, `\r\n` or a lone `\r`, so files written on any system number their
    /// lines as an editor does.
    public static func lines(_ text: String) -> [Substring] {
        var out: [Substring] = []
        let bytes = text.utf8
        var start = bytes.startIndex
        var i = start
        while i < bytes.endIndex {
            let b = bytes[i]
            guard b == 0x0A || b == 0x0D else {
                i = bytes.index(after: i)
                continue
            }
            out.append(text[start..<i])
            var next = bytes.index(after: i)
            if b == 0x0D, next < bytes.endIndex, bytes[next] == 0x0A { next = bytes.index(after: next) }
            start = next
            i = next
        }
        out.append(text[start..<bytes.endIndex])
        return out
    }

    /// Words separated by spaces or tabs.
    public static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    public static func isASCIIHexDigit(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }

    public static func hexValue(_ b: UInt8) -> UInt8 {
        b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x61 + 10
    }

    /// Text from the file quoted for an error message: controls made visible, long text cut.
    public static func quoted(_ text: some StringProtocol) -> String {
        "'" + Sanitizer.clean(String(text), maxScalars: 40) + "'"
    }
}

extension StringProtocol {
    /// Without surrounding blanks (spaces, tabs, a CR).
    public var trimmingCharacters: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
