import Testing
import WardenCore

@Suite("Chunked arrays")
struct ChunkedTests {
    /// Whatever is done to it, it holds what an Array given the same steps holds; a changed copy
    /// leaves the original as it was.
    @Test func behavesAsAnArrayAndCopiesOnWrite() {
        var rng = SplitMix64(seed: 5)
        var plain: [Int] = []
        var chunked = Chunked<Int>()
        for step in 0..<5_000 {
            let r = Int(rng.next() % 10)
            if r < 6 || plain.isEmpty {
                plain.append(step)
                chunked.append(step)
            } else {
                let i = Int(rng.next() % UInt64(plain.count))
                plain[i] = -step
                chunked[i] = -step
            }
        }
        #expect(Array(chunked) == plain && chunked.count == plain.count)
        let before = chunked
        var copy = chunked
        copy[2_500] = 42
        copy.append(7)
        #expect(before == chunked && Array(chunked) == plain, "the original is untouched")
        #expect(copy[2_500] == 42 && copy.count == plain.count + 1)
        var replaced = chunked
        replaced.replaceSubrange(10..<1_500, with: [1, 2, 3])
        var expected = plain
        expected.replaceSubrange(10..<1_500, with: [1, 2, 3])
        #expect(Array(replaced) == expected)
    }
}
