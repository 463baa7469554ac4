import WardenStore
import CSQLite

/// A prepared statement: bind by position (1-based), step, read columns (0-based).
final class Statement {
    let stmt: OpaquePointer
    unowned let db: Database

    init(_ stmt: OpaquePointer, db: Database) {
        self.stmt = stmt
        self.db = db
    }

    deinit { sqlite3_finalize(stmt) }

    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    @discardableResult
    func bind(_ values: Bindable?...) -> Statement {
        for (i, v) in values.enumerated() { bindOne(Int32(i + 1), v) }
        return self
    }

    func bindOne(_ i: Int32, _ v: Bindable?) {
        switch v {
        case nil: sqlite3_bind_null(stmt, i)
        case let s as String: sqlite3_bind_text(stmt, i, s, -1, warden_sqlite_transient())
        case let n as Int64: sqlite3_bind_int64(stmt, i, n)
        case let n as Int: sqlite3_bind_int64(stmt, i, Int64(n))
        case let b as Bool: sqlite3_bind_int64(stmt, i, b ? 1 : 0)
        case let bytes as [UInt8]:
            bytes.withUnsafeBytes { raw in
                _ = sqlite3_bind_blob(stmt, i, raw.baseAddress, Int32(raw.count), warden_sqlite_transient())
            }
        default: sqlite3_bind_null(stmt, i)
        }
    }

    /// Steps once; true while a row is available.
    func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let msg = db.errorMessage
        sqlite3_reset(stmt)
        throw Database.error(rc, msg)
    }

    /// Runs to completion (for writes).
    func run() throws(StoreError) {
        while try step() {}
        sqlite3_reset(stmt)
    }

    /// Collects every row through `row`.
    /// `reserving`: how many rows are expected (a hint: more or fewer still come).
    func all<T>(reserving: Int = 0, _ row: (Statement) throws(StoreError) -> T) throws(StoreError) -> [T] {
        var out: [T] = []
        out.reserveCapacity(reserving)
        while try step() { out.append(try row(self)) }
        sqlite3_reset(stmt)
        return out
    }

    func first<T>(_ row: (Statement) throws(StoreError) -> T) throws(StoreError) -> T? {
        defer { sqlite3_reset(stmt) }
        return try step() ? try row(self) : nil
    }

    func string(_ i: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, i) else { return "" }
        // By length, not up to the first NUL: text after a NUL is shown (as ␀…), never hidden.
        let n = Int(sqlite3_column_bytes(stmt, i))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// A text column's bytes, without copying them (nil for NULL). Valid until the statement
    /// is stepped, reset or finalized.
    func bytes(_ i: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard let p = sqlite3_column_text(stmt, i) else { return nil }
        return UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, i)))
    }

    func optString(_ i: Int32) -> String? {
        sqlite3_column_type(stmt, i) == SQLITE_NULL ? nil : string(i)
    }

    func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }

    func optInt(_ i: Int32) -> Int64? {
        sqlite3_column_type(stmt, i) == SQLITE_NULL ? nil : sqlite3_column_int64(stmt, i)
    }

    func blob(_ i: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(stmt, i))
        guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
}

/// Values a statement can bind.
protocol Bindable {}
extension String: Bindable {}
extension Int64: Bindable {}
extension Int: Bindable {}
extension Bool: Bindable {}
extension Array: Bindable where Element == UInt8 {}
