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

    /// Journal verification, where the store offers it (the SQLite store does).
    static func verifyAudit(_ store: any FleetStore) throws -> AuditVerification? {
        guard let sqlite = store as? SQLiteStore else { return nil }
        return try sqlite.verifyAudit()
    }
}
