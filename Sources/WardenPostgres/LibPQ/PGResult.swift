import CPostgres
import WardenStore
import WardenSystem

/// The rows of one statement's result, read in text format; owns the libpq result.
package final class PGResult {
    private let pq: LoadedLibrary<warden_libpq>
    private let handle: OpaquePointer
    package let rowCount: Int
    package let columnCount: Int

    init(_ handle: OpaquePointer, _ pq: LoadedLibrary<warden_libpq>) {
        self.pq = pq
        self.handle = handle
        rowCount = Int(pq.PQntuples(handle))
        columnCount = Int(pq.PQnfields(handle))
    }

    deinit { pq.PQclear(handle) }

    /// Rows an INSERT, UPDATE or DELETE touched (0 for other statements).
    package var affectedRows: Int { Int(PGError.text(pq.PQcmdTuples(handle))) ?? 0 }

    package subscript(_ row: Int) -> PGRow { PGRow(result: self, row: Int32(row)) }

    package var rows: [PGRow] { (0..<rowCount).map { self[$0] } }

    package func map<T>(_ transform: (PGRow) throws(StoreError) -> T) throws(StoreError) -> [T] {
        var out: [T] = []
        out.reserveCapacity(rowCount)
        for i in 0..<rowCount { out.append(try transform(self[i])) }
        return out
    }

    /// The first row through `transform`; nil when there is none.
    package func first<T>(_ transform: (PGRow) throws(StoreError) -> T) throws(StoreError) -> T? {
        rowCount == 0 ? nil : try transform(self[0])
    }

    fileprivate func isNull(_ row: Int32, _ col: Int32) -> Bool { pq.PQgetisnull(handle, row, col) == 1 }
    fileprivate func value(_ row: Int32, _ col: Int32) -> (UnsafePointer<CChar>, Int)? {
        guard !isNull(row, col), let p = pq.PQgetvalue(handle, row, col) else { return nil }
        return (UnsafePointer(p), Int(pq.PQgetlength(handle, row, col)))
    }
}

/// One row of a `PGResult`; columns are 0-based. Typed reads of NULL give the type's zero (the
/// optional variants give nil), as the SQLite layer's do.
package struct PGRow {
    fileprivate let result: PGResult
    fileprivate let row: Int32

    package func isNull(_ col: Int) -> Bool { result.isNull(row, Int32(col)) }

    package func optionalString(_ col: Int) -> String? {
        guard let (p, n) = result.value(row, Int32(col)) else { return nil }
        return p.withMemoryRebound(to: UInt8.self, capacity: n) {
            String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
        }
    }
    package func string(_ col: Int) -> String { optionalString(col) ?? "" }

    package func optionalInt64(_ col: Int) -> Int64? {
        guard let (p, _) = result.value(row, Int32(col)) else { return nil }
        return Int64(String(cString: p))
    }
    package func int64(_ col: Int) -> Int64 { optionalInt64(col) ?? 0 }
    package func int(_ col: Int) -> Int { Int(int64(col)) }

    package func optionalDouble(_ col: Int) -> Double? {
        guard let (p, _) = result.value(row, Int32(col)) else { return nil }
        return Double(String(cString: p))
    }
    package func double(_ col: Int) -> Double { optionalDouble(col) ?? 0 }

    /// `boolean` (`t`/`f`).
    package func bool(_ col: Int) -> Bool {
        guard let (p, _) = result.value(row, Int32(col)) else { return false }
        return p[0] == 0x74
    }

    /// `bytea` (hex output); nil for NULL.
    package func optionalBytes(_ col: Int) -> [UInt8]? {
        guard let (p, n) = result.value(row, Int32(col)) else { return nil }
        return PGHex.decode(p, length: n)
    }
    package func bytes(_ col: Int) -> [UInt8] { optionalBytes(col) ?? [] }
}
