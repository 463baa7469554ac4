import CSQLite
import WardenStore

// `warden store copy` on SQLite: the tables of `TransferSchema` as they are in this file. `ord`
// is the rowid; each value is read with the storage class its column declares, and a value
// stored otherwise is refused rather than converted (a copy changes nothing).
extension SQLiteStore: StoreTransfer {
    /// What this schema keeps for itself and a copy does not carry: the change feed's counter,
    /// the governed state's sum (the target's triggers rebuild both), SQLite's own tables, and
    /// the services' heartbeats (a service beats on the store it runs on, not on a copy).
    static let keptTables: Set<String> = ["row_version", "governed_state", "services"]
    /// Meta entries about this file, not the store: a VACUUM still owed after a migration.
    static var keptMetaKeys: [String] { [Self.vacuumPendingKey] }

    public func withExportSnapshot<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try db.read(body)
    }

    public func exportRows(_ table: TransferTable, after: [TransferValue]?, limit: Int) throws(StoreError) -> [TransferRow] {
        let keys = table.key.map(Self.transferName).joined(separator: ", ")
        var conditions: [String] = []
        if after != nil { conditions.append("(\(keys)) > (\(table.key.map { _ in "?" }.joined(separator: ", ")))") }
        if table.name == "meta" { conditions.append("key NOT IN (\(Self.keptMetaKeys.map { "'\($0)'" }.joined(separator: ", ")))") }
        let q = try db.prepare("""
            SELECT \(table.columns.map { Self.transferName($0.name) }.joined(separator: ", ")) FROM \(table.name)
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")) ORDER BY \(keys) LIMIT ?
            """)
        var i: Int32 = 1
        for value in after ?? [] {
            try Self.bind(q, i, value)
            i += 1
        }
        q.bindOne(i, limit)
        return try q.all { (s: Statement) throws(StoreError) -> TransferRow in
            var row: TransferRow = []
            row.reserveCapacity(table.columns.count)
            for (c, column) in table.columns.enumerated() {
                row.append(try Self.value(s, Int32(c), column, table: table.name))
            }
            return row
        }
    }

    public func withImport<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try write(body)
    }

    public func importRows(_ table: TransferTable, _ rows: [TransferRow]) throws(StoreError) {
        let names = table.columns.map { Self.transferName($0.name) }
        // The new store already has its trust domain: the source's replaces it.
        let upsert = table.name == "meta" ? " ON CONFLICT(key) DO UPDATE SET value = excluded.value" : ""
        let sql = "INSERT INTO \(table.name)(\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))\(upsert)"
        for row in rows {
            if table.name == "meta", case .text(let key) = row[0], Self.keptMetaKeys.contains(key) { continue }
            let q = try db.prepare(sql)
            for (c, column) in table.columns.enumerated() {
                try Self.check(row[c], fits: column, table: table.name)
                try Self.bind(q, Int32(c + 1), row[c])
            }
            try q.run()
        }
    }

    /// Nothing to move: SQLite numbers a new call, outcome or row after the largest it holds,
    /// and the row-version counter advanced as each copied row was stamped.
    public func finishImport() throws(StoreError) {}

    public func untransferredSchema() throws(StoreError) -> [String] {
        var unknown: [String] = []
        let tables = try db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
            .all { $0.string(0) }
        for name in tables where !Self.keptTables.contains(name) {
            guard let table = TransferSchema.table(name) else {
                unknown.append("table \(name)")
                continue
            }
            let columns = try db.prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid").bind(name).all { $0.string(0) }
            let carried = Set(table.columns.map { Self.transferName($0.name) })
            unknown += columns.filter { !carried.contains($0) && !TransferSchema.keptByTarget.contains($0) }.map { "\(name).\($0)" }
            unknown += carried.subtracting(columns + ["rowid"]).sorted().map { "\(name).\($0) (missing)" }
        }
        return unknown
    }

    /// The neutral column's name here: the order rows were written in is the rowid.
    static func transferName(_ column: String) -> String { column == "ord" ? "rowid" : column }

    private static func value(_ s: Statement, _ i: Int32, _ column: TransferColumn, table: String) throws(StoreError) -> TransferValue {
        let type = sqlite3_column_type(s.stmt, i)
        if type == SQLITE_NULL { return .null }
        switch (column.kind, type) {
        case (.integer, SQLITE_INTEGER), (.boolean, SQLITE_INTEGER): return .integer(s.int(i))
        case (.text, SQLITE_TEXT): return .text(s.string(i))
        case (.bytes, SQLITE_BLOB): return .bytes(s.blob(i))
        default:
            let stored = [SQLITE_INTEGER: "an integer", SQLITE_FLOAT: "a real number", SQLITE_TEXT: "text", SQLITE_BLOB: "bytes"][type] ?? "a value"
            throw .invalid("\(table).\(column.name) holds \(stored) where the schema says \(column.kind) (a row written outside Warden)")
        }
    }

    static func check(_ value: TransferValue, fits column: TransferColumn, table: String) throws(StoreError) {
        switch (value, column.kind) {
        case (.null, _), (.integer, .integer), (.integer, .boolean), (.text, .text), (.bytes, .bytes): return
        default: throw .invalid("\(table).\(column.name) holds \(column.kind), and a copied row gave it something else")
        }
    }

    /// Binds text by its length (a NUL inside is kept) and empty bytes as bytes, not NULL.
    private static func bind(_ q: Statement, _ i: Int32, _ value: TransferValue) throws(StoreError) {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(q.stmt, i)
        case .integer(let n): rc = sqlite3_bind_int64(q.stmt, i, n)
        case .text(let text):
            var t = text
            rc = t.isEmpty ? sqlite3_bind_text(q.stmt, i, "", 0, warden_sqlite_transient()) : t.withUTF8 { u in
                u.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(q.stmt, i, $0.baseAddress, Int32(u.count), warden_sqlite_transient()) }
            }
        case .bytes(let bytes):
            rc = bytes.isEmpty ? sqlite3_bind_zeroblob(q.stmt, i, 0)
                : bytes.withUnsafeBytes { sqlite3_bind_blob(q.stmt, i, $0.baseAddress, Int32($0.count), warden_sqlite_transient()) }
        }
        if rc != SQLITE_OK { throw .io("cannot bind a value: \(q.db.errorMessage)") }
    }
}
