import WardenStore
import CSQLite
import WardenCore

/// SQL functions behind the state digest, registered on every connection Warden opens:
///
/// - `warden_row_hash(table, v1, v2, …)`: SHA-256 of a row's canonical encoding (each value
///   typed and length-prefixed, so no two different rows encode alike).
/// - `warden_digest_step(digest, minus, plus)`: `digest - minus + plus` mod 2^256 (NULLs skip).
/// - `warden_digest_sum(hash)`: the sum of hashes, an aggregate.
/// - `warden_digest_swap(old, new)`: returns `new`, and adds `new - old` to this connection's
///   pending change; `warden_digest_take()` returns that change and clears it. For set-based
///   UPDATEs that run with triggers off: one pass hashes each row before and after. Both have a
///   side effect, so they are direct-only (never callable from a trigger or a view).
///
/// Triggers on the governed tables call them, so the digest is kept by whoever writes through
/// Warden. A plain `sqlite3` shell has none of them: its writes to those tables fail ("no such
/// function") until the triggers are dropped, and then the digest no longer matches the tables.
final class DigestFunctions {
    private let hasher = SHA256Hasher()
    private var scratch: [UInt8] = []
    /// What `warden_digest_swap` has changed since the last `warden_digest_take`.
    fileprivate var pending = StateDigest.zero

    static func register(on db: OpaquePointer, owner: DigestFunctions) -> Bool {
        let flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS
        let app = Unmanaged.passUnretained(owner).toOpaque()
        return sqlite3_create_function_v2(db, "warden_row_hash", -1, flags, app, rowHash, nil, nil, nil) == SQLITE_OK
            && sqlite3_create_function_v2(db, "warden_digest_step", 3, flags, nil, digestStep, nil, nil, nil) == SQLITE_OK
            && sqlite3_create_function_v2(db, "warden_digest_sum", 1, flags, nil, nil, sumStep, sumFinal, nil) == SQLITE_OK
            && sqlite3_create_function_v2(db, "warden_digest_swap", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, app, digestSwap, nil, nil, nil) == SQLITE_OK
            && sqlite3_create_function_v2(db, "warden_digest_take", 0, SQLITE_UTF8 | SQLITE_DIRECTONLY, app, digestTake, nil, nil, nil) == SQLITE_OK
    }

    /// The canonical encoding of the values, hashed.
    fileprivate func hashRow(_ argc: Int32, _ argv: UnsafeMutablePointer<OpaquePointer?>) -> UnsafeMutablePointer<UInt8> {
        scratch.removeAll(keepingCapacity: true)
        for i in 0..<Int(argc) {
            let v = argv[i]
            switch sqlite3_value_type(v) {
            case SQLITE_INTEGER:
                scratch.append(UInt8(ascii: "i"))
                let n = UInt64(bitPattern: sqlite3_value_int64(v))
                for shift in stride(from: 56, through: 0, by: -8) { scratch.append(UInt8(truncatingIfNeeded: n >> UInt64(shift))) }
            case SQLITE_FLOAT:
                scratch.append(UInt8(ascii: "f"))
                let n = sqlite3_value_double(v).bitPattern
                for shift in stride(from: 56, through: 0, by: -8) { scratch.append(UInt8(truncatingIfNeeded: n >> UInt64(shift))) }
            case SQLITE_TEXT, SQLITE_BLOB:
                let isText = sqlite3_value_type(v) == SQLITE_TEXT
                let p: UnsafeRawPointer? = isText ? sqlite3_value_text(v).map { UnsafeRawPointer($0) } : sqlite3_value_blob(v)
                let n = Int(sqlite3_value_bytes(v))
                scratch.append(UInt8(ascii: isText ? "t" : "b"))
                let len = UInt32(n)
                for shift in stride(from: 24, through: 0, by: -8) { scratch.append(UInt8(truncatingIfNeeded: len >> UInt32(shift))) }
                if let p, n > 0 { scratch.append(contentsOf: UnsafeRawBufferPointer(start: p, count: n)) }
            default:
                scratch.append(UInt8(ascii: "n"))
            }
        }
        scratch.withUnsafeBytes { hasher.hash(bytes: $0) }
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

private let digestSwap: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { ctx, _, argv in
    guard let argv, let app = sqlite3_user_data(ctx) else { return }
    let owner = Unmanaged<DigestFunctions>.fromOpaque(app).takeUnretainedValue()
    let old = DigestFunctions.digest(argv[0]), new = DigestFunctions.digest(argv[1])
    if let old { owner.pending.subtract(old) }
    if let new { owner.pending.add(new) }
    sqlite3_result_value(ctx, argv[1])
}

private let digestTake: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { ctx, _, _ in
    guard let app = sqlite3_user_data(ctx) else { return }
    let owner = Unmanaged<DigestFunctions>.fromOpaque(app).takeUnretainedValue()
    DigestFunctions.result(ctx, owner.pending)
    owner.pending = .zero
}
