import WardenCore

/// Decoded telemetry (ingesters): activity together with the identities it names.
public protocol TelemetryIngest: AnyObject {
    /// Applies decoded telemetry in one write transaction: unknown identities become
    /// unregistered agents, delegations obey rule 1. Refused events are listed in the outcome
    /// (or, `atomically`, the first one rolls back the batch).
    func applyTelemetry(_ events: [TelemetryEvent], session: TelemetrySession,
                        atomically: Bool) throws(StoreError) -> TelemetryOutcome
    /// Bulk writing begins (a whole file ingested): housekeeping the writes cause (SQLite: WAL
    /// checkpoints, with their fsyncs) may move off the writing thread until `endBulkWrites`.
    func beginBulkWrites()
    func endBulkWrites()
}

extension TelemetryIngest {
    public func beginBulkWrites() {}
    public func endBulkWrites() {}
}
