import WardenStore

// `warden store copy` on PostgreSQL: the tables of `TransferSchema` as this schema holds them
// (`ord` is its own column here). Pages are read by key; a batch is written with one INSERT over
// `unnest` of one text array per column, each cast to its column's type on the server.
extension PostgresStore: StoreTransfer {
    /// What this schema keeps for itself and a copy does not carry: the commit-ordered cursors
    /// and the governed state's sum (moved past the copy by `finishImport`, rebuilt by triggers),
    /// the change feed's log (written by triggers as rows are imported), and the services'
    /// heartbeats (a service beats on the store it runs on, not on a copy).
    static let keptTables: Set<String> = ["cursors", "governed_state", "row_changes", "services"]
    /// The schema version is the target's own.
    static let keptMetaKeys: Set<String> = ["schema_version"]

    public func withExportSnapshot<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try read(body)
    }

    public func exportRows(_ table: TransferTable, after: [TransferValue]?, limit: Int) throws(StoreError) -> [TransferRow] {
        let keys = table.key.joined(separator: ", ")
        var params: [(any PGBindable)?] = []
        var conditions: [String] = []
        if let after {
            for value in after { params.append(try Self.parameter(value)) }
            conditions.append("(\(keys)) > (\((1...after.count).map { "$\($0)" }.joined(separator: ", ")))")
        }
        if table.name == "meta" { conditions.append("key NOT IN (\(Self.keptMetaKeys.map { "'\($0)'" }.joined(separator: ", ")))") }
        params.append(limit)
        let selected = table.columns.map { $0.kind == .boolean ? "\($0.name)::int" : $0.name }.joined(separator: ", ")
        return try connection.query("""
            SELECT \(selected) FROM \(table.name)
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")) ORDER BY \(keys) LIMIT $\(params.count)
            """, params).map { (r: PGRow) throws(StoreError) -> TransferRow in
            var row: TransferRow = []
            row.reserveCapacity(table.columns.count)
            for (c, column) in table.columns.enumerated() {
                if r.isNull(c) {
                    row.append(.null)
                    continue
                }
                switch column.kind {
                case .integer, .boolean: row.append(.integer(r.int64(c)))
                case .text: row.append(.text(r.string(c)))
                case .bytes: row.append(.bytes(r.bytes(c)))
                }
            }
            return row
        }
    }

    /// Tables whose rows carry a change-feed stamp (`version`).
    static let stampedTables = ["principals", "agents", "credentials", "instances"]

    /// The stamping triggers are off while rows are imported: each would take the next
    /// 'row_version' by updating the one cursors row, and a row updated thousands of times in one
    /// transaction grows a chain of versions every update walks (a copy of 60,000 rows took
    /// minutes). `importRows` stamps a batch with one cursor update instead. The triggers are back
    /// before the copy is verified (`finishImport`) and, whatever happens, before it commits; the
    /// tables are the transaction's own, made by it, so no other session ever sees them off.
    /// The journal's login check is off too: copied records keep the operators who wrote them
    /// (their hashes cover those names); every record written after the copy is checked again.
    public func withImport<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        if isReadOnly { throw .readOnly }
        return try connection.withTransaction { () throws(StoreError) -> T in
            for table in Self.stampedTables { try connection.run("ALTER TABLE \(table) DISABLE TRIGGER \(table)_version") }
            try connection.run("ALTER TABLE audit DISABLE TRIGGER audit_operator")
            let result = try body()
            try enableStamping()
            return result
        }
    }

    private func enableStamping() throws(StoreError) {
        for table in Self.stampedTables { try connection.run("ALTER TABLE \(table) ENABLE TRIGGER \(table)_version") }
        try connection.run("ALTER TABLE audit ENABLE TRIGGER audit_operator")
    }

    public func importRows(_ table: TransferTable, _ rows: [TransferRow]) throws(StoreError) {
        let kept = table.name == "meta" ? rows.filter { row in
            if case .text(let key) = row[0] { return !Self.keptMetaKeys.contains(key) } else { return true }
        } : rows
        if kept.isEmpty { return }
        var arrays: [(any PGBindable)?] = []
        for (c, column) in table.columns.enumerated() {
            var texts: [String?] = []
            texts.reserveCapacity(kept.count)
            for row in kept { texts.append(try Self.text(row[c], for: column, table: table.name)) }
            arrays.append(PGTextArray(texts))
        }
        var names = table.columns.map(\.name)
        var casts = table.columns.map { c -> String in
            switch c.kind {
            case .text: return "u.\(c.name)"
            case .integer: return "u.\(c.name)::bigint"
            case .boolean: return "u.\(c.name)::bigint <> 0"
            case .bytes: return "u.\(c.name)::bytea"
            }
        }
        if Self.stampedTables.contains(table.name) {
            // One cursor update stamps the batch, in the order the rows came.
            let top = try connection.query("UPDATE cursors SET value = value + $1 WHERE name = 'row_version' RETURNING value", [kept.count])
                .first { $0.int64(0) } ?? 0
            arrays.append(PGInt64Array((0..<Int64(kept.count)).map { top - Int64(kept.count) + 1 + $0 }))
            names.append("version")
            casts.append("u.version")
        }
        // `ord` is an identity column: the copy keeps the source's order as it is.
        let overriding = names.contains("ord") ? " OVERRIDING SYSTEM VALUE" : ""
        // The new store already has its trust domain: the source's replaces it. (`WHERE true`
        // above keeps ON CONFLICT from being read as part of the SELECT.)
        let upsert = table.name == "meta" ? " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value" : ""
        try connection.execute("""
            INSERT INTO \(table.name)(\(names.joined(separator: ", ")))\(overriding)
            SELECT \(casts.joined(separator: ", "))
            FROM unnest(\(names.indices.map { "$\($0 + 1)::\(names[$0] == "version" ? "bigint" : "text")[]" }.joined(separator: ", "))) AS u(\(names.joined(separator: ", ")))
            WHERE true\(upsert)
            """, arrays)
    }

    /// Rows are stamped by their triggers again; new rows are ordered after the copied ones, and
    /// new calls and outcomes numbered after them.
    public func finishImport() throws(StoreError) {
        try enableStamping()
        for table in TransferSchema.tables where table.column("ord") != nil {
            try connection.execute("""
                SELECT setval(pg_get_serial_sequence('\(table.name)', 'ord'), max(ord)) FROM \(table.name) HAVING max(ord) IS NOT NULL
                """)
        }
        try connection.execute("""
            UPDATE cursors SET value = greatest(value, (SELECT coalesce(max(seq), 0) FROM tool_calls)) WHERE name = 'tool_call'
            """)
        try connection.execute("""
            UPDATE cursors SET value = greatest(value, (SELECT coalesce(max(outcome_seq), 0) FROM tool_calls)) WHERE name = 'call_outcome'
            """)
    }

    public func untransferredSchema() throws(StoreError) -> [String] {
        let columns = try connection.query("""
            SELECT c.relname, a.attname FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE c.relkind IN ('r', 'p') AND c.relnamespace = to_regnamespace(current_schema())
            ORDER BY c.relname, a.attnum
            """).map { ($0.string(0), $0.string(1)) }
        var unknown: [String] = []
        var seen: [String: [String]] = [:]
        for (table, column) in columns where !Self.keptTables.contains(table) {
            guard let known = TransferSchema.table(table) else {
                if seen[table] == nil { unknown.append("table \(table)") }
                seen[table, default: []].append(column)
                continue
            }
            seen[table, default: []].append(column)
            if known.column(column) == nil && !TransferSchema.keptByTarget.contains(column) { unknown.append("\(table).\(column)") }
        }
        for table in TransferSchema.tables {
            let present = Set(seen[table.name] ?? [])
            unknown += table.columns.map(\.name).filter { !present.contains($0) }.map { "\(table.name).\($0) (missing)" }
        }
        return unknown
    }

    private static func parameter(_ value: TransferValue) throws(StoreError) -> (any PGBindable)? {
        switch value {
        case .null: return nil
        case .integer(let n): return n
        case .text(let s): return s
        case .bytes(let b): return b
        }
    }

    /// A value in the text form its column's cast reads (`\x…` for bytes). PostgreSQL text
    /// cannot hold a NUL: such a value is refused, never cut short.
    private static func text(_ value: TransferValue, for column: TransferColumn, table: String) throws(StoreError) -> String? {
        switch (value, column.kind) {
        case (.null, _): return nil
        case (.integer(let n), .integer), (.integer(let n), .boolean): return String(n)
        case (.text(let s), .text):
            if s.utf8.contains(0) {
                throw .invalid("\(table).\(column.name) holds text with a NUL character, which PostgreSQL cannot store")
            }
            return s
        case (.bytes(let b), .bytes): return b.pgText
        default: throw .invalid("\(table).\(column.name) holds \(column.kind), and a copied row gave it something else")
        }
    }
}
