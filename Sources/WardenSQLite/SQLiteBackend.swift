import Glibc
import WardenStore

/// The embedded backend: a SQLite file at `path`, one `SQLiteStore` connection per `open`.
public struct SQLiteBackend: StoreBackend {
    public let path: String

    public init(path: String) { self.path = path }

    /// How long one decision's statement waits for a lock before the caller's retry takes over.
    static let gateBusyWaitMs = 100

    public var location: StoreLocation { .sqlite(path: path) }

    public func create(trustDomain: String) throws(StoreError) -> any FleetStore {
        try SQLiteStore.create(path: path, trustDomain: trustDomain)
    }

    public func connect(for use: StoreUse) throws(StoreError) -> any FleetStore {
        switch use {
        case .operations(let readOnly), .dashboard(let readOnly):
            return try SQLiteStore.open(path: path, readOnly: readOnly)
        case .gate:
            // Random lookups through a memory map (see `SQLiteStore.open`). A lock is waited out
            // briefly here, and a write (a decided call's record) begins once: the deciding path
            // retries above it until `store_timeout`, so one attempt never outlasts the wait an
            // operator configured.
            let store = try SQLiteStore.open(path: path, mapped: true)
            store.db.setBusyWait(ms: Self.gateBusyWaitMs, lockRetries: 0)
            return store
        case .ingest:
            return try SQLiteStore.open(path: path)
        case .inspect:
            return try SQLiteStore.openForInspection(path: path)
        }
    }

    /// Whether another user could rewrite the store (file, folder, -wal, -shm), each with its fix.
    public func healthChecks() -> [HealthCheck] {
        guard access(path, F_OK) == 0 else { return [] }
        let problems = StorePermissions.check(storePath: path).map(\.description)
        return [HealthCheck(name: "permissions", ok: problems.isEmpty,
                            detail: problems.isEmpty ? "\(path) and its folder are private to their owner"
                                : problems.joined(separator: "; "))]
    }
}
