/// The one redaction rule for everything Warden records about a tool call's arguments (the
/// proxy, `warden ingest`, `authorize --record`, and the store itself as the last line).
/// Secrets become `[redacted:KIND]`:
/// - the value under a sensitive key (`SensitiveKeys`), in JSON or in text (`password=…`,
///   `"api_key": "…"`, `Authorization: Bearer …`), whatever its type;
/// - anything that looks like a credential wherever it appears (`CredentialPatterns`), and PEM
///   private key blocks.
/// Applying it twice changes nothing (a marker is never redacted again).
public enum Redaction {
    /// `[redacted:KIND]`.
    public static func marker(_ kind: String) -> String { "[redacted:" + kind + "]" }

    /// The kind a value under `key` is redacted as, or nil when the key is not sensitive.
    public static func sensitiveKind(forKey key: some StringProtocol) -> String? {
        var k = String(key)
        guard k.withUTF8({ SensitiveKeys.mayBeSensitive($0) }) else { return nil }
        return SensitiveKeys.kind(of: k)
    }

    /// `text` with every secret replaced, and how many were.
    public static func redact(_ text: String) -> (text: String, count: Int) {
        var s = text
        return s.withUTF8 { b in
            var r = TextRedactor(b)
            r.scan()
            guard let out = r.out else { return (text, 0) }
            return (String(decoding: out, as: UTF8.self), r.count)
        }
    }

    /// A stored argument summary: redacted, then cut to `limit` characters (a cut summary ends in
    /// `…`). Only the first `limit + window` characters are looked at, so a 10 MB string costs
    /// what a few kilobytes cost; a secret reaching past that window is cut, never shown in part.
    public static func summary(text: String, limit: Int = ToolCall.maxArgsLength) -> (text: String, count: Int) {
        let window = limit + lookahead
        var head = text
        var longer = false
        if text.utf8.count > window, text.unicodeScalars.count > window {
            head = String(String.UnicodeScalarView(text.unicodeScalars.prefix(window)))
            longer = true
        }
        let (red, n) = redact(head)
        return (RecordLimits.clip(red, limit, cut: longer), n)
    }

    /// How far past a summary's cut the redaction looks (a PEM block or a long token straddling the cut).
    static let lookahead = 4096
}

/// One pass over UTF-8 bytes; builds a new text only once something is redacted.
struct TextRedactor {
    let b: UnsafeBufferPointer<UInt8>
    var out: [UInt8]?
    var copied = 0
    var count = 0

    init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

    @inline(__always) static func isRunByte(_ c: UInt8) -> Bool { CredentialPatterns.isB64URL(c) || c == 46 }

    mutating func replace(_ start: Int, _ end: Int, _ kind: String, quoted: Bool = false) {
        if out == nil { out = []; out!.reserveCapacity(b.count) }
        out!.append(contentsOf: UnsafeBufferPointer(rebasing: b[copied..<start]))
        if quoted { out!.append(34) }
        out!.append(contentsOf: Redaction.marker(kind).utf8)
        if quoted { out!.append(34) }
        copied = end
        count += 1
    }

