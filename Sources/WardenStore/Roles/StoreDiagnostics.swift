import WardenCore

/// The journal and the store's health: what `warden audit` and `warden doctor` read.
public protocol StoreDiagnostics: AnyObject {
    /// Journal records after `afterSeq`, oldest first.
    func auditRecords(afterSeq: Int64, limit: Int) throws(StoreError) -> [AuditRecord]
    func auditHead() throws(StoreError) -> AuditHead?
    /// Checks the journal's hash chain (and, given a head kept elsewhere, that nothing was cut).
    func verifyAudit(expectedHead: AuditHead?) throws(StoreError) -> AuditVerification
    /// Recomputes the governed state (principals, agents, credentials) from the tables and checks
    /// it against the digest the journal's last record carries: a change made behind Warden's
    /// back shows as `.drifted`. Reads every governed row (O(n)); `authorize` never calls it.
    func verifyState() throws(StoreError) -> StateCheck
    /// The backend's own checks of what this connection reads (SQLite: `integrity`, the file's
    /// consistency), for `warden doctor`; the backend's checks of the location itself come from
    /// `StoreBackend.healthChecks()`.
    func healthChecks() throws(StoreError) -> [HealthCheck]
    /// The schema version of the store, and the one this build writes.
    func schemaVersion() throws(StoreError) -> (file: Int, latest: Int)
    /// The store's size and rows per table, and the oldest call kept.
    func storeStats() throws(StoreError) -> StoreStats
}

/// One check a backend makes of itself, as `warden doctor` prints it.
public struct HealthCheck: Equatable, Sendable {
    /// One word: `permissions`, `integrity`, …
    public let name: String
    public let ok: Bool
    /// What was found, and on a problem how to fix it.
    public let detail: String
    public init(name: String, ok: Bool, detail: String) {
        self.name = name
        self.ok = ok
        self.detail = detail
    }
}
