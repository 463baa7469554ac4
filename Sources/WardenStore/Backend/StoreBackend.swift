/// A kind of store (SQLite today) at one location, opening connections for the purposes its
/// consumers have. Consumers (dashboard, proxy, ingest, simulator) receive a backend and never
/// name the kind; only the CLI maps a `StoreLocation` to one.
///
/// A backend is a description, not a connection: it is cheap to copy and to send to the thread
/// that opens its own connection.
public protocol StoreBackend: Sendable {
    var location: StoreLocation { get }
    /// Creates a new, empty store with this trust domain; refuses to overwrite an existing one.
    func create(trustDomain: String) throws(StoreError) -> any FleetStore
    /// Creates a new store with this trust domain and lets `fill` write a copy into it
    /// (`StoreCopy`). Refuses a location that is not free, as `create` does. When creating or
    /// `fill` fails, nothing is left at the location: no half-copied store that looks valid.
    func createCopy<T>(trustDomain: String, _ fill: (any FleetStore) throws(StoreError) -> T) throws(StoreError) -> T
    /// A new connection to the existing store, set up for `use`. Callers say `open(for:)`.
    func connect(for use: StoreUse) throws(StoreError) -> any FleetStore
    /// The backend's own checks of where the store lives, made without a connection (SQLite:
    /// `permissions` of the file, its folder and its -wal/-shm files); none when there is no
    /// store there. `warden doctor` prints them first.
    func healthChecks() -> [HealthCheck]
}

extension StoreBackend {
    /// A new connection to the existing store for `purpose`, typed as what the purpose needs.
    public func open<Store>(for purpose: StorePurpose<Store>) throws(StoreError) -> Store {
        purpose.narrow(try connect(for: purpose.use))
    }
}

/// What a connection is for: a backend tunes each (SQLite maps the gate's file into memory, and
/// inspects without writing anything).
public enum StoreUse: Sendable, Equatable {
    /// One CLI command: reads, and the operator's audited mutations unless `readOnly`.
    case operations(readOnly: Bool)
    /// The dashboard's own connection: whole-table reads by cursor, operator actions.
    case dashboard(readOnly: Bool)
    /// The proxy's authorization path: many small random lookups, one decision each. A lock is
    /// waited out briefly; the deciding path retries above it until `store_timeout`.
    case gate
    /// A deciding path that only reads (`warden authorize`, a hook's check): read-only, and a
    /// lock waited out briefly as for `gate`, so a store held by a migration's lock is a deny
    /// `store_unavailable` after `store_timeout`, not a wait as long as the lock.
    case decision
    /// Writes of activity: telemetry files, a proxy's recorded calls and instance events.
    case ingest
    /// A diagnosis (`warden doctor`): read-only whatever the permissions; nothing is written,
    /// not even a migration.
    case inspect
}

/// A `StoreUse` together with the store type it yields.
public struct StorePurpose<Store>: Sendable {
    public let use: StoreUse
    let narrow: @Sendable (any FleetStore) -> Store

    init(_ use: StoreUse, _ narrow: @escaping @Sendable (any FleetStore) -> Store) {
        self.use = use
        self.narrow = narrow
    }
}

extension StorePurpose {
    public static func operations(readOnly: Bool) -> StorePurpose<any FleetStore> { .init(.operations(readOnly: readOnly), { $0 }) }
    public static func dashboard(readOnly: Bool) -> StorePurpose<any FleetStore> { .init(.dashboard(readOnly: readOnly), { $0 }) }
    public static var gate: StorePurpose<any GateStore> { .init(.gate, { $0 }) }
    public static var ingest: StorePurpose<any IngestStore> { .init(.ingest, { $0 }) }
    /// `warden serve`'s heartbeat: a gate's connection (serve may run as a gate login).
    public static var service: StorePurpose<any ServiceRegistry> { .init(.gate, { $0 }) }
    public static var inspect: StorePurpose<any StoreDiagnostics> { .init(.inspect, { $0 }) }
    /// The store a copy is read from: inspected (read-only, never migrated), whole.
    public static var copySource: StorePurpose<any FleetStore> { .init(.inspect, { $0 }) }
}
