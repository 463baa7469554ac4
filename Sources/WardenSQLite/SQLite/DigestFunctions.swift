import WardenStore
import CSQLite
import WardenCore

/// SQL functions behind the state digest, registered on every connection Warden opens:
///
/// - `warden_row_hash(table, v1, v2, …)`: SHA-256 of a row's canonical encoding (each value
///   typed and length-prefixed, so no two different rows encode alike).
/// - `warden_digest_step(digest, minus, plus)`: `digest - minus + plus` mod 2^256 (NULLs skip).
/// - `warden_digest_sum(hash)`: the sum of hashes, an aggregate.
/// - `warden_digest_revise(layout, v1…vn, new1…newk)`: for set-based UPDATEs that run with
///   triggers off, in one call per row with each value passed once: hashes the row before (from
///   its content as stored, never its `digest` column, so a row edited behind Warden's back stays
///   detected) and after (the changed columns replaced by the trailing new values), returns the
///   new hash and adds `new - old` to this connection's pending change; `warden_digest_take()`
///   returns that change and clears it. `layout` is `table|col1,…,coln|i1,…,ik` (`RowLayout`):
///   the row's columns in hash order, then which of them the new values replace. Both have a
///   side effect, so they are direct-only (never callable from a trigger or a view).
///
/// Triggers on the governed tables call them, so the digest is kept by whoever writes through
/// Warden. A plain `sqlite3` shell has none of them: its writes to those tables fail ("no such
/// function") until the triggers are dropped, and then the digest no longer matches the tables.
final class DigestFunctions {
    private let hasher = SHA256Hasher()
    private var encoding = RowEncoding()
    /// What `warden_digest_revise` has changed since the last `warden_digest_take`.
    fileprivate var pending = StateDigest.zero

    deinit { encoding.free() }

    static func register(on db: OpaquePointer, owner: DigestFunctions) -> Bool {
        let flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS
        let app = Unmanaged.passUnretained(owner).toOpaque()
        return sqlite3_create_function_v2(db, "warden_row_hash", -1, flags, app, rowHash, nil, nil, nil) == SQLITE_OK
            && sqlite3_create_function_v2(db, "warden_digest_step", 3, flags, nil, digestStep, nil, nil, nil) == SQLITE_OK
            && sqlite3_create_function_v2(db, "warden_digest_sum", 1, flags, nil, nil, sumStep, sumFinal, nil) == SQLITE_OK
            && sqlite3_create_function_v2(db, "warden_digest_revise", -1, SQLITE_UTF8 | SQLITE_DIRECTONLY, app, digestRevise, nil, nil, nil) == SQLITE_OK
            && sqlite3_create_function_v2(db, "warden_digest_take", 0, SQLITE_UTF8 | SQLITE_DIRECTONLY, app, digestTake, nil, nil, nil) == SQLITE_OK
    }

    /// The canonical encoding of the values (`RowEncoding`), hashed.
    fileprivate func hashRow(_ argc: Int32, _ argv: UnsafeMutablePointer<OpaquePointer?>) -> UnsafeMutablePointer<UInt8> {
        var e = encoding
        e.reset()
        for i in 0..<Int(argc) { e.value(argv[i]) }
        encoding = e
        return hash(e)
    }

    /// A row's hash before and after an UPDATE changes some of its columns, from one call (see
    /// `warden_digest_revise`): the old from the row's content as stored, the new with the
    /// changed columns' new values. The pending change takes `new - old`; returns the new hash.
    fileprivate func revise(_ layout: RowLayout, _ argv: UnsafeMutablePointer<OpaquePointer?>) -> UnsafeMutablePointer<UInt8> {
        var e = encoding
        let n = layout.count, names = layout.names
        e.reset()
        for c in 0..<n {
            names.append(c, to: &e)
            e.value(argv[1 + c])
        }
        pending.subtract(StateDigest(raw: hash(e)))
        e.reset()
        for c in 0..<n {
            names.append(c, to: &e)
            let r = layout.replacedBy[c]
            e.value(argv[r < 0 ? 1 + c : 1 + n + r])
        }
        encoding = e
        let new = hash(e)
        pending.add(StateDigest(raw: new))
        return new
    }

    private func hash(_ e: RowEncoding) -> UnsafeMutablePointer<UInt8> {
        hasher.hash(bytes: UnsafeRawBufferPointer(start: e.base, count: e.count))
        return hasher.digest
    }

    /// A 32-byte blob argument as a digest; NULL (or anything else) as none.
    fileprivate static func digest(_ v: OpaquePointer?) -> StateDigest? {
        guard sqlite3_value_type(v) == SQLITE_BLOB, sqlite3_value_bytes(v) == 32, let p = sqlite3_value_blob(v) else { return nil }
        return StateDigest(raw: p)
    }

    fileprivate static func result(_ ctx: OpaquePointer?, _ d: StateDigest) {
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { buf in
            d.write(to: buf.baseAddress!)
            sqlite3_result_blob(ctx, buf.baseAddress, 32, warden_sqlite_transient())
        }
    }
}

