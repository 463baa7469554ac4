import WardenStore

// The roles this module's core implements whole. FleetReader (its `prunable`), OperatorActions
// (`prune`), ChangeFeed, ActivityRecording and TelemetryIngest are completed by the feed,
// activity, telemetry and retention files; `FleetStore` is declared with the backend once every
// role is implemented.
extension PostgresStore: CredentialGate {}
extension PostgresStore: StoreDiagnostics {}
