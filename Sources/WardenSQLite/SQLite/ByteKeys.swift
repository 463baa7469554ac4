import Glibc

/// Short text keys read in place from a statement's row, each given a slot (and one shared
/// string) the first time its bytes are seen. A scan over hundreds of thousands of rows with a
/// few dozen distinct keys (a call's `server/tool`) then builds no string per row. Keys are told
/// apart by their bytes; the hash only finds candidates.
struct ByteKeys {
    /// Each slot's key as a string.
    private(set) var strings: [String] = []
    private var bytes: [[UInt8]] = []
    /// The newest slot of each hash, and each slot's next older one of the same hash (-1: none):
    /// a lookup copies no list and compares with `memcmp` (a million calls an hour are tallied).
    private var newest: [UInt64: Int] = [:]
    private var older: [Int] = []

    mutating func slot(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        let h = Self.hash(key)
        var k = newest[h] ?? -1
        while k >= 0 {
            if Self.equal(bytes[k], key) { return k }
            k = older[k]
        }
        strings.append(String(decoding: key, as: UTF8.self))
        bytes.append(Array(key))
        older.append(newest[h] ?? -1)
        newest[h] = bytes.count - 1
        return bytes.count - 1
    }

    static func equal(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.count == b.count && a.withUnsafeBufferPointer { b.count == 0 || memcmp($0.baseAddress!, b.baseAddress!, b.count) == 0 }
    }

    /// FNV-1a: keys are short, and a collision only costs a comparison.
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
