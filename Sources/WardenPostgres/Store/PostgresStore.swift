import WardenCore
import WardenStore

/// A store on a PostgreSQL server, shared by every host of a fleet. One instance is one
/// connection; use one per thread (the dashboard, each proxy and each ingester open their own).
public final class PostgresStore {
    let connection: PGConnection
    /// The connection string with its password redacted: what messages and views show.
    public let location: String
    public let isReadOnly: Bool
    /// The schema version found on open (this build's, or the next: migrations are additive).
    let schemaVersionFound: Int
    private var cachedTrustDomain: String?
    /// `session_user`, read once: what the journal names as the operator.
    private var cachedLogin: String?
    /// Parsed scope lists by their stored text: stored lists were validated on the way in.
    private var scopeCache: [String: ScopeSet] = [:]
    /// The governed state's digest when the current rule write transaction began, or at its
    /// last journal record (`RuleTransaction.stateDigestAtStart`).
    var digestAtStart: StateDigest?
    /// Call writers of the current rule write transaction, whose buffered calls are inserted
    /// before it commits.
    var pendingCalls: [PostgresCallWriter] = []
    /// Unchanged tool lists this connection reported, by the state they were read under.
    package let toolListMemo = ToolListMemo()

    /// Rule write transactions take this transaction-scoped advisory lock first: they run one at
    /// a time across every host, each seeing the others' commits, as the rules require.
    static let rulesLockKey: Int64 = 0x7761_7264_0001
    /// Journal appends take this one before reading the head: the hash chain never forks.
    static let journalLockKey: Int64 = 0x7761_7264_0002

    private init(connection: PGConnection, readOnly: Bool, schemaVersion: Int) {
        self.connection = connection
        self.location = connection.connectionString.redacted
        self.isReadOnly = readOnly
        self.schemaVersionFound = schemaVersion
    }

    /// Creates the schema in the empty database `uri` names, with this trust domain.
    public static func create(uri: String, trustDomain: String) throws(StoreError) -> PostgresStore {
        let c = try session(uri)
        try PostgresSchema.create(on: c, trustDomain: trustDomain)
        return PostgresStore(connection: c, readOnly: false, schemaVersion: PostgresMigrations.latest)
    }

    /// Creates the schema in the empty database `uri` names and lets `fill` write into it, all in
    /// one transaction: when anything fails the database is left as empty as it was found.
    static func createCopy<T>(uri: String, trustDomain: String, _ fill: (PostgresStore) throws(StoreError) -> T) throws(StoreError) -> T {
        let c = try PGConnection(ConnectionString(uri))
        return try c.withTransaction { () throws(StoreError) -> T in
            try PostgresSchema.create(on: c, trustDomain: trustDomain)
            return try fill(PostgresStore(connection: c, readOnly: false, schemaVersion: PostgresMigrations.latest))
        }
    }

    /// Opens the store `uri` names. Never migrates (see `migrate(uri:)`); refuses a schema it
    /// cannot use. `readOnly` makes every transaction of the session read-only on the server too.
    public static func open(uri: String, readOnly: Bool = false, lockTimeoutMs: Int? = nil) throws(StoreError) -> PostgresStore {
        let c = try session(uri)
        // Before the schema check, which reads a table a migration may hold.
        if let lockTimeoutMs { try c.setForSession("SET lock_timeout = \(lockTimeoutMs)") }
        let version = try PostgresSchema.check(on: c)
        if readOnly { try c.setForSession("SET default_transaction_read_only = on") }
        return PostgresStore(connection: c, readOnly: readOnly, schemaVersion: version)
    }

    /// Opens the store read-only to diagnose it (`warden doctor`): any schema version is let
    /// through, so the diagnosis can say what it found; nothing is written.
    public static func openForInspection(uri: String) throws(StoreError) -> PostgresStore {
        let c = try session(uri)
        guard let version = try PostgresSchema.version(on: c) else { throw .missing(path: c.connectionString.redacted) }
        try c.setForSession("SET default_transaction_read_only = on")
        return PostgresStore(connection: c, readOnly: true, schemaVersion: version)
    }

    /// A store's session. Without JIT compilation: its statements are short, and one the
    /// planner overestimates (a recursive walk) spent 46 ms compiling to run in 1 ms.
    private static func session(_ uri: String) throws(StoreError) -> PGConnection {
        let c = try PGConnection(ConnectionString(uri))
        try c.setForSession("SET jit = off")
        return c
    }

    /// Runs the pending migrations once, under the schema lock (`warden store migrate`).
    @discardableResult
    public static func migrate(uri: String) throws(StoreError) -> (from: Int, to: Int) {
        try PostgresSchema.migrate(on: PGConnection(ConnectionString(uri)))
    }

    /// Inside the migration's transaction, once schema 3 was added: the rules' upgrade action
    /// (the tools in use approved by name, journaled once), under the rules' lock like any write.
    static func approveUsedToolsInMigration(on c: PGConnection, wallClock: Timestamp) throws(StoreError) {
        let store = PostgresStore(connection: c, readOnly: false, schemaVersion: PostgresMigrations.latest)
        try c.execute("SELECT pg_advisory_xact_lock($1)", [rulesLockKey])
        store.digestAtStart = try store.keptDigest()
        defer { store.digestAtStart = nil }
        try ToolRules.approveUsedTools(PostgresRuleTransaction(store: store, writing: true),
                                       Mutation(operatorName: ToolRules.policyOperator, now: wallClock))
    }

    public func trustDomain() throws(StoreError) -> String {
        if let t = cachedTrustDomain { return t }
        let t = try connection.query("SELECT value FROM meta WHERE key = 'trust_domain'").first { $0.string(0) } ?? "warden.local"
        cachedTrustDomain = t
        return t
    }

    /// The role this connection logged in as (`session_user`).
    func login() throws(StoreError) -> String {
        if let l = cachedLogin { return l }
        let l = try connection.query("SELECT session_user::text").first { $0.string(0) } ?? ""
        cachedLogin = l
        return l
    }

    func scopes(_ text: String) -> ScopeSet {
        if let s = scopeCache[text] { return s }
        // An unparsable stored list grants nothing.
        let parsed = (try? ScopeSet(parsing: text)) ?? .none
        if scopeCache.count > 50_000 { scopeCache.removeAll(keepingCapacity: true) }
        scopeCache[text] = parsed
        return parsed
    }

    /// One rule write transaction: serialized with every other (`rulesLockKey`), starting from
    /// the governed state's digest as committed.
    func write<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        if isReadOnly { throw .readOnly }
        return try connection.withTransaction { () throws(StoreError) -> T in
            try connection.execute("SELECT pg_advisory_xact_lock($1)", [Self.rulesLockKey])
            digestAtStart = try keptDigest()
            defer {
                digestAtStart = nil
                pendingCalls = []
            }
            let result = try body()
            for writer in pendingCalls { try writer.flush() }
            try announceChange()
            return result
        }
    }

    /// One consistent read of several statements.
    func read<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try connection.withReadTransaction(body)
    }

    /// The digest the triggers keep now (in this transaction).
    func keptDigest() throws(StoreError) -> StateDigest? {
        try connection.query("SELECT warden_digest_bytes(digest) FROM governed_state WHERE id = 1")
            .first { StateDigest(bytes: $0.bytes(0)) } ?? nil
    }

    /// A new value of the commit-ordered row-version cursor, for writers stamping a whole
    /// set-based change with one version (the triggers then leave those rows alone).
    func nextRowVersion() throws(StoreError) -> Int64 {
        try takeCursor("row_version", 1)
    }
}
