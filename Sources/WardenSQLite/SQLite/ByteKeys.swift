/// Short text keys read in place from a statement's row, each given a slot (and one shared
/// string) the first time its bytes are seen. A scan over hundreds of thousands of rows with a
/// few dozen distinct keys (a call's `server/tool`) then builds no string per row. Keys are told
/// apart by their bytes; the hash only finds candidates.
struct ByteKeys {
    /// Each slot's key as a string.
    private(set) var strings: [String] = []
    private var bytes: [[UInt8]] = []
    private var byHash: [UInt64: [Int]] = [:]

    mutating func slot(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        let h = Self.hash(key)
        if let found = byHash[h]?.first(where: { bytes[$0].elementsEqual(key) }) { return found }
        strings.append(String(decoding: key, as: UTF8.self))
        bytes.append(Array(key))
        byHash[h, default: []].append(bytes.count - 1)
        return bytes.count - 1
    }

    /// FNV-1a: keys are short, and a collision only costs a comparison.
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
