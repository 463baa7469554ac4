import Testing
import WardenCore
@testable import TerminalUI

typealias SeededGenerator = SplitMix64

@Suite struct PropertyTests {
    static let pieces = ["a", "Z", " ", "世", "한", "ｆ", "🙂", "👨‍👩‍👧", "❤️", "🇫🇷", "e\u{301}", "\u{301}",
                         "\u{200B}", "\u{200D}", "\u{1B}", "\u{1B}[2J", "\u{9B}", "\u{202E}", "\u{2066}", "\0",
                         "\u{7F}", "\r\n", "\t", "…", "─", "é"]

    func randomString(_ rng: inout SeededGenerator) -> String {
        (0..<Int.random(in: 0...30, using: &rng)).map { _ in Self.pieces.randomElement(using: &rng)! }.joined()
    }

    /// Buffer invariants hold for any text, any position, any width.
    @Test func writesKeepTheGridConsistent() {
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<500 {
            var buffer = Buffer(width: 24, height: 2, fill: Cell("."))
            // Overlapping writes of random text, raw or sanitized, clipped or cut with an ellipsis.
            for _ in 0..<4 {
                let raw = randomString(&rng)
                let text = Bool.random(using: &rng) ? Sanitizer.clean(raw) : raw
                let x = Int.random(in: 0..<24, using: &rng)
                let maxWidth = Int.random(in: 1...30, using: &rng)
                let overflow: Overflow = Bool.random(using: &rng) ? .clip : .ellipsis
                let used = buffer.set(x, 0, text, maxWidth: maxWidth, overflow: overflow)
                #expect(used <= min(maxWidth, 24 - x))
                let clean = Sanitizer.clean(raw, maxScalars: .max)
                if displayWidth(of: clean) <= min(maxWidth, 24 - x) {
                    #expect(used == displayWidth(of: clean), "\(raw.debugDescription)")
                }
            }
            for x in 0..<24 {
                let cell = buffer[x, 0]
                #expect(!containsDangerousScalar(cell.symbol))
                if cell.isContinuation {
                    #expect(x > 0 && TextWidth.of(buffer[x - 1, 0].symbol) == 2, "orphan continuation at \(x)")
                } else {
                    let w = TextWidth.of(cell.symbol)
                    #expect(w == 1 || w == 2, "cell \(x) is \(cell.symbol.debugDescription)")
                    if w == 2 { #expect(x + 1 < 24 && buffer[x + 1, 0].isContinuation) }
                }
            }
            #expect(displayWidth(of: buffer.lines[0]) == 24)
        }
    }

    /// Applying a diff to the old buffer reproduces the new one.
    @Test func diffReplaysToTheNewFrame() {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            var old = Buffer(width: 16, height: 3)
            var new = old
            for _ in 0..<3 {
                old.set(Int.random(in: 0..<16, using: &rng), Int.random(in: 0..<3, using: &rng), randomString(&rng))
                new.set(Int.random(in: 0..<16, using: &rng), Int.random(in: 0..<3, using: &rng), randomString(&rng))
            }
            var replay = old
            for change in new.diff(from: old) { replay.setCell(change.x, change.y, change.cell) }
            #expect(replay.lines == new.lines)
        }
    }
}

@Suite struct StyleTests {
    @Test func patchOverlaysColorsAndAddsAttributes() {
        let base = Style(fg: .red, bg: .blue, bold: true)
        #expect(base.patched(with: Style(fg: .green, underline: true)) == Style(fg: .green, bg: .blue, bold: true, underline: true))
        #expect(base.patched(with: .plain) == base)
    }

    @Test func descriptionIsTheRows() {
        #expect(Buffer(lines: ["ab", "c"]).description == "ab\nc ")
    }
}
