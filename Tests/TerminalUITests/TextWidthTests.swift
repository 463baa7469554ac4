import Testing
@testable import TerminalUI

@Suite struct TextWidthTests {
    @Test func ascii() {
        #expect(displayWidth(of: "hello") == 5)
        #expect(displayWidth(of: "") == 0)
        #expect(displayWidth(of: "a\u{1B}b") == 2)  // controls take no column
    }

    @Test func wideCharacters() {
        #expect(displayWidth(of: "世界") == 4)
        #expect(displayWidth(of: "日本語abc") == 9)
        #expect(displayWidth(of: "한국어") == 6)
        #expect(displayWidth(of: "ｆｕｌｌ") == 8)  // fullwidth Latin
        #expect(displayWidth(of: "カタカナ") == 8)
    }

    @Test func emoji() {
        #expect(displayWidth(of: "🙂") == 2)
        #expect(displayWidth(of: "👨‍👩‍👧") == 2)  // ZWJ sequence is one cluster
        #expect(displayWidth(of: "❤️") == 2)  // text emoji + VS16
        #expect(displayWidth(of: "❤") == 1)  // text presentation by default
        #expect(displayWidth(of: "🇫🇷") == 2)  // flag (regional indicator pair)
        #expect(displayWidth(of: "👍🏽") == 2)  // skin tone modifier
        #expect(displayWidth(of: "1️⃣") == 2)  // keycap
    }

    @Test func combiningAndZeroWidth() {
        #expect(displayWidth(of: "e\u{301}") == 1)
        #expect(displayWidth(of: "a\u{300}\u{301}\u{302}") == 1)
        #expect(displayWidth(of: "\u{200B}") == 0)  // zero-width space
        #expect(displayWidth(of: "a\u{200D}b") == 2)  // stray ZWJ adds nothing
        #expect(displayWidth(of: "\u{301}") == 0)
    }

    @Test func replacementGlyphsAreOneColumn() {
        #expect(displayWidth(of: Sanitizer.clean("\u{1B}\u{9B}\u{202E}\u{7F}")) == 4)
    }

    @Test func boxDrawingAndSymbols() {
        #expect(displayWidth(of: "├─▸…▁█") == 6)
    }
}
