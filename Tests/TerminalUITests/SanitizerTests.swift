import Testing
@testable import TerminalUI

/// True if any scalar a terminal would interpret (C0, DEL, C1, bidi controls) is present.
func containsDangerousScalar(_ s: String) -> Bool {
    s.unicodeScalars.contains { v in
        let value = v.value
        return value < 0x20 || (value >= 0x7F && value <= 0x9F) || value == 0x061C || value == 0x200E
            || value == 0x200F || (0x2028...0x202E).contains(value) || (0x2066...0x2069).contains(value)
    }
}

@Suite struct SanitizerTests {
    @Test func printableASCIIIsUnchanged() {
        #expect(Sanitizer.clean("agent/triage-bot 7f3a") == "agent/triage-bot 7f3a")
    }

    @Test func c0ControlsBecomeControlPictures() {
        #expect(Sanitizer.clean("\u{1B}[2J") == "␛[2J")
        #expect(Sanitizer.clean("a\u{0}b\tc\nd") == "a␀b␉c␊d")
        #expect(Sanitizer.clean("\u{1B}]0;title\u{07}") == "␛]0;title␇")
        #expect(Sanitizer.clean("x\u{7F}") == "x␡")
    }

    @Test func c1AndBidiControlsBecomeReplacementCharacter() {
        #expect(Sanitizer.clean("a\u{9B}31m") == "a\u{FFFD}31m")
        #expect(Sanitizer.clean("abc\u{202E}fdp.exe") == "abc\u{FFFD}fdp.exe")
        for scalar: UInt32 in [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x2066, 0x2067, 0x2068, 0x2069, 0x2028, 0x2029] {
            let cleaned = Sanitizer.clean("x" + String(Unicode.Scalar(scalar)!) + "y")
            #expect(cleaned == "x\u{FFFD}y", "U+\(String(scalar, radix: 16))")
        }
    }

    @Test func legitimateUnicodeStays() {
        let text = "世界 👨‍👩‍👧 é e\u{301} ❤️"
        #expect(Sanitizer.clean(text) == text)
        #expect(Sanitizer.isClean(text))
    }

    @Test func invalidUTF8BecomesReplacementCharacter() {
        let bytes: [UInt8] = [0x61, 0xFF, 0x62, 0xC3]  // a, invalid, b, truncated sequence
        #expect(Sanitizer.clean(bytes: bytes) == "a\u{FFFD}b\u{FFFD}")
    }

    @Test func longInputIsCutWithEllipsis() {
        let huge = String(repeating: "a", count: 1_000_000)
        let cleaned = Sanitizer.clean(huge, maxScalars: 100)
        #expect(cleaned.unicodeScalars.count == 101)
        #expect(cleaned.hasSuffix("…"))
        let bytes = Array(repeating: UInt8(ascii: "b"), count: 1_000_000)
        #expect(Sanitizer.clean(bytes: bytes, maxScalars: 10) == "bbbbbbbbbb…")
    }

    @Test func cleanLinesSplitsOnLineFeedsAndCRLF() {
        #expect(Sanitizer.cleanLines("one\r\ntwo\nthr\u{1B}ee\r") == ["one", "two", "thr␛ee␍"])
    }

    @Test(arguments: [
        "\u{1B}[2J\u{1B}[H",
        "\u{1B}]0;pwned\u{07}",
        "\u{9B}6n",
        "evil\u{202E}gnp.exe",
        "nul\u{0}del\u{7F}",
        "\u{2066}isolate\u{2069}\u{200F}",
    ])
    func hostileStringsRenderHarmlesslyInATable(hostile: String) {
        let table = Table(columns: [TableColumn("NAME", width: .length(10)), TableColumn("STATUS", width: .fill)],
                          rowCount: 1) { _ in [Sanitizer.clean(hostile), "active"] }
        var buffer = Buffer(width: 20, height: 2)
        var state = TableState()
        table.render(into: &buffer, area: buffer.area, state: &state)
        for cell in buffer.cells { #expect(!containsDangerousScalar(cell.symbol)) }
        // The second column still starts at column 11: the hostile text did not shift it.
        #expect(buffer[11, 1].symbol == "a")
        #expect(buffer.lines[1].hasSuffix("active   "))
        #expect(TextWidth.of(buffer.lines[1]) == 20)
    }

    @Test func megabyteNameRendersTruncated() {
        let name = String(repeating: "\u{1B}x", count: 500_000)
        var buffer = Buffer(width: 8, height: 1)
        buffer.set(0, 0, Sanitizer.clean(name), overflow: .ellipsis)
        #expect(buffer.lines == ["␛x␛x␛x␛…"])
        // Even unsanitized, the buffer's own guard keeps controls out.
        var raw = Buffer(width: 8, height: 1)
        raw.set(0, 0, name, overflow: .ellipsis)
        #expect(raw.lines == ["␛x␛x␛x␛…"])
    }

    @Test func bufferGuardCatchesC1AndBidiWithoutSanitizer() {
        var buffer = Buffer(width: 6, height: 1)
        buffer.set(0, 0, "a\u{9B}b\u{202E}c")
        #expect(buffer.lines == ["a\u{FFFD}b\u{FFFD}c "])
        for cell in buffer.cells { #expect(!containsDangerousScalar(cell.symbol)) }
    }
}
