import Testing
import WardenStore
import WardenTestSupport
@testable import WardenPostgres

@Suite("PostgreSQL connection layer")
struct PGConnectionTests {
    @Test("a password never survives redaction, in the URI or in a libpq message")
    func redaction() {
        let uri = ConnectionString("postgresql://gate:s3cr%40t@db.internal:5432/warden?sslmode=verify-full")
        #expect(uri.redacted == "postgresql://gate:***@db.internal:5432/warden?sslmode=verify-full")
        let query = ConnectionString("postgresql:///warden?host=/run/pg&password=hunter2&user=gate")
        #expect(query.redacted == "postgresql:///warden?host=/run/pg&password=***&user=gate")
        #expect(query.scrub("connection to postgresql:///warden?host=/run/pg&password=hunter2&user=gate failed: hunter2")
                == "connection to postgresql:///warden?host=/run/pg&password=***&user=gate failed: ***")
        #expect(uri.scrub("FATAL: bad password s3cr@t for gate") == "FATAL: bad password *** for gate")
        #expect(ConnectionString.isPostgres("postgres://x") && ConnectionString.isPostgres("postgresql:///w"))
        #expect(!ConnectionString.isPostgres("/var/lib/warden.db"))
    }

    @Test("an unreachable server is an unavailable io error that names no password")
    func unreachable() {
        let missing = ConnectionString("postgresql://gate:topsecret@/warden?host=/nonexistent-warden-socket")
        #expect {
            _ = try PGConnection(missing)
        } throws: { error in
            guard case StoreError.io(let message) = error as! StoreError else { return false }
            return message.contains("unavailable") && !message.contains("topsecret")
        }
    }

    @Test("parameters and typed reads round-trip; a failed transaction leaves nothing",
          .enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
    func roundTrip() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let c = try PGConnection(ConnectionString(db.uri))
        try c.run("CREATE TABLE t (id bigint PRIMARY KEY, name text, blob bytea, flag boolean, x double precision)")
        let bytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xff]
        try c.execute("INSERT INTO t VALUES ($1, $2, $3, $4, $5)", [Int64(7), "naïve ␀ 'quoted'", bytes, true, 1.5])
        try c.execute("INSERT INTO t VALUES ($1, $2, $3, $4, $5)", [Int64(8), nil, nil, false, nil])
        let rows = try c.query("SELECT id, name, blob, flag, x FROM t ORDER BY id").map { r in
            (r.int64(0), r.optionalString(1), r.optionalBytes(2), r.bool(3), r.optionalDouble(4))
        }
        #expect(rows.count == 2)
        #expect(rows[0].0 == 7 && rows[0].1 == "naïve ␀ 'quoted'" && rows[0].2 == bytes && rows[0].3 && rows[0].4 == 1.5)
        #expect(rows[1].1 == nil && rows[1].2 == nil && !rows[1].3 && rows[1].4 == nil)

        #expect(throws: StoreError.self) {
            try c.withTransaction { () throws(StoreError) in
                try c.execute("INSERT INTO t (id) VALUES ($1)", [Int64(9)])
                try c.execute("INSERT INTO t (id) VALUES ($1)", [Int64(7)])  // duplicate key
            }
        }
        #expect(try c.query("SELECT count(*) FROM t").first { $0.int64(0) } == 2)
        #expect(c.serverVersion >= 150000)
    }

    @Test("array parameters carry any text, NULLs and numbers unchanged",
          .enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
    func arrays() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let c = try PGConnection(ConnectionString(db.uri))
        let texts: [String?] = ["plain", "", "NULL", nil, "with \"quotes\", commas, {braces}", "back\\slash\\", " spaced ", "naïve ✓"]
        let back = try c.query("SELECT t FROM unnest($1::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n", [PGTextArray(texts)])
            .map { $0.optionalString(0) }
        #expect(back == texts)
        let numbers: [Int64?] = [0, -1, nil, Int64.max, Int64.min]
        #expect(try c.query("SELECT n FROM unnest($1::bigint[]) WITH ORDINALITY AS u(n, i) ORDER BY i", [PGInt64Array(numbers)])
            .map { $0.optionalInt64(0) } == numbers)
    }

    @Test("a killed session is reported unavailable, and the next call reconnects",
          .enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
    func reconnects() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let c = try PGConnection(ConnectionString(db.uri))
        let pid = try c.query("SELECT pg_backend_pid()").first { $0.int64(0) }!
        let killer = try PGConnection(ConnectionString(db.uri))
        try killer.execute("SELECT pg_terminate_backend($1)", [pid])
        #expect {
            try c.query("SELECT 1")
        } throws: { error in
            guard case StoreError.io(let message) = error as! StoreError else { return false }
            return message.contains("unavailable")
        }
        #expect(try c.query("SELECT 41 + $1::int", [1]).first { $0.int(0) } == 42)
    }
}
