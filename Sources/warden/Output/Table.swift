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

/// Terminal columns a string takes: combining marks take none, East Asian wide characters and
/// emoji take two. Enough for aligning columns of IDs, names and symbols.
enum DisplayWidth {
    static func of(_ text: String) -> Int {
        var width = 0
        for scalar in text.unicodeScalars { width += of(scalar) }
        return width
    }

    static func of(_ s: Unicode.Scalar) -> Int {
        let v = s.value
        if v < 0x300 { return 1 }
        switch s.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if v == 0x200B || (0xFE00...0xFE0F).contains(v) { return 0 }
        if s.properties.isEmojiPresentation { return 2 }
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}
