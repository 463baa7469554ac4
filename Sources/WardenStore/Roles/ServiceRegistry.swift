import WardenCore

/// The services running on a store (`warden serve`): each keeps its heartbeat row here, and
/// the dashboard reads them for its header. Runtime state, like instances: not governed, not
/// journaled, not copied by `store copy` (a heartbeat belongs to the store it beats on).
public protocol ServiceRegistry: AnyObject {
    /// Writes the service's row (inserted, or replacing the row of the same host and address).
    /// The heartbeat never moves back, and a stopped row stays stopped until the service
    /// starts again (a `startedAt` newer than the row's).
    func recordService(_ service: ServiceRecord) throws(StoreError)
    /// Every service row, most recent heartbeat first.
    func services() throws(StoreError) -> [ServiceRecord]
}
