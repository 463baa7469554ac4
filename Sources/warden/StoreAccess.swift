import WardenCore
import WardenSQLite
import WardenStore

/// The one place the CLI names a concrete store. Everything else codes against `FleetStore`.
enum StoreAccess {
    static func create(path: String, trustDomain: String) throws -> any FleetStore {
        try SQLiteStore.create(path: path, trustDomain: trustDomain)
    }

    static func open(path: String, readOnly: Bool) throws -> any FleetStore {
        try SQLiteStore.open(path: path, readOnly: readOnly)
    }

    /// Read-only, whatever its permissions: for `warden doctor` to diagnose it.
    static func inspect(path: String) throws -> any FleetStore {
        try SQLiteStore.openForInspection(path: path)
    }

    /// Why another user could rewrite the store (file, folder, -wal, -shm), each with its fix.
    static func permissionProblems(path: String) -> [String] {
        StorePermissions.check(storePath: path).map(\.description)
    }
}
