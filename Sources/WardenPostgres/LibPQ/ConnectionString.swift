import CPostgres

/// A libpq connection string (a `postgres://` / `postgresql://` URI or `key=value` pairs) and
/// what must never be shown of it: its password, in every spelling it may take.
package struct ConnectionString: Sendable, Equatable, CustomStringConvertible {
    package let raw: String

    package init(_ raw: String) { self.raw = raw }

    /// True for the URIs that name a PostgreSQL store (anything else is a SQLite path).
    package static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// The string with its password replaced by `***` (URI user info, `password=` parameters).
    package var redacted: String { scrub(raw) }

    package var description: String { redacted }

    /// `text` with every spelling of this string's password replaced by `***` (libpq messages
    /// can echo connection parameters).
    package func scrub(_ text: String) -> String {
        var out = Self.maskUserInfoPassword(text)
        out = Self.maskPasswordParameters(out)
        for secret in secrets where !secret.isEmpty {
            out = out.replacingAll(secret, with: "***")
        }
        return out
    }

    /// The password as written and as libpq decodes it.
    private var secrets: [String] {
        var found: [String] = []
        var error: UnsafeMutablePointer<CChar>?
        if let options = PQconninfoParse(raw, &error) {
            var p = options
            while let keyword = p.pointee.keyword {
                if String(cString: keyword) == "password", let value = p.pointee.val {
                    found.append(String(cString: value))
                }
                p += 1
            }
            PQconninfoFree(options)
        }
        if let error { PQfreemem(error) }
        if let raw = Self.userInfoPassword(raw) { found.append(raw) }
        // Longest first, so a password containing another is replaced whole.
        return found.sorted { $0.count > $1.count }
    }

    /// `scheme://user:PASSWORD@host…` → PASSWORD (still percent-encoded).
    private static func userInfoPassword(_ s: String) -> String? {
        guard let scheme = s.firstRange(of: "://") else { return nil }
        let rest = s[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return nil }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return nil }
        return String(userInfo[userInfo.index(after: colon)...])
    }

    private static func maskUserInfoPassword(_ s: String) -> String {
        guard let password = userInfoPassword(s), !password.isEmpty else { return s }
        return s.replacingAll(":" + password + "@", with: ":***@")
    }

    /// `password=VALUE` (URI query or key/value form, optionally quoted) → `password=***`.
    private static func maskPasswordParameters(_ s: String) -> String {
        var out = ""
        var i = s.startIndex
        let key = "password="
        while let r = s[i...].firstRange(of: key) {
            out += s[i..<r.upperBound] + "***"
            var j = r.upperBound
            if j < s.endIndex, s[j] == "'" {
                j = s.index(after: j)
                while j < s.endIndex, s[j] != "'" {
                    if s[j] == "\\" { j = s.index(after: j); if j == s.endIndex { break } }
                    j = s.index(after: j)
                }
                if j < s.endIndex { j = s.index(after: j) }
            } else {
                while j < s.endIndex, s[j] != "&", s[j] != " ", s[j] != "\n" { j = s.index(after: j) }
            }
            i = j
        }
        return out + s[i...]
    }
}

extension String {
    /// Every non-overlapping occurrence of `target` replaced (no Foundation needed).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var i = startIndex
        while let r = self[i...].firstRange(of: target) {
            out += self[i..<r.lowerBound] + replacement
            i = r.upperBound
        }
        return out + self[i...]
    }
}
