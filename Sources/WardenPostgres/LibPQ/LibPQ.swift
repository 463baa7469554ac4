import CPostgres
import WardenStore
import WardenSystem

/// The one owner of libpq's functions: the library is loaded when the first PostgreSQL store is
/// opened (or a connection string is checked), once for the process, so a process on a SQLite
/// store never maps it (see `LoadedLibrary`).
enum LibPQ {
    static let soname = "libpq.so.5"
    static let package = "libpq5"

    /// Loaded on first use; a static is initialised once, under the runtime's lock, so threads
    /// opening stores at the same moment load it once.
    private static let loaded = load(soname: soname)

    /// libpq's functions, or why they cannot be had (named for the person who must install it).
    static func functions() throws(StoreError) -> LoadedLibrary<warden_libpq> { try loaded.get() }

    /// Loads the library from `soname` (tests name one that does not exist).
    static func load(soname: String) -> Result<LoadedLibrary<warden_libpq>, StoreError> {
        LoadedLibrary.load("the PostgreSQL client library libpq", soname: soname, package: package,
                           bind: { warden_libpq_bind($0, $1) })
            .mapError { .missingSoftware($0.description) }
    }
}
