/// RFC 8785 (JSON Canonicalization Scheme): the one byte sequence of a JSON value, whatever key
/// order and whitespace it was written with, so a tool definition hashes the same on every host
/// and changes hash only when a value changes. Keys are sorted by their UTF-16 code units,
/// strings escaped minimally, numbers written as ECMAScript writes an IEEE-754 double.
///
/// Written byte by byte into one buffer: a proxy canonicalizes every tool of every `tools/list`
/// (500 tools in well under a millisecond is the aim), so nothing here allocates per value.
public enum CanonicalJSON {
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// A number that is no finite double (JCS cannot represent it), and where it is.
        case numberOutOfRange(String, path: String)

        public var description: String {
            switch self {
            case .numberOutOfRange(let n, let path): return "\(path): the number \(n) is outside the range of a double"
            }
        }
    }

    public static func encode(_ value: JSONValue) throws(Failure) -> String {
        String(decoding: try bytes(value), as: UTF8.self)
    }

    /// The canonical form as UTF-8 bytes (what is hashed).
    public static func bytes(_ value: JSONValue) throws(Failure) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        do { try write(value, into: &out) } catch { throw .numberOutOfRange(error.number, path: "$" + error.path) }
        return out
    }

    /// A failure on its way out: the path is built only then, from the innermost value outwards.
    private struct Unwinding: Error {
        var number: String
        var path: String
    }

    private static func write(_ value: JSONValue, into out: inout [UInt8]) throws(Unwinding) {
        switch value {
        case .null: append("null", to: &out)
        case .bool(let b): append(b ? "true" : "false", to: &out)
        case .number(let text): try number(text, into: &out)
        case .string(let s): string(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for i in items.indices {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                do { try write(items[i], into: &out) } catch { throw Unwinding(number: error.number, path: "[\(i)]" + error.path) }
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            var first = true
            for i in sortedIndices(members) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                let (key, member) = members[i]
                string(key, into: &out)
                out.append(UInt8(ascii: ":"))
                do { try write(member, into: &out) } catch { throw Unwinding(number: error.number, path: "." + key + error.path) }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func append(_ literal: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// The members' positions in key order (UTF-16 code units), sorted once per object.
    private static func sortedIndices(_ members: [(String, JSONValue)]) -> [Int] {
        var order = Array(members.indices)
        if members.count > 1 { order.sort { precedesInUTF16(members[$0].0, members[$1].0) } }
        return order
    }

    /// Whether `a` sorts before `b` by UTF-16 code units, compared on their UTF-8 bytes without
    /// converting. UTF-8 byte order is code point order; the two orders differ only between a
    /// character U+E000–U+FFFF (lead byte EE or EF) and one above U+FFFF (lead byte F0–F4, a
    /// surrogate pair in UTF-16, D800–DBFF), where UTF-16 puts the latter first. The first
    /// differing byte of two valid UTF-8 strings is a lead byte in both or a continuation byte
    /// of one same-length sequence in both, so it alone settles which case applies.
    static func precedesInUTF16(_ a: String, _ b: String) -> Bool {
        var i = a.utf8.makeIterator(), j = b.utf8.makeIterator()
        while true {
            guard let x = i.next() else { return j.next() != nil }
            guard let y = j.next() else { return false }
            if x == y { continue }
            let xHigh = x >= 0xEE && x <= 0xEF, yHigh = y >= 0xEE && y <= 0xEF
            if xHigh && y >= 0xF0 { return false }
            if yHigh && x >= 0xF0 { return true }
            return x < y
        }
    }

    /// JSON string with only the escapes JCS requires: `"` `\` and the control characters
    /// (the short forms where JSON has them, else `\u00xx` in lower case). Everything else is
    /// copied as its UTF-8 bytes, in runs between escapes.
    static func string(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var run = 0
            for i in bytes.indices {
                let b = bytes[i]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i]))
                escape(b, into: &out)
                run = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func escape(_ b: UInt8, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        switch b {
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        case 0..<0x20:
            append("u00", to: &out)
            out.append(hexDigit(b >> 4))
            out.append(hexDigit(b & 0xF))
        default: out.append(b)  // `"` and `\`
        }
    }

    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 87 + v }

    /// A number as written. A plain integer of at most 15 digits is a double exactly, and
    /// ECMAScript writes it as its digits: copied without leading zeros (and `-0` as `0`).
    /// Anything else goes through the double.
    private static func number(_ text: String, into out: inout [UInt8]) throws(Unwinding) {
        let utf8 = text.utf8
        var digits = utf8[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        if !digits.isEmpty, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            let significant = digits.drop { $0 == 48 }
            if significant.count <= 15 {
                if significant.isEmpty { out.append(48); return }
                if negative { out.append(UInt8(ascii: "-")) }
                out.append(contentsOf: significant)
                return
            }
        }
        guard let d = Double(text), d.isFinite else { throw Unwinding(number: text, path: "") }
        out.append(contentsOf: number(d).utf8)
    }

    /// ECMAScript's Number.prototype.toString for a finite double (ECMA-262 §6.1.6.1.20): the
    /// shortest digits that round-trip (Swift's `description` finds them), laid out by the
    /// decimal exponent: plain up to 21 integer digits, `0.000…` down to 1e-6, else exponent form.
    public static func number(_ d: Double) -> String {
        if d == 0 { return "0" }  // -0 too
        let negative = d < 0
        // Swift writes the shortest round-trip digits as "123.45", "1e-07" or "1.2345e+20".
        let text = Array(String(describing: abs(d)))
        var mantissa = text[...], exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(String(text[(e + 1)...]))!
        }
        let point = mantissa.firstIndex(of: ".") ?? mantissa.endIndex
        var digits = Array(mantissa[..<point]) + Array(mantissa[point...].dropFirst())
        // n: where the decimal point sits after the first digit of `digits`.
        var n = point - mantissa.startIndex + exponent
        while digits.first == "0" { digits.removeFirst(); n -= 1 }
        while digits.last == "0" { digits.removeLast() }
        let k = digits.count
        let s = String(digits)
        var out = negative ? "-" : ""
        if k <= n && n <= 21 {
            out += s + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            out += String(digits[..<n]) + "." + String(digits[n...])
        } else if -6 < n && n <= 0 {
            out += "0." + String(repeating: "0", count: -n) + s
        } else {
            let e = n - 1
            out += String(digits[0]) + (k > 1 ? "." + String(digits[1...]) : "")
            out += "e" + (e < 0 ? "-" : "+") + String(abs(e))
        }
        return out
    }
}