private let rowHash: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { ctx, argc, argv in
    guard let argv, let app = sqlite3_user_data(ctx) else { sqlite3_result_error(ctx, "warden_row_hash: no arguments", -1); return }
    let owner = Unmanaged<DigestFunctions>.fromOpaque(app).takeUnretainedValue()
    let d = owner.hashRow(argc, argv)
    sqlite3_result_blob(ctx, d, 32, warden_sqlite_transient())
}

private let digestStep: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { ctx, _, argv in
    guard let argv else { return }
    var d = DigestFunctions.digest(argv[0]) ?? .zero
    if let minus = DigestFunctions.digest(argv[1]) { d.subtract(minus) }
    if let plus = DigestFunctions.digest(argv[2]) { d.add(plus) }
    DigestFunctions.result(ctx, d)
}

private let sumStep: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { ctx, _, argv in
    guard let argv, let raw = sqlite3_aggregate_context(ctx, 32) else { return }
    guard let h = DigestFunctions.digest(argv[0]) else { return }
    var d = StateDigest(raw: raw)
    d.add(h)
    d.write(to: raw)
}

private let sumFinal: @convention(c) (OpaquePointer?) -> Void = { ctx in
    // Zeroed by SQLite on first use; asked for 0 bytes it returns what the steps built, or NULL.
    if let raw = sqlite3_aggregate_context(ctx, 0) {
        sqlite3_result_blob(ctx, raw, 32, warden_sqlite_transient())
    } else {
        DigestFunctions.result(ctx, .zero)
    }
}

private let digestTake: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { ctx, _, _ in
    guard let app = sqlite3_user_data(ctx) else { return }
    let owner = Unmanaged<DigestFunctions>.fromOpaque(app).takeUnretainedValue()
    DigestFunctions.result(ctx, owner.pending)
    owner.pending = .zero
}

private let digestRevise: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { ctx, argc, argv in
    guard let argv, let app = sqlite3_user_data(ctx), argc >= 1 else { sqlite3_result_error(ctx, "warden_digest_revise: no layout", -1); return }
    let owner = Unmanaged<DigestFunctions>.fromOpaque(app).takeUnretainedValue()
    // The layout is a constant of the statement: parsed once, kept by SQLite beside it.
    let layout: RowLayout
    if let kept = sqlite3_get_auxdata(ctx, 0) {
        layout = Unmanaged<RowLayout>.fromOpaque(kept).takeUnretainedValue()
    } else {
        guard let text = sqlite3_value_text(argv[0]), let parsed = RowLayout(String(cString: text)) else {
            sqlite3_result_error(ctx, "warden_digest_revise: a malformed layout", -1); return
        }
        layout = parsed
        sqlite3_set_auxdata(ctx, 0, Unmanaged.passRetained(parsed).toOpaque()) { Unmanaged<RowLayout>.fromOpaque($0!).release() }
    }
    guard Int(argc) == 1 + layout.count + layout.replaced else {
        sqlite3_result_error(ctx, "warden_digest_revise: \(argc - 1) values for a layout of \(layout.count) + \(layout.replaced)", -1); return
    }
    sqlite3_result_blob(ctx, owner.revise(layout, argv), 32, warden_sqlite_transient())
}

/// `warden_digest_revise`'s first argument, parsed: the table and column names encoded as
/// `warden_row_hash` encodes the texts it is given, and, per column, which new value replaces it.
final class RowLayout {
    /// How many columns the row has.
    let count: Int
    let names: EncodedNames
    /// Per column: the index of the new value that replaces it, or -1.
    let replacedBy: UnsafeMutablePointer<Int>
    let replaced: Int

    init?(_ text: String) {
        let parts = text.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        let columns = parts[1].split(separator: ",").map(String.init)
        let changed = parts[2].isEmpty ? [] : parts[2].split(separator: ",").map { Int($0) }
        var by = [Int](repeating: -1, count: columns.count)
        for (k, c) in changed.enumerated() {
            guard let c, c >= 0, c < columns.count, by[c] < 0 else { return nil }
            by[c] = k
        }
        count = columns.count
        names = EncodedNames(table: String(parts[0]), columns: columns)
        replacedBy = .allocate(capacity: by.count)
        replacedBy.initialize(from: by, count: by.count)
        replaced = changed.count
    }

    deinit {
        replacedBy.deallocate()
        names.free()
    }
}

/// The encoded table name followed by each encoded column name, in one buffer: what goes before
/// column `c`'s value is the table's name (for the first column only) and that column's name.
struct EncodedNames {
    private let bytes: RowEncoding
    /// Where what precedes each column's value starts; one more entry for the end.
    private let starts: UnsafeMutablePointer<Int>

    init(table: String, columns: [String]) {
        var e = RowEncoding(capacity: 256)
        let s = UnsafeMutablePointer<Int>.allocate(capacity: columns.count + 1)
        e.text(table)
        s[0] = 0
        for (i, c) in columns.enumerated() {
            if i > 0 { s[i] = e.count }
            e.text(c)
        }
        s[columns.count] = e.count
        bytes = e
        starts = s
    }

    func free() {
        bytes.free()
        starts.deallocate()
    }

    func append(_ c: Int, to e: inout RowEncoding) {
        e.append(bytes.base + starts[c], starts[c + 1] - starts[c])
    }
}
