import WardenCore
import WardenStore

/// Creating, checking and migrating the schema of a PostgreSQL store. Migrations never run on
/// open (many hosts share the server): `migrate` runs them, once, under an advisory lock.
enum PostgresSchema {
    /// The transaction-scoped advisory lock every schema change takes (`warden` in ASCII).
    static let lockKey: Int64 = 0x7761_7264_656E

    /// Makes the schema in an empty database and records the trust domain. Refuses a database
    /// that already holds tables (a store, or anything else).
    static func create(on c: PGConnection, trustDomain: String) throws(StoreError) {
        do { try Identity.validateTrustDomain(trustDomain) } catch { throw .invalid(error.description) }
        try c.withTransaction { () throws(StoreError) in
            try c.execute("SELECT pg_advisory_xact_lock($1)", [lockKey])
            let tables = try c.query("""
                SELECT count(*) FROM pg_catalog.pg_tables
                WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg_toast%'
                """).first { $0.int(0) } ?? 0
            if tables > 0 {
                throw .refused("the database at \(c.connectionString.redacted) is not empty (it has \(tables) table\(tables == 1 ? "" : "s")); Warden creates a store only in an empty database")
            }
            for sql in PostgresMigrations.all { try c.run(sql) }
            try c.execute("INSERT INTO meta(key, value) VALUES ('schema_version', $1), ('trust_domain', $2)",
                          [String(PostgresMigrations.latest), trustDomain])
        }
    }

    /// The schema version the database holds; nil when it holds no Warden store.
    static func version(on c: PGConnection) throws(StoreError) -> Int? {
        let hasMeta = try c.query("SELECT to_regclass('meta') IS NOT NULL").first { $0.bool(0) } ?? false
        guard hasMeta else { return nil }
        return try c.query("SELECT value FROM meta WHERE key = 'schema_version'").first { Int($0.string(0)) } ?? nil
    }

    /// On open: a store of this binary's version or the next is used as it is (migrations are
    /// additive); an older one must be migrated first, and one two or more versions ahead is
    /// refused, both versions named.
    static func check(on c: PGConnection) throws(StoreError) -> Int {
        guard let version = try version(on: c) else { throw .missing(path: c.connectionString.redacted) }
        let own = PostgresMigrations.latest
        if version > own + 1 {
            throw .refused("the store at \(c.connectionString.redacted) has schema version \(version), more than one ahead of this Warden's (version \(own)); upgrade Warden to use it")
        }
        if version < own {
            throw .refused("the store at \(c.connectionString.redacted) has schema version \(version), older than this Warden's (version \(own)); run `warden store migrate` once to upgrade it")
        }
        return version
    }

    /// Brings the schema up to this binary's version, in one transaction under the schema lock
    /// (concurrent migrators wait, then find nothing left to do). Returns the versions before
    /// and after.
    @discardableResult
    static func migrate(on c: PGConnection) throws(StoreError) -> (from: Int, to: Int) {
        let versions = try c.withTransaction { () throws(StoreError) -> (from: Int, to: Int) in
            try c.execute("SELECT pg_advisory_xact_lock($1)", [lockKey])
            guard let from = try version(on: c) else { throw .missing(path: c.connectionString.redacted) }
            let own = PostgresMigrations.latest
            if from > own {
                throw .refused("the store at \(c.connectionString.redacted) has schema version \(from), newer than this Warden's (version \(own)); nothing to migrate")
            }
            guard from < own else { return (from, from) }
            for sql in PostgresMigrations.all[from...] { try c.run(sql) }
            try c.execute("UPDATE meta SET value = $1 WHERE key = 'schema_version'", [String(own)])
            if from < PostgresMigrations.toolPinsVersion {
                try PostgresStore.approveUsedToolsInMigration(on: c, wallClock: try c.query(
                    "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint").first { $0.int64(0) } ?? 0)
            }
            return (from, own)
        }
        if versions.from != versions.to { try c.forgetPreparedStatements() }
        return versions
    }
}
