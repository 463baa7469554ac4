import Testing
import WardenCore

/// The multiset hash's laws: order does not matter, subtracting undoes adding, carries cross limbs.
@Suite("State digest arithmetic")
struct StateDigestArithmeticTests {
    func random(_ rng: inout SeededRandom) -> StateDigest {
        StateDigest(limbs: (rng.next(), rng.next(), rng.next(), rng.next()))
    }

    @Test func sumsAreOrderFreeAndSubtractionUndoesAddition() {
        var rng = SeededRandom(seed: 42)
        for _ in 0..<200 {
            let items = (0..<8).map { _ in random(&rng) }
            var forward = StateDigest.zero, backward = StateDigest.zero
            for d in items { forward.add(d) }
            for d in items.reversed() { backward.add(d) }
            #expect(forward == backward)
            var undone = forward
            for d in items.shuffled(using: &rng) { undone.subtract(d) }
            #expect(undone == .zero)
        }
    }

    @Test func carriesAndBorrowsCrossLimbs() {
        var d = StateDigest(limbs: (0, 0, 0, .max))
        d.add(StateDigest(limbs: (0, 0, 0, 1)))
        #expect(d == StateDigest(limbs: (0, 0, 1, 0)))
        d.subtract(StateDigest(limbs: (0, 0, 0, 1)))
        #expect(d == StateDigest(limbs: (0, 0, 0, .max)))
        var wrap = StateDigest(limbs: (.max, .max, .max, .max))
        wrap.add(StateDigest(limbs: (0, 0, 0, 1)))
        #expect(wrap == .zero, "mod 2^256")
    }

    @Test func hexAndBytesRoundTrip() {
        var rng = SeededRandom(seed: 7)
        let d = random(&rng)
        #expect(StateDigest(hex: d.hex) == d)
        #expect(StateDigest(bytes: d.bytes) == d)
        #expect(d.hex.count == 64)
        #expect(StateDigest(hex: "xyz") == nil)
        #expect(StateDigest(bytes: [1, 2, 3]) == nil)
    }
}
