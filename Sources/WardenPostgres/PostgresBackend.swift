import CPostgres
import WardenStore
import WardenSystem

/// The fleet-wide backend: a PostgreSQL database many hosts share, one `PostgresStore`
/// connection per `open`. Every purpose gets a plain session (the server tunes itself); a
/// read-only one is read-only on the server too, and an inspection reads any schema version.
public struct PostgresBackend: StoreBackend {
    /// The libpq URI, password included: what the backend connects with, never shown.
    let uri: String

    public init(uri: String) { self.uri = uri }

    /// How long a deciding connection's statement waits for a lock (a migration's, a long
    /// transaction's) before it fails as busy and the deciding path's retry takes over, as
    /// SQLite's busy wait does; without it a decision waited as long as the lock was held.
    static let decisionLockWaitMs = 100

    public var location: StoreLocation { .postgres(uri: uri) }

    public func create(trustDomain: String) throws(StoreError) -> any FleetStore {
        try PostgresStore.create(uri: uri, trustDomain: trustDomain)
    }

    /// The copy goes only into a database with no table; the schema and every copied row are
    /// made in one transaction, so a failed copy leaves the database as empty as it was.
    public func createCopy<T>(trustDomain: String, _ fill: (any FleetStore) throws(StoreError) -> T) throws(StoreError) -> T {
        try PostgresStore.createCopy(uri: uri, trustDomain: trustDomain) { (store: PostgresStore) throws(StoreError) -> T in try fill(store) }
    }

    public func connect(for use: StoreUse) throws(StoreError) -> any FleetStore {
        switch use {
        case .operations(let readOnly), .dashboard(let readOnly):
            return try PostgresStore.open(uri: uri, readOnly: readOnly)
        case .gate:
            return try PostgresStore.open(uri: uri, lockTimeoutMs: Self.decisionLockWaitMs)
        case .decision:
            return try PostgresStore.open(uri: uri, readOnly: true, lockTimeoutMs: Self.decisionLockWaitMs)
        case .ingest:
            return try PostgresStore.open(uri: uri)
        case .inspect:
            return try PostgresStore.openForInspection(uri: uri)
        }
    }

    /// Runs the pending schema migrations once, under the schema lock (`warden store migrate`);
    /// returns the versions before and after.
    @discardableResult
    public func migrate() throws(StoreError) -> (from: Int, to: Int) {
        try PostgresStore.migrate(uri: uri)
    }

    /// `location`: whether libpq can read the connection string, and a warning when it carries
    /// a password (a password file or service keeps it out of configs and process lists).
    public func healthChecks() -> [HealthCheck] {
        let cs = ConnectionString(uri)
        let pq: LoadedLibrary<warden_libpq>
        do { pq = try LibPQ.functions() } catch {
            return [HealthCheck(name: "location", ok: false, detail: "\(cs.redacted): \(error)")]
        }
        var error: UnsafeMutablePointer<CChar>?
        guard let options = pq.PQconninfoParse(uri, &error) else {
            let message = error.map { String(cString: $0) } ?? "unreadable"
            if let error { pq.PQfreemem(error) }
            return [HealthCheck(name: "location", ok: false, detail: "\(cs.redacted): \(cs.scrub(message))")]
        }
        pq.PQconninfoFree(options)
        if cs.redacted != uri {
            return [HealthCheck(name: "location", ok: false,
                                detail: "\(cs.redacted) carries a password; keep it in a password file (PGPASSFILE) or a service (PGSERVICE) instead")]
        }
        return [HealthCheck(name: "location", ok: true, detail: cs.redacted)]
    }
}
