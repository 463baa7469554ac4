/// The byte-level tokens of JSON (RFC 8259): white space, literals, numbers and strings, over a
/// buffer of UTF-8 bytes. Two front ends share it: `JSONParser` (whole trees, every document the
/// CLI, hooks and proxy read) and the ingest's line scanner (one flat object per line, the hot
/// path). Each front end turns a `Failure` into its own error at the lexer's `position`.
public struct JSONLexer {
    /// What went wrong; the position is where the lexer stopped.
    public enum Failure: Error, Equatable, Sendable {
        case unexpectedEnd
        case unexpectedCharacter
        case invalidNumber
        case digitsExpectedAfterPoint
        case digitsExpectedInExponent
        case controlCharacter
        case invalidEscape
        case invalidUnicodeEscape
        case unpairedSurrogate
        case unterminatedString

        /// The message; `unexpectedEnd` names what ended (`input`, `line`).
        public func message(endOf whole: String) -> String {
            switch self {
            case .unexpectedEnd: return "unexpected end of \(whole)"
            case .unexpectedCharacter: return "unexpected character"
            case .invalidNumber: return "invalid number"
            case .digitsExpectedAfterPoint: return "invalid number: digits expected after '.'"
            case .digitsExpectedInExponent: return "invalid number: digits expected in the exponent"
            case .controlCharacter: return "control character in a string"
            case .invalidEscape: return "invalid escape in a string"
            case .invalidUnicodeEscape: return "invalid \\u escape"
            case .unpairedSurrogate: return "unpaired surrogate in a \\u escape"
            case .unterminatedString: return "unterminated string"
            }
        }
    }

    /// A string's content between its quotes, and whether it holds escapes.
    public struct StringRange: Sendable {
        public var start: Int
        public var end: Int
        public var escaped: Bool

        @inlinable public init(start: Int, end: Int, escaped: Bool) {
            self.start = start
            self.end = end
            self.escaped = escaped
        }
    }

    public let bytes: UnsafeBufferPointer<UInt8>
    public var position = 0

    @inlinable public init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    @inlinable public var atEnd: Bool { position >= bytes.count }

    /// The byte at the position (callers check `atEnd` first).
    @inlinable public var current: UInt8 { bytes[position] }

    @inlinable @inline(__always)
    public mutating func skipSpace() {
        while position < bytes.count {
            let c = bytes[position]
            if c == 32 || c == 9 || c == 13 || c == 10 { position += 1 } else { return }
        }
    }

    /// `true`, `false` or `null`, at its first letter.
    @inlinable
    public mutating func literal(_ word: StaticString) throws(Failure) {
        let n = word.utf8CodeUnitCount
        guard position + n <= bytes.count else { throw .unexpectedEnd }
        let w = word.utf8Start
        for k in 0..<n where bytes[position + k] != w[k] { throw .unexpectedCharacter }
        position += n
    }

    /// A number, at its first character (`-` or a digit); the caller takes its text.
    @inlinable
    public mutating func number() throws(Failure) {
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        if position < bytes.count, bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else if digits() == 0 {
            throw .invalidNumber
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            if digits() == 0 { throw .digitsExpectedAfterPoint }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            if digits() == 0 { throw .digitsExpectedInExponent }
        }
    }

    @inlinable
    mutating func digits() -> Int {
        let start = position
        while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 { position += 1 }
        return position - start
    }

    /// A string, at its opening quote: checks its escapes and control characters, not its UTF-8.
    /// `pairedSurrogates`: a `\u` surrogate escape must be a high one followed by a low one
    /// (the strict parser); otherwise unpaired ones pass and `unescape` replaces them.
    @inlinable
    public mutating func string(pairedSurrogates: Bool) throws(Failure) -> StringRange {
        position += 1
        let start = position
        var escaped = false
        while position < bytes.count {
            let c = bytes[position]
            if c == UInt8(ascii: "\"") {
                let end = position
                position += 1
                return StringRange(start: start, end: end, escaped: escaped)
            }
            if c < 0x20 { throw .controlCharacter }
            if c != UInt8(ascii: "\\") { position += 1; continue }
            escaped = true
            position += 1
            guard position < bytes.count else { break }
            switch bytes[position] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                position += 1
            case UInt8(ascii: "u"):
                position += 1
                let code = try hex4()
                if pairedSurrogates { try lowSurrogate(after: code) }
            default: throw .invalidEscape
            }
        }
        throw .unterminatedString
    }

    /// After a `\u` escape's code: a high surrogate needs `\u` + a low one; a low one alone is refused.
    @inlinable
    mutating func lowSurrogate(after code: UInt32) throws(Failure) {
        if (0xDC00...0xDFFF).contains(code) { throw .unpairedSurrogate }
        guard (0xD800...0xDBFF).contains(code) else { return }
        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
            throw .unpairedSurrogate
        }
        position += 2
        guard (0xDC00...0xDFFF).contains(try hex4()) else { throw .unpairedSurrogate }
    }

    /// Four hex digits of a `\u` escape, at the first.
    @inlinable
    mutating func hex4() throws(Failure) -> UInt32 {
        guard position + 4 <= bytes.count else { throw .invalidUnicodeEscape }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = JSONLexer.hexDigit(bytes[position]) else { throw .invalidUnicodeEscape }
            v = v << 4 | d
            position += 1
        }
        return v
    }

    @inlinable
    public static func hexDigit(_ c: UInt8) -> UInt32? {
        switch c {
        case 48...57: return UInt32(c - 48)
        case 65...70: return UInt32(c - 55)
        case 97...102: return UInt32(c - 87)
        default: return nil
        }
    }

    /// The bytes a string's content stands for, escapes decoded (the range came from `string`,
    /// so its escapes are well formed). An unpaired surrogate becomes U+FFFD.
    public static func unescape(_ b: UnsafeBufferPointer<UInt8>, _ range: StringRange) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(range.end - range.start)
        var i = range.start
        let end = range.end
        func hex4(_ at: Int) -> UInt32 {
            var v: UInt32 = 0
            for k in 0..<4 { v = v << 4 | (hexDigit(b[at + k]) ?? 0) }
            return v
        }
        while i < end {
            let c = b[i]
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            let e = b[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = hex4(i)
                i += 4
                if (0xD800...0xDBFF).contains(code) {
                    if i + 6 <= end, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
                        let low = hex4(i + 2)
                        if (0xDC00...0xDFFF).contains(low) {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                            i += 6
                        } else { code = 0xFFFD }
                    } else { code = 0xFFFD }
                } else if (0xDC00...0xDFFF).contains(code) { code = 0xFFFD }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8))
            default: out.append(e)  // " \ /
            }
        }
        return out
    }
}
