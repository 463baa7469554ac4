import Testing
import WardenCore
@testable import TerminalUI

typealias FuzzRandom = SplitMix64

/// Codes like the ones `wget_wch` returns, and the edges around them.
private func randomCode(_ rng: inout FuzzRandom) -> Int32 {
    switch rng.below(8) {
    case 0: return Int32(truncatingIfNeeded: rng.next())  // anything, negatives included
    case 1: return Int32(rng.below(0x100))  // ASCII, C0, DEL, C1, Latin-1
    case 2: return 0o400 + Int32(rng.below(0o400))  // the KEY_* range
    case 3: return 0xD700 + Int32(rng.below(0x900))  // around the surrogates
    case 4: return 0x10_FF00 + Int32(rng.below(0x200))  // around the last scalar
    case 5: return [Int32.min, Int32.max, -1, 0, 0x7F, 0x9B, 0x1B, 0xFFFF, 0xFFFE, 0x202E][rng.below(10)]
    default: return Int32(rng.below(0x3_0000))  // the planes with most characters
    }
}

@Suite struct KeyDecoderFuzzTests {
    static let cases = 200_000

    @Test func decoderSurvivesRandomCodes() {
        var rng = FuzzRandom(seed: 0x4B45_5901)
        var decoded = 0
        for n in 0..<Self.cases {
            let code = randomCode(&rng)
            let isKeyCode = rng.below(2) == 0
            guard let key = KeyDecoder.decode(code: code, isKeyCode: isKeyCode) else { continue }
            decoded += 1
            var problem: String?
            switch key {
            case .char(let c):
                // One valid scalar, the code itself, never a control a terminal would act on.
                let scalars = Array(c.unicodeScalars)
                if isKeyCode { problem = "a key code decoded as a character" }
                else if scalars.count != 1 || Int64(scalars[0].value) != Int64(code) { problem = "character \(c.debugDescription) for \(code)" }
                else if scalars[0].value < 0x20 || (0x7F...0x9F).contains(scalars[0].value) { problem = "control \(code) as a character" }
            case .ctrl(let c):
                if isKeyCode || !c.isASCII || c.unicodeScalars.count != 1 || !(0...0x1F).contains(code) { problem = "ctrl \(c.debugDescription) for \(code)" }
            case .function(let f):
                if !isKeyCode || !(1...63).contains(f) || Int32(f) + KeyDecoder.Code.f0 != code { problem = "F\(f) for \(code)" }
            case .enter, .tab, .escape, .backspace:
                break
            default:
                if !isKeyCode { problem = "\(key) from a character" }
            }
            if KeyDecoder.decode(code: code, isKeyCode: isKeyCode) != key { problem = "not deterministic" }
            if let problem {
                Issue.record("case \(n) (code \(code), keyCode \(isKeyCode)): \(problem)")
                return
            }
        }
        #expect(decoded > Self.cases / 3, "only \(decoded) keys decoded")
        // Mouse and resize are the backend's, never keys.
        #expect(KeyDecoder.decode(code: KeyDecoder.Code.mouse, isKeyCode: true) == nil)
        #expect(KeyDecoder.decode(code: KeyDecoder.Code.resize, isKeyCode: true) == nil)
    }

    /// Random key sequences, decoded from random codes, typed into a text input: the cursor
    /// stays within the text, the text within its limit, and nothing a terminal would interpret
    /// gets in.
    @Test func textInputSurvivesRandomKeySequences() {
        var rng = FuzzRandom(seed: 0x7E87_0001)
        let editing: [Key] = [.backspace, .delete, .left, .right, .home, .end, .ctrl("w"), .ctrl("u"), .ctrl("k"), .ctrl("a"),
                              .ctrl("e"), .ctrl("b"), .ctrl("f"), .ctrl("d"), .ctrl("h"), .enter, .escape, .up, .tab]
        let typed: [Character] = ["a", " ", "é", "e\u{301}", "世", "🛡️", "👩‍👩‍👧", "\u{1B}", "\u{0}", "\u{7F}", "\u{9B}", "\u{202E}", "\u{200D}", "\r\n", "\t"]
        var keys = 0
        for sequence in 0..<4_000 {
            let start = String((0..<rng.below(6)).map { _ in typed[rng.below(typed.count)] }.filter { $0.unicodeScalars.allSatisfy { Sanitizer.replacement(for: $0) == nil } })
            var input = TextInput(start, cursor: rng.below(12) - 3, maxLength: rng.below(24))
            for _ in 0..<25 {
                let key: Key
                switch rng.below(3) {
                case 0: key = editing[rng.below(editing.count)]
                case 1: key = .char(typed[rng.below(typed.count)])
                default: key = KeyDecoder.decode(code: randomCode(&rng), isKeyCode: rng.below(4) == 0) ?? .escape
                }
                input.handle(key)
                keys += 1
                let ok = input.cursor >= 0 && input.cursor <= input.characters.count
                    && input.characters.count <= max(input.maxLength, start.count)
                    && input.text.unicodeScalars.allSatisfy { Sanitizer.replacement(for: $0) == nil }
                if !ok {
                    Issue.record("sequence \(sequence): cursor \(input.cursor) in \(input.text.debugDescription) after \(key)")
                    return
                }
            }
            // Drawing at any width keeps to the area.
            let width = rng.below(12)
            var buffer = Buffer(width: 12, height: 1)
            input.render(into: &buffer, area: Rect(x: 0, y: 0, width: width, height: 1), prompt: rng.below(2) == 0 ? "/" : "")
            for x in width..<12 where buffer[x, 0] != .blank {
                Issue.record("sequence \(sequence): drew outside its area at \(x)")
                return
            }
        }
        #expect(keys == 100_000)
    }
}
