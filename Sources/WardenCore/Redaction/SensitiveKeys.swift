/// Which argument names hold secrets (README, "Redaction"). A key is split into lowercase
/// words at non-alphanumerics and camelCase (`accessKeyId` → access, key, id); it is sensitive
/// when a word or a pair of adjacent words is on the list below. Matching whole words, not
/// substrings, keeps `max_tokens`, `input_tokens` or `task_list` readable.
enum SensitiveKeys {
    /// Single words, and the kind their value is redacted as.
    static let words: [String: String] = [
        "token": "token", "secret": "secret", "password": "password", "passwd": "password", "pwd": "password",
        "passphrase": "password", "cookie": "cookie", "session": "session", "authorization": "authorization",
        "apikey": "api_key", "credential": "credential", "credentials": "credential", "privatekey": "private_key",
        "sshkey": "private_key", "secretkey": "secret", "clientsecret": "secret", "accesskey": "access_key",
        "xapikey": "api_key", "bearer": "token", "sessionid": "session", "jwt": "token",
    ]
    /// Adjacent word pairs (`private_key`, `ssh-key`, `apiKey`, `access_key_id` …).
    static let pairs: [String: String] = [
        "private key": "private_key", "ssh key": "private_key", "signing key": "private_key",
        "encryption key": "private_key", "api key": "api_key", "access key": "access_key", "secret key": "secret",
    ]
    /// A single word ending in one of these is sensitive too (`accesstoken`, `dbpassword`, `setcookie`).
    static let suffixes: [(String, String)] = [
        ("token", "token"), ("secret", "secret"), ("password", "password"), ("passwd", "password"), ("cookie", "cookie"),
    ]
    /// A single word starting with one of these (`accesskeyid`, `apikeyvalue`).
    static let prefixes: [(String, String)] = [
        ("accesskey", "access_key"), ("apikey", "api_key"), ("privatekey", "private_key"), ("secretkey", "secret"),
    ]
    /// Keys that describe a secret rather than hold one: counts, sizes, types, where it lives
    /// (`session_count`, `token_type`, `password_file`, `max_token`). Their values are kept.
    static let describingLastWords: Set<String> = [
        "count", "counts", "length", "len", "size", "limit", "limits", "ttl", "type", "types", "kind", "timeout",
        "expiry", "expires", "expiration", "url", "uri", "endpoint", "path", "file", "filename", "name", "names",
        "required", "enabled", "set", "present", "usage", "used", "remaining",
    ]
    static let describingFirstWords: Set<String> = ["max", "min", "num", "total", "has", "is", "use"]

    /// Fragments one of which every sensitive key contains (lowercased): most keys (`repo`,
    /// `issue`, `q`) are ruled out here without building anything.
    static let fragments: [[UInt8]] = ["tok", "secret", "pass", "pwd", "cookie", "session", "auth", "key", "credential",
                                       "bearer", "jwt"].map { Array($0.utf8) }

    static func mayBeSensitive(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = b.count
        for f in fragments where f.count <= n {
            var i = 0
            while i + f.count <= n {
                var k = 0
                while k < f.count && (b[i + k] | 0x20) == f[k] { k += 1 }
                if k == f.count { return true }
                i += 1
            }
        }
        return false
    }

    /// The kind a value under `key` is redacted as, or nil when the key is not sensitive.
    static func kind(of key: some StringProtocol) -> String? {
        let ws = words(of: key)
        guard let first = ws.first, let last = ws.last else { return nil }
        if ws.count > 1 && (describingLastWords.contains(last) || describingFirstWords.contains(first)) { return nil }
        for (i, w) in ws.enumerated() {
            if let k = words[w] { return k }
            if i + 1 < ws.count, let k = pairs[w + " " + ws[i + 1]] { return k }
            for (p, k) in prefixes where w.hasPrefix(p) { return k }
            for (s, k) in suffixes where w.count > s.count && w.hasSuffix(s) { return k }
        }
        return nil
    }

    /// Lowercase words: split at anything not a letter or digit, and at camelCase humps
    /// (`APIKey` → api, key).
    static func words(of key: some StringProtocol) -> [String] {
        var out: [String] = []
        var cur: [UInt8] = []
        let b = Array(key.utf8)
        func isUpper(_ c: UInt8) -> Bool { c >= 65 && c <= 90 }
        func isLower(_ c: UInt8) -> Bool { c >= 97 && c <= 122 }
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        func flush() {
            if !cur.isEmpty { out.append(String(decoding: cur, as: UTF8.self)) }
            cur.removeAll(keepingCapacity: true)
        }
        for (i, c) in b.enumerated() {
            guard isUpper(c) || isLower(c) || isDigit(c) else { flush(); continue }
            if isUpper(c), !cur.isEmpty {
                let prev = b[i - 1]
                // aB → a|B; ABc → A|Bc
                let nextLower = i + 1 < b.count && isLower(b[i + 1])
                if isLower(prev) || isDigit(prev) || (isUpper(prev) && nextLower) { flush() }
            }
            cur.append(isUpper(c) ? c + 32 : c)
        }
        flush()
        return out
    }
}