    mutating func scan() {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c == 92, i + 1 < n { i += 2; continue }  // an escape (`\n`, `\"`) separates words
            if c == 45, let e = CredentialPatterns.privateKeyBlock(b, at: i) {
                replace(i, e, "private_key")
                i = e
                continue
            }
            if c == 58, let (s, e) = urlPassword(at: i) {
                replace(s, e, "url_password")
                i = e
                continue
            }
            guard Self.isRunByte(c) else { i += 1; continue }
            i = word(at: i)
        }
        if out != nil { out!.append(contentsOf: UnsafeBufferPointer(rebasing: b[copied..<n])) }
    }

    /// A run of word bytes starting at `start`: a credential in it, or a sensitive key and its
    /// value after it. Returns where scanning goes on.
    mutating func word(at start: Int) -> Int {
        let end = CredentialPatterns.run(b, start, Self.isRunByte)
        // Credentials at the run's start, or after a separator inside it.
        var p = start
        while p < end {
            if let m = CredentialPatterns.match(b, at: p, runStart: p == start) {
                replace(p, m.end, m.kind)
                return m.end
            }
            let q = CredentialPatterns.run(b, p) { CredentialPatterns.isAlnum($0) }
            // A PEM block glued to a word (`\n-----BEGIN` escaped once more): `scan` takes it from here.
            if q < end, b[q] == 45, CredentialPatterns.privateKeyBlock(b, at: q) != nil { return q }
            p = q == p ? p + 1 : q + 1
        }
        // Only a word followed by `:` or `=` can be a key: the key rule runs for those alone.
        guard let (valueStart, quotedKey) = valueStart(afterKey: end) ?? flagValueStart(start, end) else { return end }
        let key = UnsafeBufferPointer(rebasing: b[start..<end])
        guard SensitiveKeys.mayBeSensitive(key), let kind = SensitiveKeys.kind(of: key.asKey) else { return end }
        return value(at: valueStart, quotedKey: quotedKey, kind: kind)
    }

    /// `scheme://user:PASSWORD@host` with `i` at the scheme's `:`: the password's range.
    func urlPassword(at i: Int) -> (Int, Int)? {
        let n = b.count
        guard i + 3 < n, b[i + 1] == 47, b[i + 2] == 47 else { return nil }
        func stop(_ c: UInt8) -> Bool { c == 47 || c == 64 || c <= 32 || c == 34 || c == 39 || c == 92 || c == 63 || c == 35 }
        var j = i + 3
        while j < n, !stop(b[j]), b[j] != 58 { j += 1 }
        guard j < n, b[j] == 58 else { return nil }
        let start = j + 1
        var e = start
        while e < n, !stop(b[e]) { e += 1 }
        guard e < n, b[e] == 64, e > start, !CredentialPatterns.isMarker(b, start) else { return nil }
        return (start, e)
    }

    /// A command-line flag and its value, `--password hunter2`: where the value starts.
    func flagValueStart(_ start: Int, _ end: Int) -> (Int, Bool)? {
        guard end - start > 2, b[start] == 45, b[start + 1] == 45, end < b.count, b[end] == 32 else { return nil }
        var i = end
        while i < b.count, b[i] == 32 { i += 1 }
        guard i < b.count, b[i] != 45 else { return nil }  // the next flag, not a value
        return (i, false)
    }

    /// Where the value after a key starts (`":`, `=`, `: ` …), and whether the key was quoted.
    func valueStart(afterKey keyEnd: Int) -> (Int, Bool)? {
        let n = b.count
        var i = keyEnd
        var quotedKey = false
        if i < n, b[i] == 34 || b[i] == 39 { quotedKey = true; i += 1 } else if i + 1 < n, b[i] == 92, b[i + 1] == 34 { quotedKey = true; i += 2 }
        while i < n, b[i] == 32 || b[i] == 9 { i += 1 }
        guard i < n, b[i] == 58 || b[i] == 61 else { return nil }
        if b[i] == 58, i + 2 < n, b[i + 1] == 47, b[i + 2] == 47 { return nil }  // a URL scheme
        i += 1
        while i < n, b[i] == 32 || b[i] == 9 { i += 1 }
        return (i, quotedKey)
    }

    /// Redacts the value starting at `i` (after a sensitive key); returns where scanning goes on.
    mutating func value(at i: Int, quotedKey: Bool, kind: String) -> Int {
        let n = b.count
        guard i < n else { return i }
        let c = b[i]
        // A quoted value: only its content is replaced.
        if c == 34 || c == 39 {
            let e = closing(from: i + 1, quote: c, escaped: false)
            if !CredentialPatterns.isMarker(b, i + 1), e > i + 1 { replace(i + 1, e, kind) }
            return min(n, e + 1)
        }
        if c == 92, i + 1 < n, b[i + 1] == 34 {
            let e = closing(from: i + 2, quote: 34, escaped: true)
            if !CredentialPatterns.isMarker(b, i + 2), e > i + 2 { replace(i + 2, e, kind) }
            return min(n, e + 2)
        }
        if CredentialPatterns.isMarker(b, i) { return i }
        if c == 123 || c == 91 {
            let e = balanced(from: i)
            replace(i, e, kind, quoted: quotedKey)
            return e
        }
        var e = unquotedEnd(from: i)
        if e == i { return i }
        if has(literal: i, e, ["null", "true", "false"]) { return e }
        // `Authorization: Bearer abc` / `Basic abc`: the scheme and its credential.
        if kind == "authorization", e < n, b[e] == 32 {
            let next = unquotedEnd(from: e + 1)
            if next > e + 1 { e = next }
        }
        replace(i, e, kind, quoted: quotedKey)
        return e
    }

    func has(literal s: Int, _ e: Int, _ words: [String]) -> Bool {
        words.contains { w in w.utf8.count == e - s && w.utf8.elementsEqual(b[s..<e]) }
    }

    func unquotedEnd(from i: Int) -> Int {
        var e = i
        while e < b.count {
            let c = b[e]
            if c == 32 || c == 9 || c == 10 || c == 13 || c == 44 || c == 59 || c == 38 || c == 125 || c == 93
                || c == 34 || c == 39 || c == 92 { break }
            e += 1
        }
        return e
    }

    /// The index of the closing quote (or the end of the text).
    func closing(from i: Int, quote: UInt8, escaped: Bool) -> Int {
        var e = i
        while e < b.count {
            if b[e] == 92 {
                if escaped, e + 1 < b.count, b[e + 1] == quote { return e }
                e += 2
                continue
            }
            if !escaped && b[e] == quote { return e }
            e += 1
        }
        return b.count
    }

    /// Past the bracket matching the one at `i` (strings skipped), or the end of the text.
    func balanced(from i: Int) -> Int {
        var depth = 0
        var e = i
        var inString = false
        while e < b.count {
            let c = b[e]
            if inString {
                if c == 92 { e += 2; continue }
                if c == 34 { inString = false }
            } else if c == 34 {
                inString = true
            } else if c == 123 || c == 91 {
                depth += 1
            } else if c == 125 || c == 93 {
                depth -= 1
                if depth == 0 { return e + 1 }
            }
            e += 1
        }
        return b.count
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// The bytes as a key (ASCII run bytes only, so always valid UTF-8).
    var asKey: String { String(decoding: self, as: UTF8.self) }
}
