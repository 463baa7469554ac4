import TerminalUI

/// Aligned text columns. Every cell is sanitized; widths are computed from what is shown.
struct Table {
    var headers: [String]
    var rows: [[String]] = []
    /// Columns aligned right (numbers).
    var rightAligned: Set<Int> = []

    init(_ headers: [String], rightAligned: Set<Int> = []) {
        self.headers = headers
        self.rightAligned = rightAligned
    }

    mutating func add(_ cells: [String]) {
        rows.append(cells.map(TerminalText.safe))
    }

    /// The table as lines, with `indent` spaces before each line and two spaces between columns.
    func render(indent: Int = 0) -> String {
        // Headers can carry stored text too (`agent show` puts the agent's name there).
        let headers = self.headers.map(TerminalText.safe)
        var widths = headers.map(DisplayWidth.of)
        for row in rows {
            for (c, cell) in row.enumerated() where c < widths.count {
                widths[c] = max(widths[c], DisplayWidth.of(cell))
            }
        }
        let pad = String(repeating: " ", count: indent)
        var out = ""
        func line(_ cells: [String]) {
            var text = pad
            for (c, cell) in cells.enumerated() where c < widths.count {
                let gap = widths[c] - DisplayWidth.of(cell)
                let last = c == cells.count - 1 || c == widths.count - 1
                if rightAligned.contains(c) {
                    text += String(repeating: " ", count: gap) + cell
                } else {
                    text += cell + (last ? "" : String(repeating: " ", count: gap))
                }
                if !last { text += "  " }
            }
            while text.hasSuffix(" ") { text.removeLast() }
            out += text + "\n"
        }
        line(headers)
        for row in rows { line(row) }
        return out
    }
}

/// Terminal columns a string takes (TerminalUI's width rules, so the CLI and dashboard agree).
enum DisplayWidth {
    static func of(_ text: String) -> Int { TextWidth.of(text) }
}
