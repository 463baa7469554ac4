import WardenCore

/// Why a line was refused. `description` is the reason printed after `FILE:LINE: `.
public struct LineError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A strict, allocation-light scanner for one flat JSON object per line (RFC 8259): strings
/// are validated and only materialized when a caller asks, nested values are validated and
/// kept as raw text. It is the NDJSON hot path; WardenCore's `JSONParser` builds whole trees.
struct JSONScanner {
    /// A value's place in the line.
    enum Value {
        /// `start..<end` is the content between the quotes; `escaped` when it holds backslashes.
        case string(start: Int, end: Int, escaped: Bool)
        case number(start: Int, end: Int)
        case bool(Bool)
        case null
        /// An object or array, `start..<end` its whole text.
        case composite(start: Int, end: Int, isArray: Bool)

        var typeName: String {
            switch self {
            case .string: return "a string"
            case .number: return "a number"
            case .bool: return "a boolean"
            case .null: return "null"
            case .composite(_, _, let isArray): return isArray ? "an array" : "an object"
            }
        }
    }

    let b: UnsafeBufferPointer<UInt8>
    var i = 0
    static let maxDepth = 64

    init(_ bytes: UnsafeBufferPointer<UInt8>) { b = bytes }

    func fail(_ message: String) -> LineError {
        // Columns count characters, not bytes, from 1.
        var col = 1
        var k = 0
        let end = min(i, b.count)
        while k < end { if b[k] & 0xC0 != 0x80 { col += 1 }; k += 1 }
        return LineError("bad JSON at column \(col): \(message)")
    }

    @inline(__always) mutating func skipSpace() {
        while i < b.count {
            let c = b[i]
            if c == 32 || c == 9 || c == 13 || c == 10 { i += 1 } else { return }
        }
    }

