import Testing
@testable import TerminalUI

@Suite struct TableTests {
    let columns = [TableColumn("ID", width: .length(4)), TableColumn("NAME", width: .fill), TableColumn("TTL", width: .length(5), alignment: .right)]

    @Test func rendersHeaderRowsAndSelection() {
        let data = [["a1", "triage-bot", "4m"], ["b2", "deploy-agent-with-long-name", "1h"], ["c3", "日本語", "9s"]]
        let table = Table(columns: columns, rowCount: data.count, sort: (column: 1, ascending: true)) { data[$0] }
        var buffer = Buffer(width: 22, height: 4)
        var state = TableState(selected: 1)
        table.render(into: &buffer, area: buffer.area, state: &state)
        #expect(buffer.lines == [
            "ID   NAME ▲        TTL",
            "a1   triage-bot     4m",
            "b2   deploy-age…    1h",
            "c3   日本語         9s",
        ])
        #expect(buffer[0, 0].style.bold)
        #expect(buffer[0, 2].style.reverse)
        #expect(buffer[21, 2].style.reverse)  // the highlight spans the whole row
        #expect(!buffer[0, 1].style.reverse)
    }

    @Test func highlightSymbolGutter() {
        let table = Table(columns: [TableColumn("N")], rowCount: 2, highlightSymbol: "▶ ", showsHeader: false) { TableRow([TableCell("row\($0)")]) }
        var buffer = Buffer(width: 7, height: 2)
        var state = TableState(selected: 1)
        table.render(into: &buffer, area: buffer.area, state: &state)
        #expect(buffer.lines == ["  row0 ", "▶ row1 "])
    }

    @Test func buildsOnlyVisibleRowsOfAHugeTable() {
        var calls: [Int] = []
        let columns = [TableColumn("ID", width: .length(6)), TableColumn("NAME", width: .fill)]
        let table = Table(columns: columns, rowCount: 100_000) { index in
            calls.append(index)
            return TableRow([TableCell("\(index)"), "agent"])
        }
        var buffer = Buffer(width: 30, height: 11)  // header + 10 rows
        var state = TableState(selected: 50_000)
        table.render(into: &buffer, area: buffer.area, state: &state)
        #expect(calls.count == 10)
        #expect(calls.contains(50_000))
        #expect(state.offset == 49_991)  // the selection is the last visible row
        #expect(buffer.lines[10].hasPrefix("50000  agent"))
    }

    @Test func selectionStaysVisibleWhenMovingUp() {
        var state = TableState(selected: 10, offset: 8)
        #expect(state.scrollToSelection(count: 100, height: 5) == 8..<13)
        state.previous(count: 100)
        state.previous(count: 100)
        state.previous(count: 100)
        #expect(state.scrollToSelection(count: 100, height: 5) == 7..<12)
        #expect(state.selected == 7)
    }

    @Test func selectionIsClampedWhenRowsDisappear() {
        var state = TableState(selected: 40, offset: 35)
        #expect(state.scrollToSelection(count: 3, height: 10) == 0..<3)
        #expect(state.selected == 2)
        state.pageDown(count: 3, pageSize: 10)
        #expect(state.selected == 2)
        state.first(count: 3)
        #expect(state.selected == 0)
        #expect(state.scrollToSelection(count: 0, height: 10) == 0..<0)
        #expect(state.selected == nil)
    }

    @Test func neverWritesOutsideItsArea() {
        let table = Table(columns: columns, rowCount: 50) { _ in ["xxxxxxxx", "yyyyyyyyyyyyyyyyyyyy", "zzzzzzzzz"] }
        var buffer = Buffer(width: 20, height: 8, fill: Cell("."))
        var state = TableState(selected: 49)
        table.render(into: &buffer, area: Rect(x: 2, y: 2, width: 10, height: 3), state: &state)
        for y in 0..<8 {
            for x in 0..<20 where !Rect(x: 2, y: 2, width: 10, height: 3).contains(x: x, y: y) {
                #expect(buffer[x, y].symbol == ".", "(\(x), \(y))")
            }
        }
    }
}

@Suite struct TablePriorityTests {
    @Test func narrowTablesDropLeastImportantColumnsWhole() {
        let columns = [TableColumn("TIME", width: .length(8), priority: 2), TableColumn("WHO", width: .min(10), priority: 1),
                       TableColumn("DECISION", width: .length(8), priority: 0), TableColumn("REASON", width: .min(18), priority: 0)]
        let table = Table(columns: columns, rowCount: 1) { _ in
            TableRow([TableCell("00:00:00"), TableCell("someone"), TableCell("deny"), TableCell("credential_revoked")])
        }
        var buf = Buffer(width: 30, height: 2)
        var state = TableState(selected: nil)
        table.render(into: &buf, area: buf.area, state: &state)
        #expect(buf.lines == ["DECISION   REASON             ", "deny       credential_revoked "])
        // With room, every column in its place.
        var wide = Buffer(width: 60, height: 2)
        table.render(into: &wide, area: wide.area, state: &state)
        #expect(wide.lines[0].hasPrefix("TIME     WHO") && wide.lines[1].contains("someone"))
    }

    @Test func identifierColumnsKeepTheirEnd() {
        let table = Table(columns: [TableColumn("TARGET", width: .length(20), keepsEnd: true)], rowCount: 1) { _ in
            TableRow([TableCell("spiffe://acme.example/agent/triage-bot/7f3a")])
        }
        var buf = Buffer(width: 20, height: 2)
        var state = TableState(selected: nil)
        table.render(into: &buf, area: buf.area, state: &state)
        #expect(buf.lines[1] == "…ent/triage-bot/7f3a")
    }
}

@Suite struct ClipboardTests {
    @Test func osc52CarriesTheTextAsBase64() {
        #expect(Clipboard.osc52("spiffe://acme.example/agent/triage-bot/7f3a")
                == "\u{1B}]52;c;c3BpZmZlOi8vYWNtZS5leGFtcGxlL2FnZW50L3RyaWFnZS1ib3QvN2YzYQ==\u{07}")
        #expect(Clipboard.osc52("tok_é1") == "\u{1B}]52;c;dG9rX8OpMQ==\u{07}")
        #expect(Clipboard.base64(Array("M".utf8)) == "TQ==" && Clipboard.base64(Array("Ma".utf8)) == "TWE=" && Clipboard.base64([]) == "")
        // A hostile ID cannot end the sequence or send controls of its own.
        let hostile = Clipboard.osc52("x\u{07}\u{1B}]0;pwned\u{07}")
        #expect(hostile.dropFirst(7).dropLast().allSatisfy { $0.isLetter || $0.isNumber || "+/=".contains($0) })
    }
}

@Suite struct TableContentFitTests {
    @Test func aNameColumnTakesRoomBeforeFreeText() {
        let table = Table(columns: [TableColumn("AGENT", width: .min(8)), TableColumn("NOTE", width: .fill)], rowCount: 2) { r in
            TableRow([TableCell(r == 0 ? "code-review-agent" : "x"), TableCell("free text that can be cut anywhere")])
        }
        var buf = Buffer(width: 60, height: 3)
        var state = TableState(selected: nil)
        table.render(into: &buf, area: buf.area, state: &state)
        #expect(buf.lines[1].hasPrefix("code-review-agent free text"), "\(buf.lines[1])")
        // Free text keeps its reserve: a narrow table cuts the name rather than hide the text.
        var narrow = Buffer(width: 40, height: 3)
        table.render(into: &narrow, area: narrow.area, state: &state)
        #expect(narrow.lines[1].contains("free text"))
    }
}
