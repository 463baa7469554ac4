import WardenStore
import CSQLite

/// A thin, owned SQLite connection: prepared statements cached by SQL text, and write
/// transactions that wait out other writers instead of failing.
final class Database {
    let handle: OpaquePointer
    let path: String
    private var cache: [String: Statement] = [:]
    /// The state digest's SQL functions (their hasher and scratch live as long as the connection).
    private let digestFunctions = DigestFunctions()
    /// Set once the store has a state digest: each write transaction then notes the digest it
    /// began with, so the journal can tell a change made outside it (`appendAudit`).
    var tracksStateDigest = false
    /// The governed state's digest when this write transaction began (or at its last journal record).
    var digestAtBegin: [UInt8]?

    /// Process-wide settings made once, before the first connection opens: no global memory
    /// statistics (they serialize every allocation of every connection on one mutex).
    private static let configured: Bool = {
        _ = warden_sqlite_disable_memstatus()  // SQLITE_MISUSE if SQLite was already in use: harmless
        return true
    }()

    init(path: String, readOnly: Bool) throws(StoreError) {
        _ = Database.configured
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw .io("cannot open \(path): \(msg)")
        }
        handle = db
        self.path = path
        // Contention is waited out here and in `write`, never shown to a user. Polled every
        // millisecond (for about 10 s): SQLite's own busy timeout backs off to 25 ms sleeps, so
        // a writer queued behind a few short transactions (a pruner's batches) would wait tens
        // of milliseconds after the lock was free.
        Database.setBusyWait(db, ms: Database.defaultBusyWaitMs)
        sqlite3_extended_result_codes(db, 1)
        guard DigestFunctions.register(on: db, owner: digestFunctions) else {
            let msg = String(cString: sqlite3_errmsg(db))
            sqlite3_close_v2(db)
            throw .io("cannot open \(path): \(msg)")
        }
    }

    /// How long one statement waits out a lock before it fails with SQLITE_BUSY.
    static let defaultBusyWaitMs = 10_000

    /// Waits out a lock for at most `ms` milliseconds (polled every millisecond), and a write
    /// transaction that finds the lock still held begins again up to `lockRetries` times. A
    /// decision path sets both short: its own retries, bounded by `store_timeout`, wait above.
    func setBusyWait(ms: Int, lockRetries: Int) {
        Database.setBusyWait(handle, ms: ms)
        busyWaitMs = ms
        self.lockRetries = lockRetries
    }

    /// What `write` waits out before it gives up: `lockRetries` more busy waits of `busyWaitMs`.
    private(set) var busyWaitMs = Database.defaultBusyWaitMs
    private(set) var lockRetries = 30

    private static func setBusyWait(_ db: OpaquePointer, ms: Int) {
        // The limit travels in the context pointer: a C callback captures nothing.
        sqlite3_busy_handler(db, { context, tries in
            guard Int(tries) < Int(bitPattern: context) else { return 0 }
            sqlite3_sleep(1)
            return 1
        }, UnsafeMutableRawPointer(bitPattern: max(ms, 1)))
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    var errorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// Runs SQL without results (several statements allowed).
    func exec(_ sql: String) throws(StoreError) {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? errorMessage
            sqlite3_free(err)
            throw Database.error(rc, msg)
        }
    }

    /// A cached prepared statement, reset and ready to bind.
    func prepare(_ sql: String) throws(StoreError) -> Statement {
        if let s = cache[sql] {
            s.reset()
            return s
        }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw Database.error(rc, "\(errorMessage) in: \(sql)") }
        let s = Statement(stmt, db: self)
        cache[sql] = s
        return s
    }

    /// One write transaction (BEGIN IMMEDIATE), retried while another writer holds the lock.
    func write<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        var waited = 0
        while true {
            do {
                try run("BEGIN IMMEDIATE")
                if tracksStateDigest {
                    digestAtBegin = try prepare("SELECT digest FROM governed_state WHERE id = 1").first { $0.blob(0) }
                }
                break
            } catch StoreError.io(let m) where m.contains("locked") || m.contains("busy") {
                // The busy timeout already waited; keep waiting a while longer before giving up.
                waited += 1
                if waited > lockRetries {
                    let ms = Int64(busyWaitMs) * Int64(waited)
                    throw .io("the store stayed locked by another writer for over \(ms >= 60_000 ? "\(ms / 60_000) minutes" : "\(ms) ms")")
                }
            }
        }
        do {
            let result = try body()
            try run("COMMIT")
            return result
        } catch {
            try? run("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` with this connection's triggers off, and turns them back on whatever happens.
    /// Only for writes that do themselves what the triggers would have done (the cascade stamps
    /// row versions in its set-based UPDATEs); other connections keep their triggers throughout.
    func withoutTriggers<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        guard warden_sqlite_enable_triggers(handle, 0) == SQLITE_OK else { throw .io("cannot turn triggers off: \(errorMessage)") }
        let result: T
        do { result = try body() } catch {
            _ = warden_sqlite_enable_triggers(handle, 1)
            throw error
        }
        // Failing to turn them back on would leave later writes unversioned: fail the transaction.
        guard warden_sqlite_enable_triggers(handle, 1) == SQLITE_OK else { throw .io("cannot turn triggers back on: \(errorMessage)") }
        return result
    }

    /// Whether this connection runs triggers now.
    var triggersEnabled: Bool { warden_sqlite_triggers_enabled(handle) != 0 }

    /// A consistent read of several statements.
    func read<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        if sqlite3_get_autocommit(handle) == 0 { return try body() }  // already inside one
        try run("BEGIN")
        defer { try? run("COMMIT") }
        return try body()
    }

    /// Runs one statement through the statement cache (transaction control is on hot paths).
    func run(_ sql: String) throws(StoreError) {
        try prepare(sql).run()
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    var changes: Int { Int(sqlite3_changes(handle)) }

    static func error(_ rc: Int32, _ message: String) -> StoreError {
        switch rc & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED: return .io("database is busy or locked: \(message)")
        case SQLITE_READONLY: return .readOnly
        case SQLITE_FULL: return .io("the disk is full: \(message); nothing from this operation was written")
        case SQLITE_CORRUPT, SQLITE_NOTADB: return .io("the store file is damaged or not a Warden store: \(message)")
        default: return .io(message)
        }
    }
}
