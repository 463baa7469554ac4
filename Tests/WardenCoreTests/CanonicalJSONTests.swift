import Testing
import WardenCore

/// RFC 8785 (JCS): its own test vectors, and the laws tool pinning rests on — key order and
/// whitespace never change the canonical form; a changed value always does.
struct CanonicalJSONTests {
    func canonical(_ text: String) throws -> String { try CanonicalJSON.encode(try JSONParser.parse(text)) }

    @Test func theRFCsExampleObject() throws {
        let input = #"""
        {
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }
        """#
        #expect(try canonical(input) == #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#)
    }

    @Test func keysSortByUTF16CodeUnits() throws {
        let input = #"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#
        let keys = try JSONParser.parse(try canonical(input)).object!.map(\.0)
        #expect(keys == ["\r", "1", "\u{80}", "\u{F6}", "\u{20AC}", "\u{1F600}", "\u{FB33}"])
    }

    /// RFC 8785 Appendix B: IEEE-754 bit patterns and the text ECMAScript writes for each.
    @Test func numbersAsECMAScriptWritesThem() {
        let vectors: [(UInt64, String)] = [
            (0x0000000000000000, "0"), (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"), (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"), (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"), (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"), (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"), (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"), (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"), (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"), (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"), (0x43143ff3c1cb0959, "1424953923781206.2"),
        ]
        for (bits, text) in vectors {
            #expect(CanonicalJSON.number(Double(bitPattern: bits)) == text, "0x\(String(bits, radix: 16))")
        }
    }

    @Test func aNumberNoDoubleHoldsIsRefusedWithItsPath() {
        #expect(throws: CanonicalJSON.Failure.numberOutOfRange("1e400", path: "$.inputSchema.max")) {
            try CanonicalJSON.encode(try JSONParser.parse(#"{"inputSchema":{"max":1e400}}"#))
        }
    }

    /// Integers are copied as written (after `-0` and leading zeros are normalised) when a double
    /// holds them exactly, and otherwise go through the double: either way the text is what
    /// ECMAScript writes for the number.
    @Test func integersAreWrittenAsTheDoubleWouldBe() throws {
        let integers = ["0", "-0", "7", "-7", "007", "-00012", "000", "123456789012345", "-999999999999999",
                        "1000000000000000", "9007199254740993", "18446744073709551616", "123456789012345678901234",
                        "100000000000000000000", "1000000000000000000000"]
        for text in integers {
            #expect(try CanonicalJSON.encode(.number(text)) == CanonicalJSON.number(Double(text)!), "\(text)")
        }
        #expect(try CanonicalJSON.encode(.array([.number("-0"), .number("0042"), .number("9007199254740993")])) == "[0,42,9007199254740992]")
    }

    /// Keys sort by UTF-16 code units, which differs from UTF-8 (code point) order exactly
    /// between U+E000–U+FFFF and characters above U+FFFF: random keys mixing every UTF-8 length
    /// come out in the order Swift's UTF-16 comparison gives.
    @Test func keyOrderIsUTF16OrderForEveryKindOfCharacter() throws {
        let alphabet: [Unicode.Scalar] = ["a", "b", "~", "\u{7F}", "\u{80}", "\u{7FF}", "\u{800}", "\u{D7FF}", "\u{E000}", "\u{FB33}",
                                          "\u{FFFD}", "\u{FFFF}", "\u{10000}", "\u{1F600}", "\u{10FFFF}"]
        var random = SeededRandom(seed: 16)
        for _ in 0..<200 {
            var keys = Set<String>()
            for _ in 0..<Int(random.next() % 8) + 2 {
                var key = String.UnicodeScalarView()
                for _ in 0..<Int(random.next() % 4) + 1 { key.append(alphabet[Int(random.next() % UInt64(alphabet.count))]) }
                keys.insert(String(key))
            }
            let members = keys.map { ($0, JSONValue.null) }
            let written = try JSONParser.parse(try CanonicalJSON.encode(.object(members))).object!.map(\.0)
            #expect(written == keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }, "\(keys)")
        }
    }

    @Test func theBytesAreTheTextsUTF8() throws {
        var random = SeededRandom(seed: 32)
        for _ in 0..<100 {
            let value = Self.document(&random, depth: 0)
            #expect(try CanonicalJSON.bytes(value) == Array(try CanonicalJSON.encode(value).utf8))
        }
    }

    // MARK: Laws, over random documents

    /// Any key order and any whitespace give the same canonical text.
    @Test func keyOrderAndWhitespaceNeverMatter() throws {
        var random = SeededRandom(seed: 8785)
        for _ in 0..<300 {
            let value = Self.document(&random, depth: 0)
            let reference = try CanonicalJSON.encode(value)
            let shuffled = Self.shuffled(value, &random)
            #expect(try CanonicalJSON.encode(shuffled) == reference)
            let spaced = Self.text(shuffled, &random)
            #expect(try canonical(spaced) == reference, "\(spaced)")
        }
    }

    /// Changing any one leaf value (or a key) changes the canonical text.
    @Test func anyChangedValueChangesTheCanonicalText() throws {
        var random = SeededRandom(seed: 1)
        var checked = 0
        for _ in 0..<300 {
            let value = Self.document(&random, depth: 0)
            guard let changed = Self.mutated(value, &random) else { continue }
            #expect(try CanonicalJSON.encode(changed) != CanonicalJSON.encode(value), "\(changed) vs \(value)")
            checked += 1
        }
        #expect(checked > 200)
    }

    // MARK: Generators

    static let words = ["a", "b", "name", "description", "type", "é", "\u{1F600}", "x y", "\"q\"", "tab\t", "", "Z", "_meta"]

    static func document(_ r: inout SeededRandom, depth: Int) -> JSONValue {
        let pick = depth > 3 ? Int(r.next() % 4) : Int(r.next() % 6)
        switch pick {
        case 0: return .null
        case 1: return .bool(r.next() % 2 == 0)
        case 2: return .number(["0", "-1", "4.5", "1e21", "0.000001", "123456789", "2.5e-8", "-0.25"][Int(r.next() % 8)])
        case 3: return .string(words[Int(r.next() % UInt64(words.count))] + String(r.next() % 100))
        case 4: return .array((0..<Int(r.next() % 4)).map { _ in document(&r, depth: depth + 1) })
        default:
            var members: [(String, JSONValue)] = []
            for i in 0..<Int(r.next() % 5) { members.append(("\(words[Int(r.next() % UInt64(words.count))])\(i)", document(&r, depth: depth + 1))) }
            return .object(members)
        }
    }

    static func shuffled(_ v: JSONValue, _ r: inout SeededRandom) -> JSONValue {
        switch v {
        case .array(let items): return .array(items.map { shuffled($0, &r) })
        case .object(let members):
            var m = members.map { ($0.0, shuffled($0.1, &r)) }
            for i in stride(from: m.count - 1, to: 0, by: -1) { m.swapAt(i, Int(r.next() % UInt64(i + 1))) }
            return .object(m)
        default: return v
        }
    }

    /// JSON text with random whitespace between tokens.
    static func text(_ v: JSONValue, _ r: inout SeededRandom) -> String {
        func ws(_ r: inout SeededRandom) -> String { ["", " ", "\n", "\t", "  \r\n "][Int(r.next() % 5)] }
        switch v {
        case .array(let items):
            return "[" + ws(&r) + items.map { text($0, &r) }.joined(separator: ws(&r) + "," + ws(&r)) + ws(&r) + "]"
        case .object(let members):
            return "{" + ws(&r) + members.map { JSONWriter.quoted($0.0) + ws(&r) + ":" + ws(&r) + text($0.1, &r) }
                .joined(separator: ws(&r) + "," + ws(&r)) + ws(&r) + "}"
        default: return JSONWriter.write(v, indent: false)
        }
    }

    /// The document with one leaf value or one key changed; nil when it has none.
    static func mutated(_ v: JSONValue, _ r: inout SeededRandom) -> JSONValue? {
        switch v {
        case .null: return .bool(false)
        case .bool(let b): return .bool(!b)
        case .number(let n): return .number(n == "7" ? "8" : "7")
        case .string(let s): return .string(s + "!")
        case .array(let items):
            guard !items.isEmpty else { return .array([.null]) }
            var copy = items
            let i = Int(r.next() % UInt64(items.count))
            guard let m = mutated(items[i], &r) else { return nil }
            copy[i] = m
            return .array(copy)
        case .object(let members):
            guard !members.isEmpty else { return .object([("k", .null)]) }
            var copy = members
            let i = Int(r.next() % UInt64(members.count))
            if r.next() % 4 == 0 { copy[i].0 += "~"; return .object(copy) }
            guard let m = mutated(members[i].1, &r) else { return nil }
            copy[i].1 = m
            return .object(copy)
        }
    }
}
