import WardenStore
import CSQLite
import Glibc
import WardenCore

/// The embedded store: one SQLite file in WAL mode. One instance is one connection; use one
/// per thread (the dashboard, each proxy and each ingester open their own).
public final class SQLiteStore: FleetStore {
    let db: Database
    public let location: String
    public let isReadOnly: Bool
    private var cachedTrustDomain: String?
    /// Parsed scope lists by their stored text: authorization parses nothing on the hot path.
    var scopeCache: [String: ScopeSet] = [:]
    /// The same, found by the stored bytes (no String is built on a hit): keyed by a hash of the
    /// text, the text kept to confirm it. Parsed scope text never changes meaning, so this is
    /// never stale.
    var scopeBytesCache: [Int: (text: [UInt8], set: ScopeSet)] = [:]
    /// Texts that repeat across many rows (an agent's principal), by a hash of their bytes:
    /// one shared string each instead of one per row.
    var sharedTexts: [Int: String] = [:]
    /// The authorization path's scratch: the hasher, two key buffers and the chain's links.
    let authHasher = SHA256Hasher()
    let authKeys = (ByteBuffer(), ByteBuffer(), ByteBuffer())
    var authLinks: [Authorization.Link] = []
    /// Bulk writing (`beginBulkWrites`): how deep, and the thread checkpointing meanwhile.
    var bulkWrites = 0
    var checkpointer: BackgroundCheckpointer?
    /// Whether the checkpointer stays past bulk writing (`handOffCheckpoints`).
    var checkpointsHandedOff = false
    /// Commits made through this connection (data_version counts only other connections').
    var localCommits: Int64 = 0
    /// Set once the file is known to have the state digest's tables (schema 3 and later).
    var stateDigestSchema = false
    /// Unchanged tool lists this connection reported, by the state they were read under.
    package let toolListMemo = ToolListMemo()
    /// Statements of the authorization path, held directly: no SQL text is hashed per lookup.
    private var hotStatements: [Statement?] = Array(repeating: nil, count: Hot.allCases.count)

    enum Hot: Int, CaseIterable {
        case credentialByHash, agentByID, principalByID
        case authCredential, authLink, authPrincipal, authPin, governanceVersion

        var sql: String {
            switch self {
            case .credentialByHash: return "SELECT \(SQLiteStore.credentialColumns) FROM credentials WHERE secret_hash = ?"
            case .agentByID: return "SELECT \(SQLiteStore.agentSelectColumns) FROM agents WHERE id = ?"
            case .principalByID: return "SELECT \(SQLiteStore.principalColumns) FROM principals WHERE id = ?"
            // Only what a decision needs (and the outcome names).
            case .authCredential: return "SELECT id, agent_id, instance_id, scopes, expires_at, revoked_at, revoked_by FROM credentials WHERE secret_hash = ?"
            case .authLink: return "SELECT parent_id, principal_id, scopes, expires_at, revoked_at, revoked_by FROM agents WHERE id = ?"
            case .authPrincipal: return "SELECT status, disabled_at, scopes FROM principals WHERE id = ?"
            // Pinning's facts (`ToolPinFacts`): a lookup by key, never a hash computation.
            case .authPin: return """
                SELECT (SELECT first_seen_at IS NOT NULL FROM tool_servers WHERE id = ?1),
                       (SELECT p.gone_at IS NULL AND EXISTS (SELECT 1 FROM tool_decisions d
                            WHERE d.id = p.id || '#' || p.hash AND d.verdict = 'approved') FROM tool_pins p WHERE p.id = ?2),
                       (SELECT value FROM tool_settings WHERE id = 'unknown_servers')
                """
            // The governance version: the state digest, which every governed write changes
            // (triggers, or the cascade's own sums) and nothing else does.
            case .governanceVersion: return "SELECT digest FROM governed_state WHERE id = 1"
            }
        }
    }

    /// A hot statement, reset and ready to bind.
    func hot(_ h: Hot) throws(StoreError) -> Statement {
        if let s = hotStatements[h.rawValue] {
            s.reset()
            return s
        }
        let s = try db.prepare(h.sql)
        hotStatements[h.rawValue] = s
        return s
    }

    deinit { checkpointer?.stop(for: db) }

    private init(db: Database, readOnly: Bool) {
        self.db = db
        self.location = db.path
        self.isReadOnly = readOnly
    }

