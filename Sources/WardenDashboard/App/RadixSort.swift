/// Orders rows by 64-bit keys with a least-significant-byte radix sort: stable (ties keep the
/// incoming order, as the views promise) and linear, so sorting 100,000 agents by a number is a
/// few passes over two arrays on a keystroke rather than a comparison sort.
enum RadixSort {
    /// `rows` reordered by `keys` (the key of `rows[k]` is `keys[k]`).
    static func order(_ rows: [Int], keys: [Int64], descending: Bool) -> [Int] {
        precondition(rows.count == keys.count)
        let n = rows.count
        if n < 2 { return rows }
        // Signed to unsigned order by flipping the sign bit; descending by flipping every bit.
        var k = keys.map { UInt64(bitPattern: $0) ^ (1 << 63) }
        if descending { for i in 0..<n { k[i] = ~k[i] } }
        var r = rows
        var k2 = [UInt64](repeating: 0, count: n)
        var r2 = [Int](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 256)
        for shift in stride(from: UInt64(0), to: 64, by: 8) {
            for b in 0..<256 { counts[b] = 0 }
            for i in 0..<n { counts[Int((k[i] >> shift) & 0xFF)] += 1 }
            // A byte every key shares (the high bytes of small numbers) needs no pass.
            if counts[Int((k[0] >> shift) & 0xFF)] == n { continue }
            var sum = 0
            for b in 0..<256 {
                let c = counts[b]
                counts[b] = sum
                sum += c
            }
            for i in 0..<n {
                let b = Int((k[i] >> shift) & 0xFF)
                let at = counts[b]
                counts[b] = at + 1
                k2[at] = k[i]
                r2[at] = r[i]
            }
            swap(&k, &k2)
            swap(&r, &r2)
        }
        return r
    }
}
