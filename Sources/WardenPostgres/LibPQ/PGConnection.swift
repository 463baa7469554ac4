import CPostgres
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WardenStore
import WardenSystem

/// One owned libpq connection: parameterized statements (prepared once per SQL text), typed
/// results, transactions, and recovery from a lost connection (the next call reconnects).
///
/// Not thread-safe: one connection per thread, as with the SQLite layer.
package final class PGConnection {
    let pq: LoadedLibrary<warden_libpq>
    let handle: OpaquePointer
    package let connectionString: ConnectionString
    /// Statement names by SQL text, prepared on this session.
    private var prepared: [String: String] = [:]
    private var transactionDepth = 0
    /// The server process this session LISTENs on (0: none): a reconnect gets a new one, whose
    /// session listens to nothing until told again.
    var listeningBackend: Int32 = 0
    /// Session settings (`setForSession`), set again on every reconnect.
    private var sessionSettings: [String] = []
    private var settingsApplied = true

    /// Connects; a server that cannot be reached (or refuses us) is `.io` "unavailable".
    /// `connect_timeout` defaults to 2 s unless the string sets it.
    package init(_ connectionString: ConnectionString) throws(StoreError) {
        self.connectionString = connectionString
        let pq = try LibPQ.functions()
        self.pq = pq
        let keywords = ["connect_timeout", "application_name", "dbname"]
        let values = ["2", "warden", connectionString.raw]
        let conn = withCStrings(keywords) { k in
            withCStrings(values) { v in pq.PQconnectdbParams(k, v, 1) }
        }
        guard let conn else { throw .io("cannot allocate a PostgreSQL connection") }
        guard pq.PQstatus(conn) == CONNECTION_OK else {
            let message = connectionString.scrub(PGError.clean(PGError.text(pq.PQerrorMessage(conn))))
            pq.PQfinish(conn)
            throw PGError.unavailable(connectionString.redacted, message)
        }
        handle = conn
        _ = pq.PQsetNoticeProcessor(conn, { _, _ in }, nil)  // NOTICEs ("already exists, skipping") are not for users
    }

    deinit { pq.PQfinish(handle) }

    /// `major * 10000 + minor` (150004 for 15.4).
    package var serverVersion: Int { Int(pq.PQserverVersion(handle)) }

    package var isConnected: Bool { pq.PQstatus(handle) == CONNECTION_OK }

    package var inTransaction: Bool { transactionDepth > 0 }

    /// Runs one statement with `params` ($1, $2, …) and returns its rows.
    @discardableResult
    package func query(_ sql: String, _ params: [(any PGBindable)?] = []) throws(StoreError) -> PGResult {
        try ensureConnected()
        let name = try statementName(sql)
        let result = withOptionalCStrings(params.map { $0?.pgText }) { values in
            pq.PQexecPrepared(handle, name, Int32(params.count), values, nil, nil, 0)
        }
        return try check(result, sql: sql)
    }

    /// `query` for statements whose rows are not needed; returns the rows affected.
    @discardableResult
    package func execute(_ sql: String, _ params: [(any PGBindable)?] = []) throws(StoreError) -> Int {
        try query(sql, params).affectedRows
    }

    /// Runs SQL without parameters through the simple protocol (several statements allowed: DDL).
    package func run(_ sql: String) throws(StoreError) {
        try ensureConnected()
        _ = try check(pq.PQexec(handle, sql), sql: sql)
    }

    /// Runs a session setting (`SET …`) now and again after every reconnect: a session the
    /// server restarted keeps what it was opened with (read-only stays read-only).
    package func setForSession(_ sql: String) throws(StoreError) {
        try run(sql)
        sessionSettings.append(sql)
    }

    /// Everything `body` does commits together, or nothing does when it throws. Nested calls
    /// join the outer transaction.
    package func withTransaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        if transactionDepth > 0 {
            transactionDepth += 1
            defer { transactionDepth -= 1 }
            return try body()
        }
        try run("BEGIN")
        transactionDepth = 1
        defer { transactionDepth = 0 }
        do {
            let result = try body()
            try run("COMMIT")
            return result
        } catch {
            if isConnected { _ = pq.PQexec(handle, "ROLLBACK").map { pq.PQclear($0) } }
            throw error
        }
    }

    /// A read-only transaction that sees one snapshot throughout.
    package func withReadTransaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        if transactionDepth > 0 { return try withTransaction(body) }
        return try withTransaction { () throws(StoreError) -> T in
            try run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return try body()
        }
    }

    /// Drops this session's prepared statements: after a schema change their plans may no
    /// longer fit the tables.
    package func forgetPreparedStatements() throws(StoreError) {
        try run("DEALLOCATE ALL")
        prepared.removeAll()
    }

    // MARK: Internals

    /// Reconnects a lost session between transactions (never inside one: its work is gone).
    /// A new session is used only once its settings are back, so a read-only one never writes.
    func ensureConnected() throws(StoreError) {
        guard pq.PQstatus(handle) != CONNECTION_OK || !settingsApplied else { return }
        if transactionDepth > 0 { throw unavailable() }
        if pq.PQstatus(handle) != CONNECTION_OK {
            pq.PQreset(handle)
            prepared.removeAll()
            guard pq.PQstatus(handle) == CONNECTION_OK else { throw unavailable() }
            settingsApplied = sessionSettings.isEmpty
        }
        for sql in sessionSettings { _ = try check(pq.PQexec(handle, sql), sql: sql) }
        settingsApplied = true
    }

    private func statementName(_ sql: String) throws(StoreError) -> String {
        if let name = prepared[sql] { return name }
        let name = "w\(prepared.count + 1)"
        _ = try check(pq.PQprepare(handle, name, sql, 0, nil), sql: sql)
        prepared[sql] = name
        return name
    }

    func unavailable() -> StoreError {
        PGError.unavailable(connectionString.redacted,
                            connectionString.scrub(PGError.clean(PGError.text(pq.PQerrorMessage(handle)))))
    }

    private func check(_ result: OpaquePointer?, sql: String) throws(StoreError) -> PGResult {
        guard let result else { throw unavailable() }
        switch pq.PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PGResult(result, pq)
        default:
            let state = pq.PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            let message = connectionString.scrub(PGError.clean(PGError.text(pq.PQresultErrorMessage(result))))
            pq.PQclear(result)
            if pq.PQstatus(handle) != CONNECTION_OK || PGError.isUnavailable(sqlState: state) {
                throw PGError.unavailable(connectionString.redacted, message)
            }
            throw PGError.map(sqlState: state, message: message)
        }
    }
}

/// `body` with a NULL-terminated array of C strings.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withOptionalCStrings(strings, body)
}

private func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
    defer { copies.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
