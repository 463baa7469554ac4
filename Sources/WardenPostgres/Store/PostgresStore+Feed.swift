import WardenCore
import WardenStore

// The change feed: row versions, the outcome cursor, and a cheap signal of any commit.
//
// Every cursor comes from a `cursors` row that a writer holds locked until it commits (see the
// schema), so a snapshot that shows a cursor value also shows every change at or below it, and
// a change above it commits later with a higher value: a reader passing back what it was given
// never skips a committed change and never sees one twice.
extension PostgresStore: ChangeFeed {
    /// Differs whenever any transaction that wrote has ended since the last read: the server's
    /// snapshot (`xmin:xmax:in-progress`) moves on every such commit. It is cluster-wide, so other
    /// databases' commits change it too, which costs a reader a needless look at its cursors,
    /// never a missed change. Reads no table.
    public func changeSignal() throws(StoreError) -> Int64 {
        let snapshot = try connection.query("SELECT pg_current_snapshot()::text").first { $0.string(0) } ?? ""
        // FNV-1a: only equality of the values means anything.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in snapshot.utf8 { h = (h ^ UInt64(b)) &* 0x0100_0000_01b3 }
        return Int64(bitPattern: h)
    }

    public var notifiesChanges: Bool { true }

    /// Waits on this store's own connection, which LISTENs to `changeChannel`: every
    /// transaction that writes announces itself there (`announceChange`), delivered at commit.
    public func waitForChange(timeoutMs: Int) throws(StoreError) -> Bool {
        try connection.waitForNotification(on: Self.changeChannel, timeoutMs: timeoutMs)
    }

    /// Where writers announce their commits.
    static let changeChannel = "warden_changes"

    /// Announces this transaction's changes to every listener, at commit (nothing if it rolls
    /// back). The payload is a hint, the cursors as they stand (`call_outcome:row_version:tool_call`):
    /// listeners re-read by cursor whatever it says.
    func announceChange() throws(StoreError) {
        try connection.execute("SELECT pg_notify('\(Self.changeChannel)', string_agg(value::text, ':' ORDER BY name)) FROM cursors")
    }

    /// Rows inserted or updated after the given versions, read in one snapshot with the version
    /// it reaches. A first read (0) keeps the order rows were first written (siblings in the
    /// tree); later ones come by version.
    public func changedRows(after v: RowVersions) throws(StoreError) -> RowChanges {
        try read { () throws(StoreError) -> RowChanges in
            let now = try connection.query("SELECT value FROM cursors WHERE name = 'row_version'").first { $0.int64(0) } ?? 0
            func rows<T>(_ after: Int64?, _ table: String, _ columns: String, firstOrder: String = "ord",
                         _ decode: (PGRow) -> T) throws(StoreError) -> [T] {
                guard let after, after < now else { return [] }
                // A first read takes the whole table; a later one finds its rows through the
                // change log (`RowChangeLog`), as `version` is not indexed.
                let sql = after == 0
                    ? "SELECT \(columns) FROM \(table) WHERE version > $1 AND version <= $2 ORDER BY \(firstOrder)"
                    : """
                      SELECT \(columns) FROM \(table) WHERE id IN (
                          SELECT unnest(ids) FROM row_changes WHERE kind = '\(Self.changeKind[table]!)' AND version > $1 AND version <= $2)
                      ORDER BY version
                      """
                return try connection.query(sql, [after, now]).map { r throws(StoreError) in decode(r) }
            }
            return RowChanges(
                version: now,
                // By bytes, as `principals()` and SQLite order them, whatever the database's locale:
                // a large store's first frame reads principals that way, and the whole tree must keep its order.
                principals: try rows(v.structure, "principals", Self.principalColumns, firstOrder: "id COLLATE \"C\"") { principalRow($0) },
                agents: try rows(v.structure, "agents", Self.agentColumns) { agentRow($0) },
                credentials: try rows(v.credentials, "credentials", Self.credentialColumns) { credentialRow($0) },
                instances: try rows(v.instances, "instances", Self.instanceColumns) { instanceRow($0) })
        }
    }

    /// The change log's kind of each table the feed reads.
    static let changeKind = Dictionary(uniqueKeysWithValues: RowChangeLog.kinds.map { ($0.table, $0.kind) })

    /// Calls whose outcome was recorded after `cursor`, in outcome order, and the cursor reached.
    public func callOutcomes(after cursor: Int64, limit: Int) throws(StoreError) -> CallOutcomes {
        var last = cursor
        let calls = try connection.query("""
            SELECT \(Self.callColumns), outcome_seq FROM tool_calls
            WHERE outcome_seq > $1 ORDER BY outcome_seq LIMIT $2
            """, [cursor, Int64(limit)]).map { r throws(StoreError) -> ToolCall in
                last = r.int64(15)
                return callRow(r)
            }
        return CallOutcomes(cursor: last, calls: calls)
    }
}
