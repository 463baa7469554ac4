import CPostgres
import WardenStore

/// A libpq connection string (a `postgres://` / `postgresql://` URI or `key=value` pairs) and
/// what must never be shown of it: its password, in every spelling it may take.
package struct ConnectionString: Sendable, Equatable, CustomStringConvertible {
    package let raw: String

    package init(_ raw: String) { self.raw = raw }

    /// True for the URIs that name a PostgreSQL store (anything else is a SQLite path).
    package static func isPostgres(_ location: String) -> Bool { PostgresURI.isURI(location) }

    /// The string with its passwords replaced by `***`: the store's one rule for showing a
    /// location (`PostgresURI.redacted`).
    package var redacted: String { PostgresURI.redacted(raw) }

    package var description: String { redacted }

    /// `text` (a libpq message, which can echo connection parameters) with every spelling of
    /// this string's password replaced by `***`, and any copy of the URI itself redacted.
    package func scrub(_ text: String) -> String {
        var out = text.replacingAll(raw, with: redacted)
        for secret in secrets where !secret.isEmpty {
            out = out.replacingAll(secret, with: PostgresURI.mask)
        }
        return out
    }

    /// The password as libpq decodes it (its own parser) and as written in the URI.
    private var secrets: [String] {
        var found: [String] = []
        // Without libpq (a store that was never opened) only the URI's own spelling is known.
        if let pq = try? LibPQ.functions() {
            var error: UnsafeMutablePointer<CChar>?
            if let options = pq.PQconninfoParse(raw, &error) {
                var p = options
                while let keyword = p.pointee.keyword {
                    let name = String(cString: keyword)
                    if name == "password" || name == "sslpassword", let value = p.pointee.val {
                        found.append(String(cString: value))
                    }
                    p += 1
                }
                pq.PQconninfoFree(options)
            }
            if let error { pq.PQfreemem(error) }
        }
        if let written = PostgresURI.userInfoPassword(raw) { found.append(written) }
        // Longest first, so a password containing another is replaced whole.
        return found.sorted { $0.count > $1.count }
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
