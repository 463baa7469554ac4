import TerminalUI
import WardenCore

/// `:export FILE`: the current view's rows, filtered and sorted as shown, as CSV or JSON (by
/// the file's extension). Built here, as text; the effect runner writes the file.
enum Export {
    enum Format { case csv, json }

    static func format(of path: String) -> Format? {
        let lower = path.lowercased()
        return lower.hasSuffix(".csv") ? .csv : lower.hasSuffix(".json") ? .json : nil
    }

    /// The table behind the current view: column titles and each row's values, as shown:
    /// stored text through the one sanitizer (a control or bidi character in a name becomes its
    /// visible stand-in, never raw in a file someone will `cat`), uncut.
    static func table(_ s: DashboardState) -> (columns: [String], rows: [[String]]) {
        let (columns, rows) = s.view.descriptor.export(s)
        return (columns, rows.map { $0.map { Sanitizer.clean($0, maxScalars: .max) } })
    }

    static func render(_ s: DashboardState, as format: Format) -> (text: String, rows: Int) {
        let (columns, rows) = table(s)
        switch format {
        case .csv:
            var out = columns.map(csvField).joined(separator: ",") + "\r\n"
            for r in rows { out += r.map(csvField).joined(separator: ",") + "\r\n" }
            return (out, rows.count)
        case .json:
            let keys = columns.map(jsonKey)
            let objects = rows.map { r in "  {" + zip(keys, r).map { jsonString($0) + ": " + jsonString($1) }.joined(separator: ", ") + "}" }
            return ("[\n" + objects.joined(separator: ",\n") + (objects.isEmpty ? "]\n" : "\n]\n"), rows.count)
        }
    }

    /// RFC 4180 quoting; a leading `=`, `+`, `-` or `@` is defused with a quote so a
    /// spreadsheet never runs an agent's name as a formula.
    static func csvField(_ v: String) -> String {
        var v = v
        if let f = v.first, "=+-@".contains(f) { v = "'" + v }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    /// `SERVER/TOOL` → `server_tool`, `CALLS/M` → `calls_m`.
    static func jsonKey(_ title: String) -> String {
        var key = ""
        for c in title.lowercased() {
            if c.isLetter || c.isNumber { key.append(c) } else if !key.hasSuffix("_") { key.append("_") }
        }
        while key.hasSuffix("_") { key.removeLast() }
        return key
    }

    static func jsonString(_ v: String) -> String {
        var out = "\""
        for u in v.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || (0x7F...0x9F).contains(u.value) || u.value == 0x2028 || u.value == 0x2029 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
