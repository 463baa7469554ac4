import WardenCore
import WardenStore

// Telemetry: the rules (`FleetRules.applyTelemetry`) decide, over this backend's rule
// transaction (`PostgresStore+RuleBackend`): one write transaction per batch, serialized with
// the other rule writers, its calls numbered from the commit-ordered call cursor.
extension PostgresStore: TelemetryIngest {
    public func applyTelemetry(_ events: [TelemetryEvent], session: TelemetrySession,
                               atomically: Bool) throws(StoreError) -> TelemetryOutcome {
        if isReadOnly { throw .readOnly }
        return try permitted("ingest telemetry") { () throws(StoreError) -> TelemetryOutcome in
            try rules.applyTelemetry(events, session: session, atomically: atomically)
        }
    }
}
