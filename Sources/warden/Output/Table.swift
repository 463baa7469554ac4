import TerminalUI

/// Aligned text columns. Every cell is sanitized; widths are computed from what is shown.
struct Table {
    var headers: [String]
    var rows: [[String]] = []
    /// Columns aligned right (numbers).
    var rightAligned: Set<Int> = []
    /// Free-text columns (names, scopes, explanations) that may be cut to fit a width; IDs and
    /// times are never cut: a cut ID is one that cannot be pasted back.
    var freeText: Set<Int> = []

    init(_ headers: [String], rightAligned: Set<Int> = [], freeText: Set<Int> = []) {
        self.headers = headers
        self.rightAligned = rightAligned
        self.freeText = freeText
    }

    mutating func add(_ cells: [String]) {
        rows.append(cells.map(TerminalText.safe))
    }

    /// Narrowest a free-text column is cut to (its header is cut with it).
    static let minimumFreeText = 8

    /// The table as lines, with `indent` spaces before each line and two spaces between columns.
    /// With a `width`, the widest free-text column is cut (with `…`) until the lines fit, or
    /// until every free-text column is at its minimum.
    func render(indent: Int = 0, width limit: Int? = nil) -> String {
        // Headers can carry stored text too (`agent show` puts the agent's name there).
        let headers = self.headers.map(TerminalText.safe)
        var widths = headers.map(DisplayWidth.of)
        for row in rows {
            for (c, cell) in row.enumerated() where c < widths.count {
                widths[c] = max(widths[c], DisplayWidth.of(cell))
            }
        }
        if let limit { widths = Self.fit(widths, freeText: freeText, room: limit - indent) }
        let pad = String(repeating: " ", count: indent)
        var out = ""
        func line(_ cells: [String]) {
            var text = pad
            for (c, raw) in cells.enumerated() where c < widths.count {
                let cell = DisplayWidth.of(raw) > widths[c] ? DisplayWidth.cut(raw, to: widths[c]) : raw
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

    /// Column widths that fit `room`: one column at a time, the widest free-text one loses a
    /// column of text, so the table keeps as much of every column as it can.
    static func fit(_ natural: [Int], freeText: Set<Int>, room: Int) -> [Int] {
        var widths = natural
        let floor = natural.map { min($0, minimumFreeText) }
        var total = widths.reduce(0, +) + 2 * max(0, widths.count - 1)
        while total > room {
            let cuttable = freeText.filter { $0 < widths.count && widths[$0] > floor[$0] }
            guard let widest = cuttable.max(by: { (widths[$0], $1) < (widths[$1], $0) }) else { break }
            widths[widest] -= 1
            total -= 1
        }
        return widths
    }
}

/// Terminal columns a string takes (TerminalUI's width rules, so the CLI and dashboard agree).
enum DisplayWidth {
    static func of(_ text: String) -> Int { TextWidth.of(text) }

    /// The longest start of `text` that fits `width - 1` columns, then `…`.
    static func cut(_ text: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        var out = ""
        var used = 0
        for ch in text {
            let w = TextWidth.of(ch)
            if used + w > width - 1 { break }
            out.append(ch)
            used += w
        }
        return out + "…"
    }
}
