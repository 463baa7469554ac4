/// One value of a copied row, as every backend can store it: a boolean travels as the integer
/// 0 or 1 (SQLite's form), a timestamp as its integer milliseconds.
public enum TransferValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case text(String)
    case bytes([UInt8])
}

/// One row, its values in the order of its table's `columns`.
public typealias TransferRow = [TransferValue]

/// A column as the copy carries it: its name, and how its values are typed.
public struct TransferColumn: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case text, integer, boolean, bytes }
    public let name: String
    public let kind: Kind
}

/// A table as the copy carries it: every column that says something about the store, and the
/// key the rows are ordered and paged by (unique together).
public struct TransferTable: Sendable {
    public let name: String
    public let columns: [TransferColumn]
    public let key: [String]
    /// Where each key column sits in a row.
    public let keyIndexes: [Int]

    init(_ name: String, key: [String], _ columns: [(String, TransferColumn.Kind)]) {
        self.name = name
        self.columns = columns.map { TransferColumn(name: $0.0, kind: $0.1) }
        self.key = key
        keyIndexes = key.map { k in columns.firstIndex { $0.0 == k }! }
    }

    /// The row's key, to read the next page after it.
    public func key(of row: TransferRow) -> [TransferValue] { keyIndexes.map { row[$0] } }

    public func column(_ name: String) -> TransferColumn? { columns.first { $0.name == name } }
}

/// The whole store as `warden store copy` carries it: every table, in an order where each row's
/// references (an agent's principal and delegator, a credential's instance) come before it, and
/// every column. The one list of what a copy holds: a backend maps it to its own schema and
/// refuses a table or column it does not cover (`StoreTransfer.untransferredSchema`), so a table
/// a later migration adds cannot be left behind silently — add it here.
///
/// Not copied, because the target keeps them itself: a row's change-feed stamp (`version`) and
/// hash (`digest`), the governed state's sum and the cursors (recomputed by the target's
/// triggers and counters), the schema version in `meta` (the target's own), and the services'
/// heartbeat rows (a service beats on the store it runs on, not on a copy).
/// `ord` is the order rows were first written (SQLite's rowid), copied so lists come out in the
/// same order.
public enum TransferSchema {
    public static let tables: [TransferTable] = [
        TransferTable("meta", key: ["key"], [("key", .text), ("value", .text)]),
        TransferTable("principals", key: ["id"], [
            ("id", .text), ("kind", .text), ("name", .text), ("scopes", .text), ("status", .text),
            ("created_at", .integer), ("disabled_at", .integer),
        ]),
        TransferTable("agents", key: ["ord"], [
            ("ord", .integer), ("id", .text), ("name", .text), ("principal_id", .text), ("parent_id", .text),
            ("depth", .integer), ("scopes", .text), ("created_at", .integer), ("expires_at", .integer),
            ("revoked_at", .integer), ("revoke_reason", .text), ("registered", .boolean), ("revoked_by", .text),
        ]),
        TransferTable("instances", key: ["ord"], [
            ("ord", .integer), ("id", .text), ("agent_id", .text), ("host", .text), ("pid", .integer),
            ("started_at", .integer), ("last_heartbeat", .integer), ("stopped_at", .integer),
        ]),
        TransferTable("credentials", key: ["ord"], [
            ("ord", .integer), ("id", .text), ("agent_id", .text), ("instance_id", .text), ("secret_hash", .bytes),
            ("scopes", .text), ("issued_at", .integer), ("expires_at", .integer), ("revoked_at", .integer),
            ("revoked_by", .text), ("renewed_from", .text),
        ]),
        TransferTable("tool_calls", key: ["seq"], [
            ("seq", .integer), ("at", .integer), ("agent_id", .text), ("instance_id", .text), ("credential_id", .text),
            ("server", .text), ("tool", .text), ("decision", .text), ("reason", .text), ("duration_ms", .integer),
            ("result", .text), ("args", .text), ("outcome_seq", .integer), ("via", .text), ("mcp_session", .text),
            ("client", .text),
        ]),
        TransferTable("call_keys", key: ["session_id", "tool_use_id"], [
            ("session_id", .text), ("tool_use_id", .text), ("call_seq", .integer),
        ]),
        TransferTable("call_minutes", key: ["minute", "agent_id"], [
            ("agent_id", .text), ("minute", .integer), ("calls", .integer), ("denied", .integer),
        ]),
        TransferTable("tool_last_used", key: ["agent_id", "server", "tool"], [
            ("agent_id", .text), ("server", .text), ("tool", .text), ("last_at", .integer),
        ]),
        TransferTable("tool_minutes", key: ["minute", "server", "tool"], [
            ("minute", .integer), ("server", .text), ("tool", .text), ("calls", .integer), ("denied", .integer),
        ]),
        TransferTable("tool_servers", key: ["id"], [("id", .text), ("policy", .text), ("first_seen_at", .integer)]),
        TransferTable("tool_settings", key: ["id"], [("id", .text), ("value", .text)]),
        TransferTable("tool_pins", key: ["id"], [
            ("id", .text), ("server", .text), ("tool", .text), ("hash", .text), ("first_seen_at", .integer),
            ("changed_at", .integer), ("gone_at", .integer),
        ]),
        TransferTable("tool_definitions", key: ["id"], [("id", .text), ("definition", .text), ("first_seen_at", .integer)]),
        TransferTable("tool_decisions", key: ["id"], [
            ("id", .text), ("server", .text), ("tool", .text), ("hash", .text), ("verdict", .text),
            ("decided_at", .integer), ("decided_by", .text), ("reason", .text),
        ]),
        TransferTable("gates", key: ["id"], [("id", .text), ("created_at", .integer), ("revoked_at", .integer), ("revoke_reason", .text)]),
        TransferTable("gate_credentials", key: ["id"], [
            ("id", .text), ("gate_id", .text), ("secret_hash", .bytes), ("issued_at", .integer), ("expires_at", .integer),
            ("revoked_at", .integer),
        ]),
        TransferTable("audit", key: ["seq"], [
            ("seq", .integer), ("at", .integer), ("operator", .text), ("action", .text), ("target", .text),
            ("before", .text), ("after", .text), ("reason", .text), ("prev_hash", .text), ("hash", .text),
            ("state_digest", .text), ("claimed_by", .text),
        ]),
    ]

    /// Columns every backend keeps for itself on some tables: the change feed's stamp and the
    /// row's hash (the target's triggers write both).
    public static let keptByTarget: Set<String> = ["version", "digest"]

    public static func table(_ name: String) -> TransferTable? { tables.first { $0.name == name } }
}
