import Testing
@testable import TerminalUI

@Suite struct BufferTests {
    @Test func writesAndPadsLines() {
        var buffer = Buffer(width: 6, height: 2)
        let used = buffer.set(1, 0, "abc")
        #expect(used == 3)
        #expect(buffer.lines == [" abc  ", "      "])
        #expect(buffer == Buffer(lines: [" abc  ", "      "]))
    }

    @Test func clipsToMaxWidthAndBufferEdge() {
        var buffer = Buffer(width: 5, height: 1)
        #expect(buffer.set(0, 0, "abcdef", maxWidth: 3) == 3)
        #expect(buffer.lines == ["abc  "])
        #expect(buffer.set(3, 0, "xyz") == 2)
        #expect(buffer.lines == ["abcxy"])
        #expect(buffer.set(5, 0, "q") == 0)
        #expect(buffer.set(0, 1, "q") == 0)
    }

    @Test func truncatesWithEllipsis() {
        var buffer = Buffer(width: 8, height: 1)
        buffer.set(0, 0, "identity", maxWidth: 5, overflow: .ellipsis)
        #expect(buffer.lines == ["iden…   "])
        var fits = Buffer(width: 8, height: 1)
        fits.set(0, 0, "abcde", maxWidth: 5, overflow: .ellipsis)
        #expect(fits.lines == ["abcde   "])
    }

    @Test func wideCharactersTakeTwoColumns() {
        var buffer = Buffer(width: 6, height: 1)
        #expect(buffer.set(0, 0, "世界") == 4)
        #expect(buffer[0, 0].symbol == "世")
        #expect(buffer[1, 0].isContinuation)
        #expect(buffer[2, 0].symbol == "界")
        #expect(buffer.lines == ["世界  "])
        #expect(buffer == Buffer(lines: ["世界  "]))
    }

    @Test func wideCharacterThatDoesNotFitIsNotSplit() {
        var buffer = Buffer(width: 3, height: 1)
        #expect(buffer.set(0, 0, "a世界") == 3)
        #expect(buffer.lines == ["a世"])
        var clipped = Buffer(width: 4, height: 1)
        #expect(clipped.set(0, 0, "ab世", maxWidth: 3) == 2)
        #expect(clipped.lines == ["ab  "])
    }

    @Test func wideTruncationWithEllipsis() {
        var buffer = Buffer(width: 4, height: 1)
        buffer.set(0, 0, "世界x", overflow: .ellipsis)
        #expect(buffer.lines == ["世… "])
        var three = Buffer(width: 3, height: 1)
        three.set(0, 0, "世界", overflow: .ellipsis)
        #expect(three.lines == ["世…"])
    }

    @Test func emojiAndCombiningMarks() {
        var buffer = Buffer(width: 10, height: 1)
        // Family (ZWJ sequence), heart with VS16, then e + combining acute.
        let used = buffer.set(0, 0, "👨‍👩‍👧❤️e\u{301}x")
        #expect(used == 6)
        #expect(buffer[0, 0].symbol == "👨‍👩‍👧")
        #expect(buffer[1, 0].isContinuation)
        #expect(buffer[2, 0].symbol == "❤️")
        #expect(buffer[4, 0].symbol == "e\u{301}")
        #expect(buffer[5, 0].symbol == "x")
    }

    @Test func asciiFollowedByCombiningMarkStaysOneCell() {
        var buffer = Buffer(width: 4, height: 1)
        #expect(buffer.set(0, 0, "abe\u{301}") == 3)
        #expect(buffer[2, 0].symbol == "e\u{301}")
    }

    @Test func overwritingHalfAWideCharacterBlanksTheOtherHalf() {
        var buffer = Buffer(lines: ["世界"])
        buffer.set(1, 0, "x")  // right half of 世
        #expect(buffer.lines == [" x界"])
        buffer.set(2, 0, "y")  // left half of 界
        #expect(buffer.lines == [" xy "])
        #expect(!buffer[3, 0].isContinuation)
    }

    @Test func wideOverNarrowOrphansNoContinuation() {
        var buffer = Buffer(lines: ["a世b"])
        buffer.set(0, 0, "界")  // covers "a" and the left half of 世
        #expect(buffer.lines == ["界 b"])
        #expect(buffer[2, 0].symbol == " ")
    }

    @Test func controlCharactersNeverReachCells() {
        var buffer = Buffer(width: 8, height: 1)
        buffer.set(0, 0, "a\u{1B}[2J\u{7F}")
        #expect(buffer.lines == ["a␛[2J␡  "])
    }

    @Test func fillAndPatchStyle() {
        var buffer = Buffer(width: 3, height: 2)
        buffer.set(0, 0, "abc", style: Style(fg: .red))
        buffer.fill(Rect(x: 1, y: 1, width: 5, height: 5), with: Cell(".", style: .plain))
        #expect(buffer.lines == ["abc", " .."])
        buffer.setStyle(Rect(x: 0, y: 0, width: 2, height: 1), Style(bold: true))
        #expect(buffer[0, 0].style == Style(fg: .red, bold: true))
        #expect(buffer[2, 0].style == Style(fg: .red))
    }

    @Test func styledLineWithEllipsisAndAlignment() {
        var buffer = Buffer(width: 8, height: 2)
        let line = Line([Span("ab", style: Style(bold: true)), Span("cdefgh")])
        #expect(buffer.set(0, 0, line: line, maxWidth: 5, overflow: .ellipsis) == 5)
        #expect(buffer.lines[0] == "abcd…   ")
        #expect(buffer[0, 0].style.bold)
        #expect(!buffer[2, 0].style.bold)
        buffer.set(0, 1, line: Line("hi", alignment: .right), maxWidth: 8)
        #expect(buffer.lines[1] == "      hi")
    }
}

@Suite struct BufferGuardTests {
    @Test func hugeUnsanitizedASCIIIsReadOnlyAsFarAsItFits() {
        let huge = String(repeating: "x", count: 1_000_000)
        var buffer = Buffer(width: 5, height: 1)
        #expect(buffer.set(0, 0, huge, overflow: .ellipsis) == 5)
        #expect(buffer.lines == ["xxxx…"])
    }

    @Test func abusiveClusterIsStoredSmall() {
        let zalgo = "a" + String(repeating: "\u{301}", count: 10_000) + "b"
        var buffer = Buffer(width: 3, height: 1)
        #expect(buffer.set(0, 0, zalgo) == 2)
        #expect(buffer[0, 0].symbol.unicodeScalars.count == 8)
        #expect(buffer[1, 0].symbol == "b")
    }

    @Test func crlfAndControlsInsideClustersAreMadeVisible() {
        var buffer = Buffer(width: 6, height: 1)
        buffer.set(0, 0, "é\r\n\u{9B}")
        #expect(buffer.lines == ["é␍␊\u{FFFD}  "])
    }

    @Test func exactFitWithoutEllipsis() {
        var buffer = Buffer(width: 4, height: 1)
        #expect(buffer.set(0, 0, "abcd", overflow: .ellipsis) == 4)
        #expect(buffer.lines == ["abcd"])
        #expect(buffer.set(0, 0, "abcé", overflow: .ellipsis) == 4)
        #expect(buffer.lines == ["abcé"])
        #expect(buffer.set(0, 0, "abce\u{301}", overflow: .ellipsis) == 4)
        #expect(buffer[3, 0].symbol == "e\u{301}")
    }
}
