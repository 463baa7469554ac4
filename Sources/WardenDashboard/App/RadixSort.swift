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
        let flip: UInt64 = descending ? ~(1 << 63) : 1 << 63
        var k = keys.map { UInt64(bitPattern: $0) ^ flip }
        var r = rows
        var k2 = [UInt64](repeating: 0, count: n)
        var r2 = [Int](repeating: 0, count: n)
        // 16-bit digits for large inputs (half the passes: 2M credentials, whose "not active"
        // rows sort last by Int64.max, would otherwise need all eight byte passes); bytes
        // below that, where clearing 65,536 counts per pass would cost more than the rows.
        let bits: UInt64 = n >= 1 << 16 ? 16 : 8
        let buckets = 1 << Int(bits), mask = buckets - 1
        var counts = [Int](repeating: 0, count: buckets)
        // Raw buffers: the passes are tight loops that must not pay for checks on every element.
        k.withUnsafeMutableBufferPointer { ka in
            r.withUnsafeMutableBufferPointer { ra in
                k2.withUnsafeMutableBufferPointer { kb in
                    r2.withUnsafeMutableBufferPointer { rb in
                        counts.withUnsafeMutableBufferPointer { c in
                            var (srcK, srcR, dstK, dstR) = (ka, ra, kb, rb)
                            for shift in stride(from: UInt64(0), to: 64, by: Int(bits)) {
                                for b in 0..<buckets { c[b] = 0 }
                                for i in 0..<n { c[Int(truncatingIfNeeded: srcK[i] &>> shift) & mask] &+= 1 }
                                // A digit every key shares (the high bytes of small numbers) needs no pass.
                                if c[Int(truncatingIfNeeded: srcK[0] &>> shift) & mask] == n { continue }
                                var sum = 0
                                for b in 0..<buckets {
                                    let x = c[b]
                                    c[b] = sum
                                    sum &+= x
                                }
                                for i in 0..<n {
                                    let key = srcK[i]
                                    let b = Int(truncatingIfNeeded: key &>> shift) & mask
                                    let at = c[b]
                                    c[b] = at &+ 1
                                    dstK[at] = key
                                    dstR[at] = srcR[i]
                                }
                                swap(&srcK, &dstK)
                                swap(&srcR, &dstR)
                            }
                            // The sorted rows are in whichever buffer the last pass wrote.
                            if srcR.baseAddress != ra.baseAddress { ra.baseAddress!.update(from: srcR.baseAddress!, count: n) }
                        }
                    }
                }
            }
        }
        return r
    }
}
