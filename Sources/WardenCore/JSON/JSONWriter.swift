/// Writes JSON for `--json` output: stable key order as given, compact or indented.
public enum JSONWriter {
    public static func write(_ v: JSONValue, indent: Bool = true) -> String {
        // Built as UTF-8 bytes and decoded once: a cascade's audit record quotes 30,000 IDs.
        var out: [UInt8] = []
        emit(v, &out, indent ? 0 : -1)
        return String(decoding: out, as: UTF8.self)
    }

    private static func emit(_ v: JSONValue, _ out: inout [UInt8], _ level: Int) {
        let pretty = level >= 0
        switch v {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): quote(s, &out)
        case .array(let items):
            if items.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (k, item) in items.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(&out, level + 1) }
                emit(item, &out, pretty ? level + 1 : -1)
            }
            if pretty { newline(&out, level) }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (k, (key, value)) in members.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(&out, level + 1) }
                quote(key, &out)
                out.append(contentsOf: (pretty ? ": " : ":").utf8)
                emit(value, &out, pretty ? level + 1 : -1)
            }
            if pretty { newline(&out, level) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], _ level: Int) {
        out.append(UInt8(ascii: "\n"))
        for _ in 0..<(2 * level) { out.append(UInt8(ascii: " ")) }
    }

    /// JSON string escaping; control characters become \u escapes.
    public static func quote(_ s: String, _ out: inout String) {
        var bytes: [UInt8] = []
        quote(s, &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }

    static func quote(_ s: String, _ out: inout [UInt8]) {
        // Fast path: printable ASCII without quotes or backslashes (IDs, names) goes in whole.
        func isPlain(_ b: UInt8) -> Bool { b >= 0x20 && b < 0x7F && b != 0x22 && b != 0x5C }
        let done = s.utf8.withContiguousStorageIfAvailable { (bytes) -> Bool in
            for b in bytes where !isPlain(b) { return false }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: bytes)
            out.append(UInt8(ascii: "\""))
            return true
        }
        if done == true { return }
        if done == nil, s.utf8.allSatisfy(isPlain) {
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: s.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: "\\\"".utf8)
            case "\\": out.append(contentsOf: "\\\\".utf8)
            case "\n": out.append(contentsOf: "\\n".utf8)
            case "\r": out.append(contentsOf: "\\r".utf8)
            case "\t": out.append(contentsOf: "\\t".utf8)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                    || (0x2028...0x2029).contains(scalar.value) {
                    let h = String(scalar.value, radix: 16)
                    out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - h.count) + h).utf8)
                } else {
                    UTF8.encode(scalar) { out.append($0) }
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    public static func quoted(_ s: String) -> String { var o = ""; quote(s, &o); return o }
}

extension JSONValue {
    public static func int(_ v: Int64) -> JSONValue { .number(String(v)) }
    public static func int(_ v: Int) -> JSONValue { .number(String(v)) }
    public static func optString(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
    public static func optInt(_ v: Int64?) -> JSONValue { v.map { .number(String($0)) } ?? .null }
    /// A time as RFC 3339, or null.
    public static func time(_ t: Timestamp?) -> JSONValue { t.map { .string(UTC.rfc3339($0, millis: true)) } ?? .null }
    public static func strings(_ a: [String]) -> JSONValue { .array(a.map { .string($0) }) }
}
