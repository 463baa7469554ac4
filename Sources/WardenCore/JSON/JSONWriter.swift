/// Writes JSON for `--json` output: stable key order as given, compact or indented.
public enum JSONWriter {
    public static func write(_ v: JSONValue, indent: Bool = true) -> String {
        var out = ""
        emit(v, &out, indent ? 0 : -1)
        return out
    }

    private static func emit(_ v: JSONValue, _ out: inout String, _ level: Int) {
        let pretty = level >= 0
        func newline(_ l: Int) { if pretty { out += "\n" + String(repeating: "  ", count: l) } }
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): quote(s, &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (k, item) in items.enumerated() {
                if k > 0 { out += "," }
                newline(level + 1)
                emit(item, &out, pretty ? level + 1 : -1)
            }
            newline(level); out += "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (k, (key, value)) in members.enumerated() {
                if k > 0 { out += "," }
                newline(level + 1)
                quote(key, &out)
                out += pretty ? ": " : ":"
                emit(value, &out, pretty ? level + 1 : -1)
            }
            newline(level); out += "}"
        }
    }

    /// JSON string escaping; control characters become \u escapes.
    public static func quote(_ s: String, _ out: inout String) {
        // Fast path: printable ASCII without quotes or backslashes (IDs, names) goes in whole;
        // a cascade's audit record quotes tens of thousands of IDs.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) {
            out += "\""
            out += s
            out += "\""
            return
        }
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                    || (0x2028...0x2029).contains(scalar.value) {
                    let h = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
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
