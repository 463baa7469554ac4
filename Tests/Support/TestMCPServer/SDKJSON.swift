import Foundation

/// JSON read the way the official MCP Python SDK reads it (pydantic): invalid UTF-8 becomes
/// U+FFFD, the last of duplicate keys wins, numbers become NSNumber. Lenient on purpose: this is
/// the reading a proxy must never disagree with.
enum SDKJSON {
    static func parse(_ data: Data) -> Any? {
        var p = Parser(bytes: Array(String(decoding: data, as: UTF8.self).utf8))
        p.space()
        guard let v = p.value() else { return nil }
        p.space()
        return p.i == p.bytes.count ? v : nil
    }

    struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func space() {
            while i < bytes.count, [32, 9, 10, 13].contains(bytes[i]) { i += 1 }
        }

        mutating func value() -> Any? {
            guard i < bytes.count else { return nil }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var object: [String: Any] = [:]
                space()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return object }
                while true {
                    space()
                    guard let key = string() else { return nil }
                    space()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
                    i += 1
                    space()
                    guard let v = value() else { return nil }
                    object[key] = v  // the last duplicate wins
                    space()
                    guard i < bytes.count else { return nil }
                    i += 1
                    if bytes[i - 1] == UInt8(ascii: "}") { return object }
                    if bytes[i - 1] != UInt8(ascii: ",") { return nil }
                }
            case UInt8(ascii: "["):
                i += 1
                var array: [Any] = []
                space()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return array }
                while true {
                    space()
                    guard let v = value() else { return nil }
                    array.append(v)
                    space()
                    guard i < bytes.count else { return nil }
                    i += 1
                    if bytes[i - 1] == UInt8(ascii: "]") { return array }
                    if bytes[i - 1] != UInt8(ascii: ",") { return nil }
                }
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: "t"): return word("true", true)
            case UInt8(ascii: "f"): return word("false", false)
            case UInt8(ascii: "n"): return word("null", NSNull())
            default: return number()
            }
        }

        mutating func word(_ w: String, _ v: Any) -> Any? {
            let w = Array(w.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { return nil }
            i += w.count
            return v
        }

        mutating func number() -> Any? {
            let start = i
            while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            if let n = Int64(text) { return NSNumber(value: n) }
            if let d = Double(text), text.first != "+" { return NSNumber(value: d) }
            return nil
        }

        mutating func string() -> String? {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
            i += 1
            var out: [UInt8] = []
            while i < bytes.count {
                let c = bytes[i]
                i += 1
                if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                if c != UInt8(ascii: "\\") { out.append(c); continue }
                guard i < bytes.count else { return nil }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "u"):
                    guard i + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16)
                    else { return nil }
                    i += 4
                    out += Array(String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8)
                default: out.append(e)
                }
            }
            return nil
        }
    }
}
