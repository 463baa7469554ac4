/// Values that look like credentials wherever they appear in text (README, "Redaction").
/// Each rule starts at a token boundary (the start of a run of `[A-Za-z0-9_.-]`; the
/// distinctive prefixes also after a `-`, `_` or `.` inside one) and needs a minimum length,
/// so `task-list` or `ask-me` never read as an `sk-` key.
enum CredentialPatterns {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    @inline(__always) static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    }
    @inline(__always) static func isUpperOrDigit(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) }
    @inline(__always) static func isB64URL(_ c: UInt8) -> Bool { isAlnum(c) || c == 95 || c == 45 }
    @inline(__always) static func isTokenChar(_ c: UInt8) -> Bool {
        isB64URL(c) || c == 46 || c == 126 || c == 43 || c == 47 || c == 61  // . ~ + / =
    }

    static func has(_ b: Bytes, _ i: Int, _ p: StaticString) -> Bool {
        let n = p.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        let s = p.utf8Start
        for k in 0..<n where b[i + k] != s[k] { return false }
        return true
    }

    /// The end of a run of `ok` bytes from `i`.
    static func run(_ b: Bytes, _ i: Int, _ ok: (UInt8) -> Bool) -> Int {
        var j = i
        while j < b.count && ok(b[j]) { j += 1 }
        return j
    }

    /// A credential starting at `i`: its end and kind. `runStart`: `i` begins a run (rules
    /// with common-looking prefixes, `sk-` and `Bearer`, apply only there).
    static func match(_ b: Bytes, at i: Int, runStart: Bool) -> (end: Int, kind: String)? {
        let c = b[i]
        func body(_ from: Int, min: Int, _ ok: (UInt8) -> Bool) -> Int? {
            let e = run(b, from, ok)
            return e - from >= min ? e : nil
        }
        func body(_ from: Int, min: Int) -> Int? { body(from, min: min, isB64URL) }
        switch c {
        case UInt8(ascii: "w"):
            if has(b, i, "wdn_"), let e = body(i + 4, min: 16) { return (e, "warden_secret") }
        case UInt8(ascii: "g"):
            if has(b, i, "github_pat_"), let e = body(i + 11, min: 20) { return (e, "github_token") }
            if has(b, i, "glpat-"), let e = body(i + 6, min: 20) { return (e, "gitlab_token") }
            if i + 4 <= b.count, b[i + 1] == UInt8(ascii: "h"), b[i + 3] == UInt8(ascii: "_"),
               "pousr".utf8.contains(b[i + 2]), let e = body(i + 4, min: 20, isAlnum) {
                return (e, "github_token")
            }
        case UInt8(ascii: "x"):
            if i + 5 <= b.count, has(b, i, "xox"), "bpars".utf8.contains(b[i + 3]), b[i + 4] == UInt8(ascii: "-"),
               let e = body(i + 5, min: 10) {
                return (e, "slack_token")
            }
            if has(b, i, "xapp-"), let e = body(i + 5, min: 10) { return (e, "slack_token") }
        case UInt8(ascii: "A"):
            if has(b, i, "AKIA") || has(b, i, "ASIA") {
                let e = run(b, i + 4, isUpperOrDigit)
                if e - i == 20, e == b.count || !isAlnum(b[e]) { return (e, "aws_access_key") }
            }
            if has(b, i, "AIza"), let e = body(i + 4, min: 35) { return (e, "google_api_key") }
        case UInt8(ascii: "e"):
            // JWT: header.payload.signature, base64url; the signature may be empty (alg none).
            if has(b, i, "eyJ") {
                let h = run(b, i, isB64URL)
                if h - i >= 10, h < b.count, b[h] == 46 {
                    let p = run(b, h + 1, isB64URL)
                    if p - h - 1 >= 2, p < b.count, b[p] == 46 { return (run(b, p + 1, isB64URL), "jwt") }
                }
            }
        case UInt8(ascii: "n"):
            if has(b, i, "npm_"), let e = body(i + 4, min: 30, isAlnum) { return (e, "npm_token") }
        case UInt8(ascii: "s"), UInt8(ascii: "r"):
            if runStart, c == UInt8(ascii: "s"), has(b, i, "sk-"), let e = body(i + 3, min: 20) { return (e, "api_key") }
            if has(b, i + 1, "k_live_") || has(b, i + 1, "k_test_"), let e = body(i + 8, min: 16, isAlnum) {
                return (e, "stripe_key")
            }
        case UInt8(ascii: "B"), UInt8(ascii: "b"):
            if runStart, i + 7 <= b.count, matchesBearer(b, i), b[i + 6] == 32 || b[i + 6] == 9 {
                let s = run(b, i + 6) { $0 == 32 || $0 == 9 }
                if let e = body(s, min: 8, isTokenChar), !isMarker(b, s) { return (e, "bearer") }
            }
        default: break
        }
        return nil
    }

    static func matchesBearer(_ b: Bytes, _ i: Int) -> Bool {
        let w: [UInt8] = Array("bearer".utf8)
        for k in 0..<6 where b[i + k] | 0x20 != w[k] { return false }
        return true
    }

    /// `[redacted:` starts at `i`: a value already redacted.
    static func isMarker(_ b: Bytes, _ i: Int) -> Bool { has(b, i, "[redacted:") }

    /// A PEM private key block starting at `i` (`-----BEGIN … PRIVATE KEY-----`): its end, at
    /// the matching END line, or the end of the text when the block was cut.
    static func privateKeyBlock(_ b: Bytes, at i: Int) -> Int? {
        guard has(b, i, "-----BEGIN ") else { return nil }
        var j = i + 11
        let limit = min(b.count, j + 40)
        while j < limit && b[j] != UInt8(ascii: "-") { j += 1 }
        guard j >= i + 22, has(b, j - 11, "PRIVATE KEY"), has(b, j, "-----") else { return nil }
        var k = j + 5
        while k < b.count {
            if b[k] == UInt8(ascii: "-"), has(b, k, "-----END ") {
                var e = k + 9
                while e < b.count && e < k + 60 && b[e] != UInt8(ascii: "-") { e += 1 }
                if has(b, e, "-----") { return e + 5 }
            }
            k += 1
        }
        return b.count
    }
}
