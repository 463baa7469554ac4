import CSQLite

/// The canonical encoding of a row's values, the bytes `warden_row_hash` hashes: each value
/// typed and length-prefixed ("i" + 8 bytes, "f" + 8 bytes, "t"/"b" + 4-byte length + bytes,
/// "n"). A plain buffer behind a pointer: the SQL functions run once per row of a cascade, and
/// appending to an array held by a class costs an exclusivity check and a bounds check per byte.
struct RowEncoding {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    /// Frees the buffer; the owner calls it once, when it goes.
    func free() { base.deallocate() }

    mutating func reset() { count = 0 }

    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private mutating func grow(_ needed: Int) {
        var grown = capacity * 2
        while grown < needed { grown *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = grown
    }

    mutating func append(_ p: UnsafeRawPointer, _ n: Int) {
        guard n > 0 else { return }
        reserve(n)
        (base + count).update(from: p.assumingMemoryBound(to: UInt8.self), count: n)
        count += n
    }

    private mutating func tagged(_ tag: UInt8, _ n: UInt64) {
        reserve(9)
        base[count] = tag
        UnsafeMutableRawPointer(base + count + 1).storeBytes(of: n.bigEndian, as: UInt64.self)
        count += 9
    }

    /// Appends the encoding of a text (used for the table and column names hashed beside values).
    mutating func text(_ s: String) {
        var s = s
        s.withUTF8 { b in
            reserve(5)
            base[count] = UInt8(ascii: "t")
            UnsafeMutableRawPointer(base + count + 1).storeBytes(of: UInt32(b.count).bigEndian, as: UInt32.self)
            count += 5
            if let p = b.baseAddress { append(p, b.count) }
        }
    }

    /// Appends the encoding of one SQL value.
    mutating func value(_ v: OpaquePointer?) {
        switch sqlite3_value_type(v) {
        case SQLITE_INTEGER:
            tagged(UInt8(ascii: "i"), UInt64(bitPattern: sqlite3_value_int64(v)))
        case SQLITE_FLOAT:
            tagged(UInt8(ascii: "f"), sqlite3_value_double(v).bitPattern)
        case SQLITE_TEXT, SQLITE_BLOB:
            let isText = sqlite3_value_type(v) == SQLITE_TEXT
            let p: UnsafeRawPointer? = isText ? sqlite3_value_text(v).map { UnsafeRawPointer($0) } : sqlite3_value_blob(v)
            let n = Int(sqlite3_value_bytes(v))
            reserve(5)
            base[count] = UInt8(ascii: isText ? "t" : "b")
            UnsafeMutableRawPointer(base + count + 1).storeBytes(of: UInt32(truncatingIfNeeded: n).bigEndian, as: UInt32.self)
            count += 5
            if let p { append(p, n) }
        default:
            reserve(1)
            base[count] = UInt8(ascii: "n")
            count += 1
        }
    }
}
