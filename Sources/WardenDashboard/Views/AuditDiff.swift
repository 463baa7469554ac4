import WardenCore

/// A journal record's before and after as the changes between them, rather than two JSON
/// documents to compare by eye: `status  active → revoked`, `scopes  − github/get_*`.
enum AuditDiff {
    enum Change: Equatable {
        /// A value that changed, or appeared (`from` nil), or went away (`to` nil).
        case value(path: String, from: String?, to: String?)
        /// Members a list lost.
        case removed(path: String, [String])
        /// Members a list gained.
        case added(path: String, [String])
    }

    static func changes(before rawBefore: String?, after rawAfter: String?) -> [Change] {
        let before = rawBefore?.isEmpty == true ? nil : rawBefore, after = rawAfter?.isEmpty == true ? nil : rawAfter
        let b = before.flatMap(parse), a = after.flatMap(parse)
        // Text that is not JSON is compared whole.
        if (before != nil && b == nil) || (after != nil && a == nil) {
            return before == after ? [] : [.value(path: "", from: before, to: after)]
        }
        var from: [String: Flat] = [:], to: [String: Flat] = [:]
        if let b { flatten(b, "", into: &from) }
        if let a { flatten(a, "", into: &to) }
        var out: [Change] = []
        for path in Set(from.keys).union(to.keys).sorted() {
            let x = from[path], y = to[path]
            // A list on one side only is compared with an empty one: its members came or went.
            if let xs = x?.list ?? (x == nil && y?.list != nil ? [] : nil),
               let ys = y?.list ?? (y == nil && x?.list != nil ? [] : nil) {
                let gone = xs.filter { !ys.contains($0) }, new = ys.filter { !xs.contains($0) }
                if !gone.isEmpty { out.append(.removed(path: path, gone)) }
                if !new.isEmpty { out.append(.added(path: path, new)) }
                continue
            }
            let xt = x.map(\.text), yt = y.map(\.text)
            if xt != yt { out.append(.value(path: path, from: xt, to: yt)) }
        }
        return out
    }

    /// A flattened value: plain text, or a list of plain values (compared as a set).
    private enum Flat: Equatable {
        case text(String)
        case list([String])

        var list: [String]? { if case .list(let l) = self { return l } else { return nil } }
        var text: String {
            switch self {
            case .text(let t): return t
            case .list(let l): return "[" + l.joined(separator: ", ") + "]"
            }
        }
    }

    private static func parse(_ s: String) -> JSONValue? { try? JSONParser.parse(s) }

    /// Objects become dotted paths; lists of plain values stay lists (compared as sets);
    /// lists of objects are numbered (`descendants[2].scopes`).
    private static func flatten(_ v: JSONValue, _ path: String, into out: inout [String: Flat]) {
        switch v {
        case .object(let members):
            if members.isEmpty { out[path] = .text("{}") }
            for (k, x) in members { flatten(x, path.isEmpty ? k : path + "." + k, into: &out) }
        case .array(let items):
            if items.allSatisfy({ $0.object == nil && $0.array == nil }) {
                out[path] = .list(items.map(text))
            } else {
                for (i, x) in items.enumerated() { flatten(x, path + "[\(i)]", into: &out) }
            }
        default:
            out[path] = .text(text(v))
        }
    }

    private static func text(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        default: return JSONWriter.write(v, indent: false)
        }
    }
}
