import WardenStore

/// The embedded backend: a SQLite file at `path`, one `SQLiteStore` connection per `open`.
public struct SQLiteBackend: StoreBackend {
    public let path: String

    public init(path: String) { self.path = path }

    public var location: StoreLocation { .sqlite(path: path) }

    public func create(trustDomain: String) throws(StoreError) -> any FleetStore {
        try SQLiteStore.create(path: path, trustDomain: trustDomain)
    }

    public func connect(for use: StoreUse) throws(StoreError) -> any FleetStore {
        switch use {
        case .operations(let readOnly), .dashboard(let readOnly):
            return try SQLiteStore.open(path: path, readOnly: readOnly)
        case .gate:
            // Random lookups through a memory map (see `SQLiteStore.open`).
            return try SQLiteStore.open(path: path, mapped: true)
        case .ingest:
            return try SQLiteStore.open(path: path)
        case .inspect:
            return try SQLiteStore.openForInspection(path: path)
        }
    }
}
