import WardenStore

/// `beginBulkWrites`/`endBulkWrites` (with telemetry, in SQLiteStore+Telemetry.swift) hand WAL
/// checkpoints to a `BackgroundCheckpointer` while an ingester writes a whole input.
extension SQLiteStore: BulkWrites {}
