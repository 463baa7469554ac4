import WardenCore

/// Why a line was refused. `description` is the reason printed after `FILE:LINE: `.
public struct LineError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A strict, allocation-light scanner for one flat JSON object per line (RFC 8259): strings
/// are validated and only materialized when a caller asks, nested values are validated and
/// kept as raw text. It is the NDJSON hot path; WardenCore's `JSONParser` builds whole trees.
/// Both read tokens through WardenCore's `JSONLexer`.
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

    var lexer: JSONLexer
    var b: UnsafeBufferPointer<UInt8> { lexer.bytes }
    var i: Int {
        get { lexer.position }
        set { lexer.position = newValue }
    }
    static let maxDepth = 64

    init(_ bytes: UnsafeBufferPointer<UInt8>) { lexer = JSONLexer(bytes) }

    func fail(_ message: String) -> LineError {
        // Columns count characters, not bytes, from 1.
        var col = 1
        var k = 0
        let end = min(i, b.count)
        while k < end { if b[k] & 0xC0 != 0x80 { col += 1 }; k += 1 }
        return LineError("bad JSON at column \(col): \(message)")
    }

    @inline(__always) mutating func skipSpace() { lexer.skipSpace() }

    /// A lexer step; its failure becomes a refused line, at the lexer's position.
    @inline(__always)
    mutating func lex<T>(_ step: (inout JSONLexer) throws(JSONLexer.Failure) -> T) throws(LineError) -> T {
        do { return try step(&lexer) } catch { throw fail(error.message(endOf: "line")) }
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
                let key = try string()
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
                i += 1
                skipSpace()
                let v = try value(depth: 1)
                if key.escaped {
                    // Rare: an escaped key; decode it to compare.
                    let unescaped = JSONLexer.unescape(b, key)
                    try unescaped.withUnsafeBufferPointer { (k) throws(LineError) in try member(k, v) }
                } else {
                    try member(UnsafeBufferPointer(rebasing: b[key.start..<key.end]), v)
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
            let r = try string()
            return .string(start: r.start, end: r.end, escaped: r.escaped)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let start = i
            let isArray = b[i] == UInt8(ascii: "[")
            try skipComposite(depth: depth)
            return .composite(start: start, end: i, isArray: isArray)
        case UInt8(ascii: "t"): try lex { (l) throws(JSONLexer.Failure) in try l.literal("true") }; return .bool(true)
        case UInt8(ascii: "f"): try lex { (l) throws(JSONLexer.Failure) in try l.literal("false") }; return .bool(false)
        case UInt8(ascii: "n"): try lex { (l) throws(JSONLexer.Failure) in try l.literal("null") }; return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = i
            try lex { (l) throws(JSONLexer.Failure) in try l.number() }
            return .number(start: start, end: i)
        default: throw fail("unexpected character")
        }
    }

    /// A string (at its opening quote): its content range and whether it has escapes. Unpaired
    /// surrogate escapes pass here and become U+FFFD when the text is taken.
    @inline(__always)
    mutating func string() throws(LineError) -> JSONLexer.StringRange {
        try lex { (l) throws(JSONLexer.Failure) in try l.string(pairedSurrogates: false) }
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

    /// The Swift string a scanned string value holds (input already checked as UTF-8).
    func text(_ start: Int, _ end: Int, _ escaped: Bool) throws(LineError) -> String {
        if !escaped { return String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self) }
        let bytes = JSONLexer.unescape(b, JSONLexer.StringRange(start: start, end: end, escaped: true))
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
