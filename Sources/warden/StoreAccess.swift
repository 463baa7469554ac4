import WardenCore
import WardenSQLite
import WardenStore

/// The one place the CLI maps a store location to a backend. Everything else codes against
/// `StoreBackend` and `FleetStore`.
enum StoreAccess {
    /// Refuses a PostgreSQL location plainly while this build has no PostgreSQL backend to map it
    /// to, rather than treating the URI as a file name.
    static func backend(_ location: StoreLocation) throws -> any StoreBackend {
        switch location {
        case .sqlite(let path): return SQLiteBackend(path: path)
        case .postgres: throw RuntimeError("\(location): this build of warden has no PostgreSQL backend")
        }
    }
}
