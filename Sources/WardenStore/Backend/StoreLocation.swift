/// Where a store lives. The CLI resolves one from `--db` and the environment and maps it to a
/// backend; nothing past the CLI looks inside it.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    /// An embedded SQLite file.
    case sqlite(path: String)

    /// `--db PATH`, else `$WARDEN_DB`, else the config file's `db` (asked for only when neither
    /// names the store), else `$XDG_DATA_HOME/warden/warden.db`, else `~/.local/share/warden/warden.db`.
    public static func resolve(flag: String?, environment: [String: String],
                               configured: () throws -> String? = { nil }) rethrows -> StoreLocation {
        if let flag, !flag.isEmpty { return .sqlite(path: flag) }
        if let env = environment["WARDEN_DB"], !env.isEmpty { return .sqlite(path: env) }
        if let db = try configured(), !db.isEmpty { return .sqlite(path: db) }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return .sqlite(path: xdg + "/warden/warden.db") }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "."
        return .sqlite(path: home + "/.local/share/warden/warden.db")
    }

    /// The location as `--db` takes it and as messages name it.
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        }
    }
}
