import WardenCore
import WardenPostgres
import WardenSQLite
import WardenStore

/// The one place the CLI maps a store location to a backend. Everything else codes against
/// `StoreBackend` and `FleetStore`.
enum StoreAccess {
    static func backend(_ location: StoreLocation) -> any StoreBackend {
        switch location {
        case .sqlite(let path): return SQLiteBackend(path: path)
        case .postgres(let uri): return PostgresBackend(uri: uri)
        }
    }

    /// The SQL that makes the least-privilege roles of a PostgreSQL store. A SQLite store is one
    /// file: its permissions decide who may write it, it has no roles.
    static func rolesSQL(_ location: StoreLocation) throws -> String {
        switch location {
        case .postgres: return PostgresRoles.sql
        case .sqlite(let path):
            throw Exit(code: 1, message: "`warden store roles` is for a PostgreSQL store; \(TerminalText.safe(path)) is a SQLite file, whose file permissions decide who may change it (pass --db postgresql://…)")
        }
    }

    /// Brings the store's schema up to this build's version (`warden store migrate`); returns
    /// the versions before and after. PostgreSQL runs its migrations once under the schema lock;
    /// a SQLite file is migrated by a read-write open, as any command opening it would.
    static func migrate(_ location: StoreLocation) throws(StoreError) -> (from: Int, to: Int) {
        switch location {
        case .postgres(let uri):
            return try PostgresBackend(uri: uri).migrate()
        case .sqlite(let path):
            let backend = SQLiteBackend(path: path)
            // Read before migrating, on a connection that writes nothing and is closed after.
            let from = try backend.open(for: .inspect).schemaVersion().file
            let to = try backend.open(for: .operations(readOnly: false)).schemaVersion().file
            return (from, to)
        }
    }

    /// `warden store copy`: the whole store at `from` into a new store at `to`, either backend.
    static func copy(from: StoreLocation, to: StoreLocation) throws(StoreError) -> StoreCopyReport {
        try StoreCopy.run(from: backend(from), to: backend(to))
    }
}
