import Foundation

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
        var from: [String: Any] = [:], to: [String: Any] = [:]
        if let b { flatten(b, "", into: &from) }
        if let a { flatten(a, "", into: &to) }
        var out: [Change] = []
        for path in Set(from.keys).union(to.keys).sorted() {
            let x = from[path], y = to[path]
            // A list on one side only is compared with an empty one: its members came or went.
            if let xs = x as? [String] ?? (x == nil && y is [String] ? [] : nil),
               let ys = y as? [String] ?? (y == nil && x is [String] ? [] : nil) {
                let gone = xs.filter { !ys.contains($0) }, new = ys.filter { !xs.contains($0) }
                if !gone.isEmpty { out.append(.removed(path: path, gone)) }
                if !new.isEmpty { out.append(.added(path: path, new)) }
                continue
            }
            let xt = x.map(text), yt = y.map(text)
            if xt != yt { out.append(.value(path: path, from: xt, to: yt)) }
        }
        return out
    }

    private static func parse(_ s: String) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(s.utf8), options: [.fragmentsAllowed])
    }

    /// Objects become dotted paths; lists of plain values stay lists (compared as sets);
    /// lists of objects are numbered (`descendants[2].scopes`).
    private static func flatten(_ v: Any, _ path: String, into out: inout [String: Any]) {
        if let d = v as? [String: Any] {
            if d.isEmpty { out[path] = "{}" }
            for (k, x) in d { flatten(x, path.isEmpty ? k : path + "." + k, into: &out) }
        } else if let l = v as? [Any] {
            if l.allSatisfy({ !($0 is [String: Any]) && !($0 is [Any]) }) {
                out[path] = l.map(text)
            } else {
                for (i, x) in l.enumerated() { flatten(x, path + "[\(i)]", into: &out) }
            }
        } else {
            out[path] = v
        }
    }

    private static func text(_ v: Any) -> String {
        if let s = v as? String { return s }
        if v is NSNull { return "null" }
        if let l = v as? [String] { return "[" + l.joined(separator: ", ") + "]" }
        if let n = v as? NSNumber { return n.stringValue }
        return String(describing: v)
    }
}
