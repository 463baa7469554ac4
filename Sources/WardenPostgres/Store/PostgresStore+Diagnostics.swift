import WardenCore
import WardenStore

// The journal's verification, the governed state's check, and what `warden doctor` shows.
extension PostgresStore {
    public func verifyAudit(expectedHead: AuditHead? = nil) throws(StoreError) -> AuditVerification {
        try rules.verifyAudit(expectedHead: expectedHead)
    }

    /// Rehashes every governed row on the server and compares the sum with the digest the
    /// triggers keep and the one the journal's last record carries. The dashboard runs it on
    /// every new journal record, so each row is hashed once, for both the list of rows whose
    /// stored hash is stale and the sum.
    public func verifyState() throws(StoreError) -> StateCheck {
        try read { () throws(StoreError) -> StateCheck in
            // A store older than the limb sum (inspected before `store migrate`) sums per hash.
            let limbs = try connection.query("SELECT to_regprocedure('warden_digest_sum(bytea[])') IS NOT NULL").first { $0.bool(0) } ?? false
            let sum = limbs ? "warden_digest_sum(array_agg(h))" : "coalesce(sum(warden_digest_num(h)), 0)"
            var rows: [String] = []
            var sums: [String] = []
            for (table, noun, _) in try governedTables() {
                _ = try connection.query("""
                    WITH hashed AS MATERIALIZED (SELECT id, digest, warden_row_hash(t) AS h FROM \(table) t)
                    SELECT 's', (SELECT \(sum) FROM hashed)::text
                    UNION ALL
                    (SELECT 'r', id FROM hashed WHERE digest IS DISTINCT FROM h ORDER BY id COLLATE "C" LIMIT $1)
                    """, [1000 - rows.count]).map { r in
                    if r.string(0) == "s" { sums.append(r.string(1)) } else { rows.append("\(noun) \(r.string(1))") }
                }
            }
            let added = sums.indices.map { "$\($0 + 1)::numeric" }.joined(separator: " + ")
            let total = try connection.query("SELECT warden_digest_bytes(warden_digest_step(\(added), 0, 0))", sums.map { $0 })
                .first { StateDigest(bytes: $0.bytes(0)) } ?? nil
            let last = try connection.query("SELECT seq, state_digest FROM audit WHERE state_digest IS NOT NULL ORDER BY seq DESC LIMIT 1")
                .first { ($0.int64(0), StateDigest(hex: $0.string(1))) }
            let drift = try connection.query("""
                SELECT seq, after FROM audit WHERE action = 'state.drift_detected'
                AND seq > coalesce((SELECT max(seq) FROM audit WHERE action = 'state.accept_drift'), 0) ORDER BY seq LIMIT 1
                """).first { ($0.int64(0), $0.optionalString(1)) }
            return StateVerdict.judge(StateFacts(recomputed: total ?? .zero, mismatchedRows: rows, kept: try keptDigest(),
                                                 lastJournaled: last, unacceptedDrift: drift,
                                                 backendProblem: try triggerProblem()))
        }
    }

    /// The governed tables this store's schema has: a store inspected before `store migrate`
    /// (`warden doctor` on an older schema) has no tool-pin tables yet.
    private func governedTables() throws(StoreError) -> [(table: String, noun: String, columns: [(String, GovernedState.Kind)])] {
        let present = try connection.query("SELECT to_regclass('tool_servers') IS NOT NULL, to_regclass('gates') IS NOT NULL")
            .first { ($0.bool(0), $0.bool(1)) } ?? (false, false)
        return GovernedState.v1Tables + (present.0 ? GovernedState.pinTables : []) + (present.1 ? GovernedState.gateTables : [])
    }

    /// The triggers that keep the digest, as the schema made them: none missing or disabled,
    /// none added to the governed tables behind Warden's back (one could undo a revocation).
    private func triggerProblem() throws(StoreError) -> String? {
        var expected = Set<String>()
        for (table, _, _) in try governedTables() {
            for suffix in ["row_digest", "sum_insert", "sum_update", "sum_delete", "version"] { expected.insert("\(table)_\(suffix)") }
        }
        // The change log's triggers (PostgreSQL schema 11), on the governed tables the feed reads.
        if try connection.query("SELECT to_regclass('row_changes') IS NOT NULL").first({ $0.bool(0) }) ?? false {
            for (table, _) in RowChangeLog.kinds where GovernedState.tables.contains(where: { $0.table == table }) {
                expected.formUnion(RowChangeLog.triggerNames(table))
            }
        }
        let found = try connection.query("""
            SELECT t.tgname, t.tgenabled FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
            WHERE NOT t.tgisinternal AND c.relname IN (\(GovernedState.tables.map { "'\($0.table)'" }.joined(separator: ", ")))
                AND c.relnamespace = to_regnamespace(current_schema())
            """).map { ($0.string(0), $0.string(1)) }
        var problems: [String] = []
        problems += found.filter { !expected.contains($0.0) }.map { "\($0.0) (not Warden's)" }.sorted()
        problems += found.filter { expected.contains($0.0) && $0.1 == "D" }.map { "\($0.0) (disabled)" }.sorted()
        let present = Set(found.map(\.0))
        problems += expected.subtracting(present).map { "\($0) (missing)" }.sorted()
        return problems.isEmpty ? nil : "triggers changed outside Warden: " + problems.joined(separator: ", ")
    }

    /// `server` (the version, 15 or later), `connection` (where, password redacted); `doctor`
    /// checks the schema version for every backend.
    public func healthChecks() throws(StoreError) -> [HealthCheck] {
        let version = connection.serverVersion
        let versionText = try connection.query("SHOW server_version").first { $0.string(0) } ?? String(version)
        let user = try connection.query("SELECT session_user, current_database()").first { ($0.string(0), $0.string(1)) }
        return [
            HealthCheck(name: "server", ok: version >= 150000,
                        detail: version >= 150000 ? "PostgreSQL \(versionText)" : "PostgreSQL \(versionText) is older than 15, which Warden needs"),
            HealthCheck(name: "connection", ok: connection.isConnected,
                        detail: "\(location) as \(user?.0 ?? "?") (database \(user?.1 ?? "?"))"),
        ]
    }

    /// The schema version of the store, and the one this build writes.
    public func schemaVersion() throws(StoreError) -> (file: Int, latest: Int) {
        (try PostgresSchema.version(on: connection) ?? 0, PostgresMigrations.latest)
    }

    /// Tables `doctor` counts, in the order it prints them (SQLite's).
    static let countedTables = ["principals", "agents", "credentials", "instances", "tool_calls", "call_minutes",
                                "tool_last_used", "tool_minutes", "audit"]

    /// The database's size on the server, rows per table, and the oldest call kept.
    public func storeStats() throws(StoreError) -> StoreStats {
        try read { () throws(StoreError) -> StoreStats in
            let counts = Self.countedTables.map { "(SELECT count(*) FROM \($0))" }.joined(separator: ", ")
            return try connection.query("SELECT pg_database_size(current_database()), (SELECT min(at) FROM tool_calls), \(counts)")
                .first { r in
                    StoreStats(bytes: r.int64(0), rows: Self.countedTables.enumerated().map { ($1, r.int64($0 + 2)) },
                               oldestCall: r.optionalInt64(1))
                } ?? StoreStats(bytes: 0, rows: [], oldestCall: nil)
        }
    }
}
