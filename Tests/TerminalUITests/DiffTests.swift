import Testing
@testable import TerminalUI

@Suite struct DiffTests {
    @Test func identicalBuffersHaveNoChanges() {
        let a = Buffer(lines: ["hello", "world"])
        #expect(a.diff(from: a).isEmpty)
    }

    @Test func oneChangedCellIsOneChange() {
        let before = Buffer(lines: ["hello", "world"])
        var after = before
        after.set(1, 1, "O")
        #expect(after.diff(from: before) == [CellChange(x: 1, y: 1, cell: Cell("O"))])
    }

    @Test func styleChangeIsAChange() {
        let before = Buffer(lines: ["ab"])
        var after = before
        after.setStyle(Rect(x: 1, y: 0, width: 1, height: 1), Style(bold: true))
        #expect(after.diff(from: before) == [CellChange(x: 1, y: 0, cell: Cell("b", style: Style(bold: true)))])
    }

    @Test func wideCharacterListsOnlyItsFirstCell() {
        let before = Buffer(lines: ["abcd"])
        var after = before
        after.set(1, 0, "世")
        #expect(after.diff(from: before) == [CellChange(x: 1, y: 0, cell: Cell("世"))])
    }

    @Test func replacingAWideCharacterCleansItsContinuation() {
        let before = Buffer(lines: ["世界"])
        var after = before
        after.set(0, 0, "ab")
        // Both columns of 世 are redrawn; 界 is untouched.
        #expect(after.diff(from: before) == [CellChange(x: 0, y: 0, cell: Cell("a")), CellChange(x: 1, y: 0, cell: Cell("b"))])
        var half = before
        half.set(1, 0, "x")  // writing over the right half blanks the left half too
        #expect(half.diff(from: before) == [CellChange(x: 0, y: 0, cell: Cell(" ")), CellChange(x: 1, y: 0, cell: Cell("x"))])
    }

    @Test func sizeChangeListsEveryCell() {
        let before = Buffer(width: 2, height: 1)
        let after = Buffer(lines: ["ab", "c"])
        #expect(after.diff(from: before).count == 4)
    }
}
