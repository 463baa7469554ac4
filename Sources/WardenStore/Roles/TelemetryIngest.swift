import WardenCore

/// Decoded telemetry (ingesters): activity together with the identities it names.
public protocol TelemetryIngest: AnyObject {
    /// Applies decoded telemetry in one write transaction: unknown identities become
    /// unregistered agents, delegations obey rule 1. Refused events are listed in the outcome
    /// (or, `atomically`, the first one rolls back the batch).
    func applyTelemetry(_ events: [TelemetryEvent], session: TelemetrySession,
                        atomically: Bool) throws(StoreError) -> TelemetryOutcome
}

/// An ingest connection whose backend has housekeeping to move aside while a whole input is
/// written at full speed (SQLite: WAL checkpoints and their fsyncs, to a thread of their own).
/// Not part of the contract: an ingester asks for it with `as?`, and a backend with no such
/// housekeeping does not conform. Calls nest; an unbalanced `end` is ignored.
public protocol BulkWrites: AnyObject {
    func beginBulkWrites()
    func endBulkWrites()
}
