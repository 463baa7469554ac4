import Testing
@testable import TerminalUI

@Suite struct TextInputTests {
    @Test func insertAndCursorMoves() {
        var input = TextInput()
        input.insert("abc")
        #expect(input.text == "abc" && input.cursor == 3)
        input.moveLeft()
        input.insert("X")
        #expect(input.text == "abXc" && input.cursor == 3)
        input.moveHome()
        input.insert("^")
        #expect(input.text == "^abXc" && input.cursor == 1)
        input.moveEnd()
        input.moveRight()
        #expect(input.cursor == 5)
    }

    @Test func backspaceAndDelete() {
        var input = TextInput("hello", cursor: 2)
        input.backspace()
        #expect(input.text == "hllo" && input.cursor == 1)
        input.delete()
        #expect(input.text == "hlo" && input.cursor == 1)
        input.moveHome()
        input.backspace()
        #expect(input.text == "hlo")
        input.moveEnd()
        input.delete()
        #expect(input.text == "hlo")
    }

    @Test func wordAndLineDeletion() {
        var input = TextInput("narrow agent-7  ")
        input.deleteWordBackward()
        #expect(input.text == "narrow ")
        input.moveLeft()
        input.moveLeft()
        input.deleteToEnd()
        #expect(input.text == "narro")
        input.deleteToStart()
        #expect(input.text == "" && input.cursor == 0)
    }

    @Test func keysDriveEdits() {
        var input = TextInput()
        for key: Key in [.char("a"), .char("世"), .char("b"), .left, .backspace, .home, .char(">"), .end, .ctrl("w")] {
            input.handle(key)
        }
        #expect(input.text == "")
        #expect(input.handle(.enter) == false)
        #expect(input.handle(.escape) == false)
    }

    @Test func refusesControlsAndRespectsMaxLength() {
        var input = TextInput(maxLength: 3)
        input.insert("\u{1B}ab\u{202E}cd")
        #expect(input.text == "abc")
    }

    @Test func graphemeClustersAreOneCharacter() {
        var input = TextInput("e\u{301}👨‍👩‍👧")
        input.backspace()
        #expect(input.text == "e\u{301}")
        input.backspace()
        #expect(input.text == "")
    }

    @Test func rendersWithPromptAndScrollsToCursor() {
        var buffer = Buffer(width: 8, height: 1)
        TextInput("abcdefghij").render(into: &buffer, area: buffer.area, prompt: "/")
        #expect(buffer.lines == ["/efghij "])  // the last column is the cursor, after the text
        #expect(buffer[7, 0].style.reverse)
        var start = Buffer(width: 8, height: 1)
        TextInput("abcdefghij", cursor: 0).render(into: &start, area: start.area, prompt: "/")
        #expect(start.lines == ["/abcdefg"])
        #expect(start[1, 0].style.reverse)
    }
}
