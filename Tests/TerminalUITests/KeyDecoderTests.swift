import Testing
@testable import TerminalUI

@Suite struct KeyDecoderTests {
    @Test func characters() {
        #expect(KeyDecoder.decode(code: 0x71, isKeyCode: false) == .char("q"))
        #expect(KeyDecoder.decode(code: 0x4E16, isKeyCode: false) == .char("世"))
        #expect(KeyDecoder.decode(code: 0x1F642, isKeyCode: false) == .char("🙂"))
        #expect(KeyDecoder.decode(code: 0x20, isKeyCode: false) == .char(" "))
    }

    @Test func controlCharacters() {
        #expect(KeyDecoder.decode(code: 0x0D, isKeyCode: false) == .enter)
        #expect(KeyDecoder.decode(code: 0x0A, isKeyCode: false) == .enter)
        #expect(KeyDecoder.decode(code: 0x09, isKeyCode: false) == .tab)
        #expect(KeyDecoder.decode(code: 0x1B, isKeyCode: false) == .escape)
        #expect(KeyDecoder.decode(code: 0x7F, isKeyCode: false) == .backspace)
        #expect(KeyDecoder.decode(code: 0x08, isKeyCode: false) == .backspace)
        #expect(KeyDecoder.decode(code: 0x03, isKeyCode: false) == .ctrl("c"))
        #expect(KeyDecoder.decode(code: 0x0C, isKeyCode: false) == .ctrl("l"))
        #expect(KeyDecoder.decode(code: 0x1F, isKeyCode: false) == .ctrl("_"))
        #expect(KeyDecoder.decode(code: 0x9B, isKeyCode: false) == nil)
        #expect(KeyDecoder.decode(code: 0xD800, isKeyCode: false) == nil)  // surrogate
    }

    @Test func keyCodes() {
        let expected: [(Int32, Key)] = [
            (0o402, .down), (0o403, .up), (0o404, .left), (0o405, .right), (0o406, .home), (0o550, .end),
            (0o523, .pageUp), (0o522, .pageDown), (0o527, .enter), (0o541, .backTab), (0o407, .backspace),
            (0o512, .delete), (0o513, .insert), (0o411, .function(1)), (0o424, .function(12)),
        ]
        for (code, key) in expected {
            #expect(KeyDecoder.decode(code: code, isKeyCode: true) == key, "code \(code)")
        }
        #expect(KeyDecoder.decode(code: KeyDecoder.Code.resize, isKeyCode: true) == nil)
        #expect(KeyDecoder.decode(code: 0o410, isKeyCode: true) == nil)  // F0 is not a key
    }

    @Test func sameNumberDecodesDifferentlyAsKeyCodeOrCharacter() {
        // 0o402 is KEY_DOWN as a key code but "Ă" (U+0102) as a character.
        #expect(KeyDecoder.decode(code: 0o402, isKeyCode: true) == .down)
        #expect(KeyDecoder.decode(code: 0o402, isKeyCode: false) == .char("Ă"))
    }
}

@Suite struct PaletteTests {
    @Test func rgbToXterm256() {
        #expect(Palette.nearestIndex(r: 0, g: 0, b: 0) == 16)
        #expect(Palette.nearestIndex(r: 255, g: 0, b: 0) == 196)
        #expect(Palette.nearestIndex(r: 255, g: 255, b: 255) == 231)
        #expect(Palette.nearestIndex(r: 128, g: 128, b: 128) == 244)  // gray ramp beats the cube
        #expect(Palette.nearestIndex(r: 0, g: 135, b: 255) == 33)
    }

    @Test func xterm256ToBasic() {
        #expect(Palette.nearestBasic(toIndex: 196) == 1)  // red
        #expect(Palette.nearestBasic(toIndex: 46) == 2)  // green
        #expect(Palette.nearestBasic(toIndex: 3) == 3)  // already basic
        #expect(Palette.nearestBasic(toIndex: 231, count: 16) == 15)  // white → bright white
    }
}
