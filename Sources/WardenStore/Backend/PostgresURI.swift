/// The little of libpq's URI syntax the store needs without libpq: recognising a URI, and hiding
/// the passwords it may carry (`user:secret@` in the authority, `password=` and `sslpassword=` in
/// the query) before it is shown anywhere.
package enum PostgresURI {
    static let schemes = ["postgresql://", "postgres://"]
    package static let mask = "***"
    /// Query keys whose values are secrets (libpq's `password`, and `sslpassword` for the key file).
    static let secretKeys: Set<String> = ["password", "sslpassword"]

    package static func isURI(_ text: String) -> Bool {
        schemes.contains { text.hasPrefix($0) }
    }

    package static func redacted(_ uri: String) -> String {
        guard let scheme = schemes.first(where: { uri.hasPrefix($0) }) else { return uri }
        let rest = uri.dropFirst(scheme.count)
        let queryStart = rest.firstIndex(of: "?") ?? rest.endIndex
        let beforeQuery = rest[..<queryStart]
        let query = rest[queryStart...]
        return scheme + redactUserInfo(beforeQuery) + redactQuery(query)
    }

    /// The password of `user:PASSWORD@host…` as written (still percent-encoded); nil when the
    /// URI carries none. The one reading of the user part: redaction and libpq's error
    /// messages both go through it.
    package static func userInfoPassword(_ uri: String) -> String? {
        guard let scheme = schemes.first(where: { uri.hasPrefix($0) }) else { return nil }
        let rest = uri.dropFirst(scheme.count)
        let beforeQuery = rest[..<(rest.firstIndex(of: "?") ?? rest.endIndex)]
        guard let (_, password, _) = splitUserInfo(beforeQuery) else { return nil }
        return String(password)
    }

    /// `user:secret@host/db` → `user:***@host/db`. The last `@` before the query ends the user
    /// part, so a password holding a raw `@` or `/` is still hidden whole.
    private static func redactUserInfo(_ s: Substring) -> String {
        guard let (user, _, hostAndPath) = splitUserInfo(s) else { return String(s) }
        return String(user) + ":" + mask + String(hostAndPath)
    }

    private static func splitUserInfo(_ s: Substring) -> (user: Substring, password: Substring, rest: Substring)? {
        guard let at = s.lastIndex(of: "@") else { return nil }
        let userInfo = s[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return nil }
        return (userInfo[..<colon], userInfo[userInfo.index(after: colon)...], s[at...])
    }

    /// `?host=/run/pg&password=secret` → `?host=/run/pg&password=***` (keys compared decoded).
    private static func redactQuery(_ q: Substring) -> String {
        guard q.first == "?" else { return String(q) }
        let pairs = q.dropFirst().split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            guard let eq = pair.firstIndex(of: "=") else { return String(pair) }
            let key = percentDecoded(pair[..<eq]).lowercased()
            return secretKeys.contains(key) ? String(pair[..<eq]) + "=" + mask : String(pair)
        }
        return "?" + pairs.joined(separator: "&")
    }

    private static func percentDecoded(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        var i = s.utf8.startIndex
        let u = s.utf8
        while i < u.endIndex {
            if u[i] == UInt8(ascii: "%"),
               let h = u.index(i, offsetBy: 1, limitedBy: u.endIndex), h < u.endIndex,
               let l = u.index(i, offsetBy: 2, limitedBy: u.endIndex), l < u.endIndex,
               let hi = hexValue(u[h]), let lo = hexValue(u[l]) {
                bytes.append(hi << 4 | lo)
                i = u.index(after: l)
            } else {
                bytes.append(u[i])
                i = u.index(after: i)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
