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

    /// The copy goes into a new file only: any file already at the path is refused untouched.
    /// When the copy fails the file (and its -wal and -shm) is removed, after its connection closed.
    public func createCopy<T>(trustDomain: String, _ fill: (any FleetStore) throws(StoreError) -> T) throws(StoreError) -> T {
        var st = stat()
        if stat(path, &st) == 0 {
            let what = st.st_size == 0 ? "an empty file" : "a file of \(st.st_size) bytes"
            throw .refused("\(path) already exists (\(what)); a store is copied only to a new file, so it was left untouched")
        }
        // `create` refuses a file that appeared meanwhile, and removes what it made if it fails.
        var store: SQLiteStore? = try SQLiteStore.create(path: path, trustDomain: trustDomain)
        do { return try fill(store!) } catch {
            store = nil  // closed before its files go
            for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
            throw error
        }
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
        case .decision:
            let store = try SQLiteStore.open(path: path, readOnly: true)
            store.db.setBusyWait(ms: Self.gateBusyWaitMs, lockRetries: 0)
            return store
        case .ingest:
            return try SQLiteStore.open(path: path)
        case .inspect:
            return try SQLiteStore.openForInspection(path: path)
        }
    }

    /// Whether another user could rewrite the store (file, folder, -wal, -shm), or read it, each
    /// with its fix.
    public func healthChecks() -> [HealthCheck] {
        guard access(path, F_OK) == 0 else { return [] }
        let problems = (StorePermissions.check(storePath: path) + [StorePermissions.readableBy(storePath: path)].compactMap { $0 }).map(\.description)
        return [HealthCheck(name: "permissions", ok: problems.isEmpty,
                            detail: problems.isEmpty ? "\(path) and its folder are private to their owner"
                                : problems.joined(separator: "; "))]
    }
}