    /// Scans `{ "key": value, … }` calling `member` with each key's bytes and value, then
    /// requires the end of the line.
    mutating func object(_ member: (UnsafeBufferPointer<UInt8>, Value) throws(LineError) -> Void) throws(LineError) {
        skipSpace()
        guard i < b.count else { throw fail("empty line") }
        guard b[i] == UInt8(ascii: "{") else { throw fail("expected an object '{'") }
        i += 1
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let (ks, ke, kesc) = try string()
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
                i += 1
                skipSpace()
                let v = try value(depth: 1)
                if kesc {
                    // Rare: an escaped key; decode it to compare.
                    let key = Array(try JSONScanner.unescape(b, ks, ke))
                    try key.withUnsafeBufferPointer { (k) throws(LineError) in try member(k, v) }
                } else {
                    try member(UnsafeBufferPointer(rebasing: b[ks..<ke]), v)
                }
                skipSpace()
                guard i < b.count else { throw fail("unexpected end of line in an object") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; break }
                throw fail("expected ',' or '}' in an object")
            }
        }
        skipSpace()
        if i < b.count { throw fail("unexpected text after the object") }
    }

    mutating func value(depth: Int) throws(LineError) -> Value {
        guard i < b.count else { throw fail("unexpected end of line") }
        switch b[i] {
        case UInt8(ascii: "\""):
            let (s, e, esc) = try string()
            return .string(start: s, end: e, escaped: esc)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let start = i
            let isArray = b[i] == UInt8(ascii: "[")
            try skipComposite(depth: depth)
            return .composite(start: start, end: i, isArray: isArray)
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = i
            try number()
            return .number(start: start, end: i)
        default: throw fail("unexpected character")
        }
    }

    mutating func literal(_ word: StaticString) throws(LineError) {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { throw fail("unexpected end of line") }
        let w = word.utf8Start
        for k in 0..<n where b[i + k] != w[k] { throw fail("unexpected character") }
        i += n
    }

    mutating func number() throws(LineError) {
        if b[i] == UInt8(ascii: "-") { i += 1 }
        func digits(_ s: inout JSONScanner) -> Int {
            let start = s.i
            while s.i < s.b.count, s.b[s.i] >= 48, s.b[s.i] <= 57 { s.i += 1 }
            return s.i - start
        }
        if i < b.count, b[i] == UInt8(ascii: "0") { i += 1 } else if digits(&self) == 0 { throw fail("invalid number") }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            if digits(&self) == 0 { throw fail("invalid number: digits expected after '.'") }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            if digits(&self) == 0 { throw fail("invalid number: digits expected in the exponent") }
        }
    }

    /// Scans a string (at its opening quote); returns its content range and whether it has escapes.
    mutating func string() throws(LineError) -> (Int, Int, Bool) {
        i += 1
        let start = i
        var escaped = false
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                let end = i
                i += 1
                return (start, end, escaped)
            }
            if c == UInt8(ascii: "\\") {
                escaped = true
                i += 1
                guard i < b.count else { break }
                switch b[i] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 1
                case UInt8(ascii: "u"):
                    guard i + 4 < b.count, (1...4).allSatisfy({ JSONScanner.hexDigit(b[i + $0]) != nil }) else {
                        throw fail("invalid \\u escape")
                    }
                    i += 5
                default: throw fail("invalid escape in a string")
                }
                continue
            }
            if c < 0x20 { throw fail("control character in a string") }
            i += 1
        }
        throw fail("unterminated string")
    }

    /// Validates an object or array without building it (iteratively, bounded depth).
    mutating func skipComposite(depth: Int) throws(LineError) {
        // A stack of open brackets: true for arrays.
        var stack: [Bool] = []
        while true {
            guard i < b.count else { throw fail("unexpected end of line") }
            let c = b[i]
            let opening = c == UInt8(ascii: "{") || c == UInt8(ascii: "[")
            if opening {
                if depth + stack.count >= JSONScanner.maxDepth { throw fail("nesting deeper than \(JSONScanner.maxDepth)") }
                stack.append(c == UInt8(ascii: "["))
                i += 1
                skipSpace()
                if i < b.count, b[i] == (stack.last! ? UInt8(ascii: "]") : UInt8(ascii: "}")) {
                    i += 1
                    stack.removeLast()
                    if stack.isEmpty { return }
                    try afterMember(&stack)
                    if stack.isEmpty { return }
                    continue
                }
            }
            // At the start of a member (object key or array item).
            let inArray = stack.last!
            if !inArray {
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                _ = try string()
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
                i += 1
                skipSpace()
            }
            guard i < b.count else { throw fail("unexpected end of line") }
            if b[i] == UInt8(ascii: "{") || b[i] == UInt8(ascii: "[") { continue }
            _ = try value(depth: depth + stack.count)
            try afterMember(&stack)
            if stack.isEmpty { return }
        }
    }

    /// After a member: `,` (stay, skip space) or the closing bracket(s).
    private mutating func afterMember(_ stack: inout [Bool]) throws(LineError) {
        while true {
            skipSpace()
            guard i < b.count else { throw fail("unexpected end of line") }
            let close: UInt8 = stack.last! ? UInt8(ascii: "]") : UInt8(ascii: "}")
            if b[i] == UInt8(ascii: ",") { i += 1; skipSpace(); return }
            if b[i] == close {
                i += 1
                stack.removeLast()
                if stack.isEmpty { return }
                continue
            }
            throw fail(stack.last! ? "expected ',' or ']' in an array" : "expected ',' or '}' in an object")
        }
    }

    static func hexDigit(_ c: UInt8) -> UInt32? {
        switch c {
        case 48...57: return UInt32(c - 48)
        case 65...70: return UInt32(c - 55)
        case 97...102: return UInt32(c - 87)
        default: return nil
        }
    }

    /// The bytes of an escaped string's content.
    static func unescape(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) throws(LineError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var i = start
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

    /// The Swift string a scanned string value holds (input already checked as UTF-8).
    func text(_ start: Int, _ end: Int, _ escaped: Bool) throws(LineError) -> String {
        if !escaped { return String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self) }
        let bytes = try JSONScanner.unescape(b, start, end)
        guard let s = String(validating: bytes, as: UTF8.self) else { throw LineError("invalid UTF-8 in a string") }
        return s
    }

    /// The raw text of a slice (numbers and composites).
    func raw(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
    }
}

/// UTF-8 validation of a whole line, so bad bytes are refused with one clear reason.
enum UTF8Check {
    /// The byte offset of the first invalid sequence, or nil when the bytes are valid UTF-8.
    static func firstInvalid(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = b.count
        var i = 0
        guard let base = b.baseAddress else { return nil }
        // ASCII fast path, eight bytes at a time.
        while i + 8 <= n {
            let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let len: Int, minCode: UInt32
            var code: UInt32
            if c & 0xE0 == 0xC0 { len = 2; code = UInt32(c & 0x1F); minCode = 0x80 }
            else if c & 0xF0 == 0xE0 { len = 3; code = UInt32(c & 0x0F); minCode = 0x800 }
            else if c & 0xF8 == 0xF0 { len = 4; code = UInt32(c & 0x07); minCode = 0x10000 }
            else { return i }
            guard i + len <= n else { return i }
            for k in 1..<len {
                let d = b[i + k]
                guard d & 0xC0 == 0x80 else { return i }
                code = code << 6 | UInt32(d & 0x3F)
            }
            if code < minCode || code > 0x10FFFF || (0xD800...0xDFFF).contains(code) { return i }
            i += len
        }
        return nil
    }
}
