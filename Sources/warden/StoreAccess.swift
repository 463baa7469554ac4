import WardenCore
import WardenStore

/// The one place the CLI names a concrete store. Everything else codes against `FleetStore`.
enum StoreAccess {
    static func create(path: String, trustDomain: String) throws -> any FleetStore {
        try SQLiteStore.create(path: path, trustDomain: trustDomain)
    }

    static func open(path: String, readOnly: Bool) throws -> any FleetStore {
        try SQLiteStore.open(path: path, readOnly: readOnly)
    }
}
