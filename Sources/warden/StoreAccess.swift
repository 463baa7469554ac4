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
}
