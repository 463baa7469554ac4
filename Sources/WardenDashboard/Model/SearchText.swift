import Glibc

/// The lowercased search text of many rows in one byte buffer, so a `/` filter over 100,000
/// agents is one `memchr`-driven pass over a few megabytes instead of 100,000 string searches.
public struct SearchText: Sendable, Equatable {
    private var bytes: [UInt8] = []
    /// Row i is `bytes[starts[i] ..< starts[i + 1] - 1]`; a NUL follows each row.
    private var starts: [Int] = [0]

    public init() {}

    /// `texts` must already be lowercased.
    public init<S: Sequence>(_ texts: S) where S.Element == String {
        for t in texts { append(t) }
    }

    public var count: Int { starts.count - 1 }

    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        bytes.append(0)
        starts.append(bytes.count)
    }

    /// Adds text to the row being written (ended by `endLoweredRow`), its bytes copied as they
    /// are: no string is built for the row.
    mutating func appendPart(_ part: String) {
        var part = part
        part.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Ends the row `appendPart` wrote, lowercased as `joined().lowercased()` of its parts would
    /// be: ASCII is lowered in place (the strings for 300,000 agents' and credentials' texts
    /// were 6 % of the runner's samples at L); a row with any other byte is lowered whole by
    /// `lowercased()` (it may change the length).
    mutating func endLoweredRow() {
        let start = starts[starts.count - 1]
        let ascii = bytes.withUnsafeMutableBufferPointer { b -> Bool in
            for i in start..<b.count {
                let c = b[i]
                if c >= 0x80 { return false }
                if c &- 0x41 < 26 { b[i] = c | 0x20 }
            }
            return true
        }
        if !ascii {
            // The parts were whole strings, so their bytes are valid UTF-8: this is their join.
            let lowered = String(decoding: bytes[start...], as: UTF8.self).lowercased()
            bytes.removeSubrange(start...)
            bytes.append(contentsOf: lowered.utf8)
        }
        bytes.append(0)
        starts.append(bytes.count)
    }

    /// Replaces rows (`texts` by row, lowercased) in one pass over the buffer, however many.
    mutating func replace(_ texts: [Int: String]) {
        guard !texts.isEmpty else { return }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var newStarts = [0]
        newStarts.reserveCapacity(starts.count)
        var copiedTo = 0
        for i in texts.keys.sorted() {
            // Rows before it are copied as they are, their starts shifted by what changed so far.
            let shift = out.count - copiedTo
            out.append(contentsOf: bytes[copiedTo ..< starts[i]])
            while newStarts.count <= i { newStarts.append(starts[newStarts.count] + shift) }
            out.append(contentsOf: texts[i]!.utf8)
            out.append(0)
            newStarts.append(out.count)
            copiedTo = starts[i + 1]
        }
        let shift = out.count - copiedTo
        out.append(contentsOf: bytes[copiedTo...])
        for k in newStarts.count..<starts.count { newStarts.append(starts[k] + shift) }
        bytes = out
        starts = newStarts
    }

    /// Whether row `i` contains `needle` (lowercased UTF-8).
    public func contains(_ needle: [UInt8], row i: Int) -> Bool {
        bytes.withUnsafeBufferPointer { b in
            Filter.find(needle, in: UnsafeBufferPointer(rebasing: b[starts[i] ..< starts[i + 1] - 1]))
        }
    }

    /// Marks `hits[i] = true` for each row containing `needle`, scanning the buffer once:
    /// `memchr` finds candidates for the first byte, a match skips to the next row.
    public func mark(_ needle: [UInt8], into hits: inout [Bool]) {
        guard let first = needle.first else {
            for i in 0..<count { hits[i] = true }
            return
        }
        let n = needle.count
        bytes.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return }
            var pos = 0, row = 0
            let end = b.count
            while pos < end {
                guard let found = memchr(base + pos, Int32(first), end - pos) else { return }
                let p = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                while starts[row + 1] <= p { row += 1 }
                let rowEnd = starts[row + 1] - 1
                if p + n <= rowEnd && memcmp(base + p, needle, n) == 0 {
                    hits[row] = true
                    pos = starts[row + 1]
                } else {
                    pos = p + 1
                }
            }
        }
    }
}
