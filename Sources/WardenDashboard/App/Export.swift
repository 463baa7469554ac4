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

    /// The table behind the current view: column titles and each row's values.
    static func table(_ s: DashboardState) -> (columns: [String], rows: [[String]]) {
        let snap = s.snapshot, now = s.now, theme = s.theme
        switch s.view {
        case .tree:
            let rows = s.rows.tree.map { row -> [String] in
                switch row.id {
                case .principal(let i):
                    let p = snap.principals[i]
                    return ["0", "principal", p.id, p.name, p.status.rawValue, "", ""]
                case .agent(let i):
                    let a = snap.agents[i]
                    let left = snap.index.nearestExpiry(i, snap.credentials, now: now).flatMap { $0.expiresAt.map { DurationText.compact($0 - now) } } ?? ""
                    return [String(a.depth), "agent", a.id, a.name, AgentText.statusWord(a, now: now),
                            String(snap.index.liveInstances(i, now: now)), left]
                }
            }
            return (["DEPTH", "KIND", "ID", "NAME", "STATUS", "LIVE", "CREDENTIAL LEFT"], rows)
        case .agents:
            return (["ID"] + Columns.titles(.agents), s.rows.agents.map { i in
                [snap.agents[i].id] + AgentText.cells(snap, i, now: now, theme: theme).map(\.text)
            })
        case .credentials:
            return (Columns.titles(.credentials), s.rows.credentials.map { i in
                var cells = CredentialText.cells(snap, i, now: now, theme: theme, policy: s.policy).map(\.text)
                let c = snap.credentials[i]
                cells[0] = c.id
                cells[4] = c.status(at: now) != .active ? "" : c.expiresAt.map { DurationText.compact($0 - now) } ?? "never"
                return cells
            })
        case .calls:
            return (["SEQ", "AT", "AGENT ID"] + Columns.titles(.calls), s.rows.calls.map { i in
                let c = snap.calls[i]
                var cells = CallText.cells(snap, i, theme: theme).map(\.text)
                cells[cells.count - 1] = c.args ?? ""
                return [String(c.seq), UTC.rfc3339(c.at, millis: true), c.agentID] + cells
            })
        case .findings:
            return (Columns.titles(.findings), s.rows.findings.map { i in
                let f = s.findings[i]
                return [f.severity.name, f.kind.rawValue, f.subject.id, f.explanation, f.fix.rawValue]
            })
        case .audit:
            return (Columns.titles(.audit) + ["BEFORE", "AFTER"], s.rows.audit.map { i in
                let r = snap.audit[i]
                return [String(r.seq), UTC.rfc3339(r.at), r.operatorName, r.action, r.target, r.reason ?? "", r.before ?? "", r.after ?? ""]
            })
        }
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