    /// Creates a new store at `path` (folder 0700, file 0600). Fails if one exists there.
    public static func create(path: String, trustDomain: String) throws(StoreError) -> SQLiteStore {
        do { try Identity.validateTrustDomain(trustDomain) } catch { throw .invalid(error.description) }
        if access(path, F_OK) == 0 { throw .refused("a store already exists at \(path); refusing to overwrite it") }
        try makeFolder(for: path)
        let unsafe = StorePermissions.check(storePath: path)
        if !unsafe.isEmpty { throw StorePermissions.error(unsafe) }
        let fd = Glibc.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io("cannot create \(path): \(String(cString: strerror(errno)))") }
        fchmod(fd, 0o600)  // in case the umask was stricter or looser
        close(fd)
        do {
            let store = try SQLiteStore(db: Database(path: path, readOnly: false), readOnly: false)
            try store.configure()
            try store.migrate()
            store.db.tracksStateDigest = true
            try store.stampApplicationID()
            try store.db.write { () throws(StoreError) in
                try store.db.prepare("INSERT INTO meta(key, value) VALUES ('trust_domain', ?)").bind(trustDomain).run()
            }
            return store
        } catch {
            unlink(path)
            unlink(path + "-wal")
            unlink(path + "-shm")
            throw error
        }
    }

    /// Opens an existing store, migrating it forward if it is older than this build. Refuses a
    /// store file or folder another user owns or can write (see `StorePermissions`).
    /// `mapped` reads through a memory map: for the authorization path (the proxy), whose random
    /// lookups it spares a system call per page. Not for the dashboard, whose whole-table reads
    /// would count the mapped file in its resident memory, nor for one-shot commands.
    public static func open(path: String, readOnly: Bool = false, mapped: Bool = false) throws(StoreError) -> SQLiteStore {
        guard access(path, F_OK) == 0 else { throw .missing(path: path) }
        try StoreIdentity.requireRegularFile(path)
        let unsafe = StorePermissions.check(storePath: path)
        if !unsafe.isEmpty { throw StorePermissions.error(unsafe) }
        if !readOnly, access(path, W_OK) != 0 {
            if errno == EROFS {
                throw .io("\(path) is on a read-only file system: nothing can be written there; remount it read-write, or look with --read-only")
            }
            throw .io("cannot write \(path): \(String(cString: strerror(errno))); look with --read-only")
        }
        let store = try openChecked(path: path, readOnly: readOnly, mapped: mapped)
        // A store an older Warden wrote is migrated by whoever opens it first, a read-only
        // command included when the file may be written: its reads need the current schema.
        if readOnly, try store.userVersion() < Migrations.latest, access(path, W_OK) == 0 {
            _ = try openChecked(path: path, readOnly: false, mapped: false)
        }
        return store
    }

    /// Opens a store read-only whatever its permissions, to diagnose it (`warden doctor`):
    /// nothing is written, so nothing another user planted can be made worse.
    public static func openForInspection(path: String) throws(StoreError) -> SQLiteStore {
        guard access(path, F_OK) == 0 else { throw .missing(path: path) }
        try StoreIdentity.requireRegularFile(path)
        return try openChecked(path: path, readOnly: true, mapped: false)
    }

    private static func openChecked(path: String, readOnly: Bool, mapped: Bool) throws(StoreError) -> SQLiteStore {
        let store = try SQLiteStore(db: Database(path: path, readOnly: readOnly), readOnly: readOnly)
        // Before anything is written (the WAL switch, the schema): another application's file
        // is refused untouched.
        let kind = try StoreIdentity.classify(store.db)
        try store.configure(mapped: mapped)
        if !readOnly {
            try store.migrate()
            if kind == .unstamped { try store.stampApplicationID() }
        }
        let version = try store.userVersion()
        if version > Migrations.latest {
            throw .io("\(path) was written by a newer Warden (schema \(version), this build knows \(Migrations.latest)); upgrade warden")
        }
        if version == 0 { throw .io("\(path) is not a Warden store") }
        store.db.tracksStateDigest = try store.hasStateDigest()
        return store
    }

    /// Reads of the file through a memory map (`mapped`), up to this many bytes.
    static let mmapBytes = 1 << 30

    private func configure(mapped: Bool = false) throws(StoreError) {
        if !isReadOnly {
            try db.exec("PRAGMA journal_mode = WAL")
            // NORMAL is durable across process crashes in WAL mode; a power cut may lose only the last commits.
            try db.exec("PRAGMA synchronous = NORMAL")
        }
        try db.exec("PRAGMA foreign_keys = ON")
        try db.exec("PRAGMA temp_store = MEMORY")
        if mapped {
            // Pages are read straight from the OS page cache, shared by every process, instead of
            // a pread into this connection's own cache (2 MB, and emptied whenever another
            // connection commits): random lookups over a large fleet (authorize) stop paying a
            // system call per page. Writes still go through write(); pages in the WAL are still
            // read from it. A diagnosis (`openForInspection`) reads without the map.
            try db.exec("PRAGMA mmap_size = \(Self.mmapBytes)")
        }
    }

    /// The schema version of the file, and the one this build writes.
    public func schemaVersion() throws(StoreError) -> (file: Int, latest: Int) {
        (try userVersion(), Migrations.latest)
    }

    /// SQLite's `PRAGMA integrity_check`: no problems means the file is sound.
    public func integrityProblems() throws(StoreError) -> [String] {
        let rows = try db.prepare("PRAGMA integrity_check").all { $0.string(0) }
        return rows == ["ok"] ? [] : rows
    }

    /// Caps the file at `pages` pages on this connection (tests simulate a full disk with it).
    func setMaxPageCount(_ pages: Int) throws(StoreError) {
        try db.exec("PRAGMA max_page_count = \(pages)")
    }

    /// Pages the file has now.
    func pageCount() throws(StoreError) -> Int {
        Int(try db.prepare("PRAGMA page_count").first { $0.int(0) } ?? 0)
    }

    /// Marks the file as a Warden store (`StoreIdentity.applicationID`), so a later open can
    /// tell it from another application's SQLite file before writing anything.
    private func stampApplicationID() throws(StoreError) {
        try db.write { () throws(StoreError) in
            try db.exec("PRAGMA application_id = \(StoreIdentity.applicationID)")
        }
    }

    func userVersion() throws(StoreError) -> Int {
        Int(try db.prepare("PRAGMA user_version").first { $0.int(0) } ?? 0)
    }

    private func auditHasClaims() throws(StoreError) -> Bool {
        try db.prepare("SELECT count(*) FROM pragma_table_info('audit') WHERE name = 'claimed_by'").first { $0.int(0) } == 1
    }

    private func migrate() throws(StoreError) {
        let current = try userVersion()
        guard current < Migrations.latest else {
            if current == Migrations.latest { try ensureDigestTriggers() }
            try vacuumIfPending()
            return
        }
        try db.write { () throws(StoreError) in
            // Re-read inside the lock: another process may have migrated meanwhile.
            let now = try userVersion()
            var redact = false
            for (i, sql) in Migrations.all.enumerated() where i >= now {
                // Adding a column SQLite cannot make conditional, or a table a backfill would
                // count twice: skipped when it is there already (a store whose version was set
                // back by hand).
                let present = sql == Migrations.claimedBy ? try auditHasClaims()
                    : sql == Migrations.callOrigin ? try callsHaveOrigin()
                    : sql == Migrations.toolMinutes ? try hasToolMinutes() : false
                if present {
                    try db.exec("PRAGMA user_version = \(i + 1)")
                    continue
                }
                try db.exec(sql)
                if sql == Migrations.redactArguments { redact = true }
                try db.exec("PRAGMA user_version = \(i + 1)")
            }
            // In the same transaction: the digest follows the schema just written.
            try ensureStateDigest()
            // After every schema step, so its journal record describes the store as migrated.
            if redact { try redactStoredArguments() }
            if now < Migrations.all.firstIndex(of: Migrations.toolPins)! + 1 {
                try ToolRules.approveUsedTools(SQLiteRuleTransaction(store: self),
                                               Mutation(operatorName: ToolRules.policyOperator, now: Self.wallClock()))
            }
        }
        // VACUUM cannot run inside a transaction: after the commit.
        try vacuumIfPending()
    }

    /// Whether `callOrigin`'s columns are there already (a store whose version was set back).
    private func callsHaveOrigin() throws(StoreError) -> Bool {
        try db.prepare("SELECT count(*) FROM pragma_table_info('tool_calls') WHERE name = 'via'").first { $0.int(0) } == 1
    }

    /// Whether `toolMinutes`' table is there already (a store whose version was set back).
    private func hasToolMinutes() throws(StoreError) -> Bool {
        try db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'tool_minutes'").first { $0.int(0) } == 1
    }

    private static func makeFolder(for path: String) throws(StoreError) {
        guard let slash = path.lastIndex(of: "/") else { return }
        let folder = String(path[..<slash])
        if folder.isEmpty || access(folder, F_OK) == 0 { return }
        // Create missing parents; the store's own folder is private to its owner.
        var built = folder.hasPrefix("/") ? "" : "."
        for part in folder.split(separator: "/") {
            built += "/" + part
            if access(built, F_OK) != 0, mkdir(built, 0o700) != 0, errno != EEXIST {
                throw .io("cannot create folder \(built): \(String(cString: strerror(errno)))")
            }
        }
        chmod(folder, 0o700)
    }

    public func trustDomain() throws(StoreError) -> String {
        if let t = cachedTrustDomain { return t }
        let t = try db.prepare("SELECT value FROM meta WHERE key = 'trust_domain'").first { $0.string(0) } ?? "warden.local"
        cachedTrustDomain = t
        return t
    }

    /// SQLite's `PRAGMA data_version` counts other connections' commits; this connection's own
    /// are added.
    public func changeSignal() throws(StoreError) -> Int64 {
        (try db.prepare("PRAGMA data_version").first { $0.int(0) } ?? 0) + localCommits
    }

    /// SQLite announces no commits: readers poll `changeSignal` (`PRAGMA data_version`).
    public var notifiesChanges: Bool { false }

    public func waitForChange(timeoutMs: Int) throws(StoreError) -> Bool { false }

    /// A write transaction that also counts toward `changeSignal`.
    func write<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        if isReadOnly { throw .readOnly }
        let r: T
        do { r = try db.write(body) } catch .readOnly {
            // Opened for writing, yet SQLite cannot write: the file system went read-only under us.
            throw .io("cannot write \(location): the file or its file system has become read-only; nothing from this operation was written")
        }
        localCommits += 1
        return r
    }

    /// `scopes(_:)` for text still in SQLite's hands: on a hit nothing is allocated.
    func scopes(bytes: UnsafeBufferPointer<UInt8>) -> ScopeSet {
        var h = Hasher()
        h.combine(bytes: UnsafeRawBufferPointer(bytes))
        let key = h.finalize()
        if let hit = scopeBytesCache[key], hit.text.count == bytes.count,
           hit.text.withUnsafeBufferPointer({ bytes.count == 0 || memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) {
            return hit.set
        }
        let set = scopes(String(decoding: bytes, as: UTF8.self))
        if scopeBytesCache.count > 50_000 { scopeBytesCache.removeAll(keepingCapacity: true) }
        scopeBytesCache[key] = (Array(bytes), set)  // a colliding text simply takes the slot
        return set
    }

    /// A text column read as `Statement.string`, the string shared with earlier rows of the
    /// same text (see `sharedTexts`): no allocation on a hit.
    func sharedText(_ s: Statement, _ i: Int32) -> String {
        guard let bytes = s.bytes(i) else { return "" }
        var h = Hasher()
        h.combine(bytes: UnsafeRawBufferPointer(bytes))
        let key = h.finalize()
        if let hit = sharedTexts[key], hit.utf8.count == bytes.count, hit.utf8.withContiguousStorageIfAvailable({
            bytes.count == 0 || memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0
        }) == true { return hit }
        let text = String(decoding: bytes, as: UTF8.self)
        if sharedTexts.count > 50_000 { sharedTexts.removeAll(keepingCapacity: true) }
        sharedTexts[key] = text  // a colliding text simply takes the slot
        return text
    }

    func scopes(_ text: String) -> ScopeSet {
        if let s = scopeCache[text] { return s }
        // Stored lists were validated on the way in; an unparsable one grants nothing.
        let parsed = (try? ScopeSet(parsing: text)) ?? .none
        if scopeCache.count > 50_000 { scopeCache.removeAll(keepingCapacity: true) }
        scopeCache[text] = parsed
        return parsed
    }
}
