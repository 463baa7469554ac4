extension Redaction {
    /// A short, secret-free, single-line summary of structured arguments: compact JSON, values
    /// under sensitive keys and credentials inside strings redacted (and any string equal to or
    /// containing `alsoSecret`, e.g. the caller's own token), control characters dropped, cut at
    /// `limit` characters. Stops walking once the limit is reached (10 MB arguments cost what a
    /// few kilobytes cost).
    public static func summary(_ arguments: JSONValue, alsoSecret: String = "",
                               limit: Int = ToolCall.maxArgsLength) -> (text: String, count: Int) {
        var w = SummaryWriter(limit: limit, secret: alsoSecret)
        w.emit(arguments)
        return (w.finish(), w.redacted)
    }
}

struct SummaryWriter {
    let limit: Int
    let secret: String
    var out = ""
    var count = 0
    var full = false
    var redacted = 0

    init(limit: Int, secret: String) {
        self.limit = limit
        self.secret = secret
    }

    mutating func put(_ s: String) {
        if full { return }
        for ch in s.unicodeScalars {
            // Control characters (C0, DEL, C1) and line/paragraph separators are dropped.
            if ch.value < 0x20 || ch.value == 0x7F || (0x80...0x9F).contains(ch.value)
                || ch.value == 0x2028 || ch.value == 0x2029 { continue }
            if count >= limit - 1 { full = true; return }
            out.unicodeScalars.append(ch)
            count += 1
        }
    }

    mutating func marker(_ kind: String) {
        redacted += 1
        put("\"" + Redaction.marker(kind) + "\"")
    }

    mutating func string(_ s: String) {
        // Only what can be shown is looked at, with a window past the cut so that a secret
        // straddling it is still caught (and then cut whole).
        let window = limit + Redaction.lookahead
        let longer = s.utf8.count > window && s.unicodeScalars.count > window
        var text = longer ? String(String.UnicodeScalarView(s.unicodeScalars.prefix(window))) : s
        if !secret.isEmpty && Self.holds(text, secret) {
            text = text.replacingAll(secret, with: Redaction.marker("warden_secret"))
            redacted += 1
        }
        let (clean, n) = Redaction.redact(text)
        redacted += n
        // Line breaks and tabs read as spaces; other control characters are dropped.
        var shown = ""
        var scalars = 0
        for ch in clean.unicodeScalars {
            if scalars >= limit { break }
            scalars += 1
            if ch == "\n" || ch == "\r" || ch == "\t" { shown += " "; continue }
            if ch.value < 0x20 || ch.value == 0x7F || (0x80...0x9F).contains(ch.value)
                || ch.value == 0x2028 || ch.value == 0x2029 { continue }
            shown.unicodeScalars.append(ch)
        }
        var q = ""
        JSONWriter.quote(shown, &q)
        // Cut (no closing quote) when more remains than was shown.
        if longer || clean.unicodeScalars.count > limit { q.removeLast() }
        put(q)
    }

    /// `text.contains(secret)`, on bytes when both are ASCII and the secret has no CR or LF:
    /// then every byte is a Character of its own with no other spelling (CRLF, the one
    /// two-byte Character, cannot be inside or at the edge of a match), so the answers agree.
    /// The common case then skips the standard library's Character-wise search, which showed
    /// in the profile of a call through `warden serve`.
    static func holds(_ text: String, _ secret: String) -> Bool {
        let t = text.utf8, s = secret.utf8
        guard s.allSatisfy({ $0 < 0x80 && $0 != 13 && $0 != 10 }), t.allSatisfy({ $0 < 0x80 }) else { return text.contains(secret) }
        let hay = Array(t), needle = Array(s)
        guard hay.count >= needle.count else { return false }
        for start in 0...(hay.count - needle.count) where hay[start] == needle[0] {
            if hay[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    mutating func emit(_ v: JSONValue) {
        if full { return }
        switch v {
        case .null: put("null")
        case .bool(let b): put(b ? "true" : "false")
        case .number(let n): put(n)
        case .string(let s): string(s)
        case .array(let items):
            put("[")
            for (i, item) in items.enumerated() {
                if full { return }
                if i > 0 { put(",") }
                emit(item)
            }
            put("]")
        case .object(let members):
            put("{")
            for (i, (key, value)) in members.enumerated() {
                if full { return }
                if i > 0 { put(",") }
                var q = ""
                JSONWriter.quote(key, &q)
                put(q + ":")
                if value != .null, let kind = Redaction.sensitiveKind(forKey: key) { marker(kind) } else { emit(value) }
            }
            put("}")
        }
    }

    func finish() -> String { full ? out + "…" : out }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation in the core).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
