import CPostgres
import WardenStore

/// libpq failures as `StoreError`s, by SQLSTATE class. A lost or refused connection is an `.io`
/// error whose message says the server is unavailable: callers retry `.io` errors, and the gate
/// denies with `store_unavailable` once its retries are spent.
enum PGError {
    /// SQLSTATEs meaning the server cannot be reached or is going away.
    static func isUnavailable(sqlState: String) -> Bool {
        sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(sqlState)
    }

    static func unavailable(_ where: String, _ message: String) -> StoreError {
        .io("the PostgreSQL server at \(`where`) is unavailable: \(message)")
    }

    /// How a refusal for want of a privilege begins (`PostgresStore.permitted` rewords it).
    static let permissionDenied = "permission denied: "

    static func map(sqlState: String, message: String) -> StoreError {
        switch sqlState {
        case "25006": return .readOnly
        case "42501": return .refused(permissionDenied + message)
        case "40001", "40P01", "55P03": return .io("database is busy: \(message)")
        case "53100": return .io("the disk is full: \(message); nothing from this operation was written")
        default: return .io(message)
        }
    }

    /// A libpq string (a message, a count), "" for none.
    static func text(_ p: UnsafePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }

    /// A libpq message on one line, without its "ERROR:  " prefix.
    static func clean(_ raw: String) -> String {
        var s = Substring(raw)
        while s.last == "\n" || s.last == " " { s = s.dropLast() }
        for prefix in ["ERROR:  ", "FATAL:  "] where s.hasPrefix(prefix) { s = s.dropFirst(prefix.count) }
        return s.split(separator: "\n").joined(separator: "; ")
    }
}
