/// RFC 8785 (JSON Canonicalization Scheme): the one byte sequence of a JSON value, whatever key
/// order and whitespace it was written with, so a tool definition hashes the same on every host
/// and changes hash only when a value changes. Keys are sorted by their UTF-16 code units,
/// strings escaped minimally, numbers written as ECMAScript writes an IEEE-754 double.
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
        var out = ""
        try write(value, path: "$", into: &out)
        return out
    }

    private static func write(_ value: JSONValue, path: String, into out: inout String) throws(Failure) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let text):
            guard let d = Double(text), d.isFinite else { throw .numberOutOfRange(text, path: path) }
            out += number(d)
        case .string(let s): string(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                try write(item, path: "\(path)[\(i)]", into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            let sorted = members.sorted { $0.0.utf16.lexicographicallyPrecedes($1.0.utf16) }
            for (i, (key, member)) in sorted.enumerated() {
                if i > 0 { out += "," }
                string(key, into: &out)
                out += ":"
                try write(member, path: "\(path).\(key)", into: &out)
            }
            out += "}"
        }
    }

    /// JSON string with only the escapes JCS requires: `"` `\` and the control characters
    /// (the short forms where JSON has them, else `\u00xx` in lower case).
    static func string(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
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
