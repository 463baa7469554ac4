/// Where a store lives. The CLI resolves one from `--db` and the environment and maps it to a
/// backend; nothing past the CLI looks inside it.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    /// An embedded SQLite file.
    case sqlite(path: String)
    /// A PostgreSQL database, as a libpq URI (`postgres://` or `postgresql://`). The URI may hold
    /// a password: only `connectionString` gives it back; `description` redacts it.
    case postgres(uri: String)

    /// A `postgres://` or `postgresql://` URI is a PostgreSQL database; anything else is a path.
    public static func parse(_ text: String) -> StoreLocation {
        PostgresURI.isURI(text) ? .postgres(uri: text) : .sqlite(path: text)
    }

    /// `--db PATH`, else `$WARDEN_DB`, else the config file's `db` (asked for only when neither
    /// names the store), else `$XDG_DATA_HOME/warden/warden.db`, else `~/.local/share/warden/warden.db`.
    public static func resolve(flag: String?, environment: [String: String],
                               configured: () throws -> String? = { nil }) rethrows -> StoreLocation {
        if let flag, !flag.isEmpty { return parse(flag) }
        if let env = environment["WARDEN_DB"], !env.isEmpty { return parse(env) }
        if let db = try configured(), !db.isEmpty { return parse(db) }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return .sqlite(path: xdg + "/warden/warden.db") }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "."
        return .sqlite(path: home + "/.local/share/warden/warden.db")
    }

    /// What a backend connects with: the path, or the URI with its password. Never printed.
    public var connectionString: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let uri): return uri
        }
    }

    /// The location as messages, the header, `doctor` and JSON name it: a SQLite path as given,
    /// a PostgreSQL URI with any password replaced by `***`.
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let uri): return PostgresURI.redacted(uri)
        }
    }
}
