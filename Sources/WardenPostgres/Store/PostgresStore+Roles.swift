import WardenStore

// Every role a connection plays: the gate, diagnostics, the fleet's reads and the operator's
// actions here (their methods are in the Reads, Operator, Gate, Diagnostics and Retention files);
// the change feed, activity and telemetry declare theirs in their own files.
extension PostgresStore: CredentialGate {}
extension PostgresStore: StoreDiagnostics {}
extension PostgresStore: FleetReader {}
extension PostgresStore: OperatorActions {}
extension PostgresStore: FleetStore {}
