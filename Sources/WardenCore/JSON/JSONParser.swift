/// A strict JSON parser over UTF-8 bytes (RFC 8259) that says where input went wrong.
///
/// Strict means: a document it accepts has one meaning under every conforming parser. So it
/// refuses what parsers disagree on: a duplicate key at any depth (first wins in some, last in
/// others), invalid UTF-8 (refused by some, replaced by U+FFFD in others), an unpaired surrogate
/// escape (`\ud800`: kept, replaced or refused), and nesting deeper than `maxDepth`.
public struct JSONParser {
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public let line: Int
        public let column: Int
        public let message: String
        public var description: String { "line \(line), column \(column): \(message)" }
    }

    /// Nesting deeper than this is refused rather than risking the stack.
    public static let maxDepth = 512

    public static func parse(_ text: String) throws(Failure) -> JSONValue {
        try parse(bytes: Array(text.utf8))
    }

    public static func parse(bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> JSONValue {
        var p = JSONParser(bytes: bytes)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        if p.i < bytes.count { throw p.fail("unexpected text after the document") }
        return v
    }

    public static func parse(bytes: [UInt8]) throws(Failure) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (b) throws(Failure) -> JSONValue in try parse(bytes: b) }
    }

    private var lexer: JSONLexer
    private var b: UnsafeBufferPointer<UInt8> { lexer.bytes }
    private var i: Int {
        get { lexer.position }
        set { lexer.position = newValue }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { lexer = JSONLexer(bytes) }

    private func fail(_ message: String) -> Failure {
        var line = 1, col = 1
        for k in 0..<min(i, b.count) {
            if b[k] == 10 { line += 1; col = 1 } else if b[k] & 0xC0 != 0x80 { col += 1 }
        }
        return Failure(line: line, column: col, message: message)
    }

    private func fail(_ failure: JSONLexer.Failure) -> Failure { fail(failure.message(endOf: "input")) }

    private mutating func skipSpace() { lexer.skipSpace() }

    /// A lexer step; its failure becomes this parser's, at the lexer's position.
    private mutating func lex<T>(_ step: (inout JSONLexer) throws(JSONLexer.Failure) -> T) throws(Failure) -> T {
        do { return try step(&lexer) } catch { throw fail(error) }
    }

    private mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard i < b.count else { throw fail("unexpected end of input") }
        switch b[i] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try lex { (l) throws(JSONLexer.Failure) in try l.literal("true") }; return .bool(true)
        case UInt8(ascii: "f"): try lex { (l) throws(JSONLexer.Failure) in try l.literal("false") }; return .bool(false)
        case UInt8(ascii: "n"): try lex { (l) throws(JSONLexer.Failure) in try l.literal("null") }; return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = i
            try lex { (l) throws(JSONLexer.Failure) in try l.number() }
            return .number(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
        default: throw fail("unexpected character")
        }
    }

    private mutating func object(depth: Int) throws(Failure) -> JSONValue {
        if depth > JSONParser.maxDepth { throw fail("nesting deeper than \(JSONParser.maxDepth)") }
        i += 1
        var members: [(String, JSONValue)] = []
        var seen: Set<String> = []
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let keyStart = i
            let key = try string()
            // Compared after unescaping: `"method"` and `"\u006dethod"` are the same key.
            let duplicate: Bool
            if members.count < 16 {
                duplicate = members.contains { $0.0 == key }
            } else {
                // Large objects: a set, so a 100k-key object costs linear time.
                if seen.isEmpty { seen = Set(members.map(\.0)) }
                duplicate = !seen.insert(key).inserted
            }
            if duplicate {
                i = keyStart
                throw fail("duplicate key \"\(key.unicodeScalars.count > 64 ? String(key.prefix(64)) + "…" : key)\" in an object")
            }
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
            i += 1
            skipSpace()
            members.append((key, try value(depth: depth)))
            skipSpace()
            guard i < b.count else { throw fail("unexpected end of input in an object") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            throw fail("expected ',' or '}' in an object")
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> JSONValue {
        if depth > JSONParser.maxDepth { throw fail("nesting deeper than \(JSONParser.maxDepth)") }
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value(depth: depth))
            skipSpace()
            guard i < b.count else { throw fail("unexpected end of input in an array") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw fail("expected ',' or ']' in an array")
        }
    }

    /// A string, strictly: surrogate escapes paired, valid UTF-8 once unescaped.
    private mutating func string() throws(Failure) -> String {
        let range = try lex { (l) throws(JSONLexer.Failure) in try l.string(pairedSurrogates: true) }
        if !range.escaped {
            guard let s = String(validating: UnsafeBufferPointer(rebasing: b[range.start..<range.end]), as: UTF8.self) else {
                i = range.start
                throw fail("invalid UTF-8 in a string")
            }
            return s
        }
        guard let s = String(validating: JSONLexer.unescape(b, range), as: UTF8.self) else { throw fail("invalid UTF-8 in a string") }
        return s
    }
}
