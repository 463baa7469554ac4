/// How text that does not fit is cut.
public enum Overflow: Sendable, Hashable {
    /// Cut at the last whole grapheme that fits.
    case clip
    /// Cut and end with `…` in the last column.
    case ellipsis
}

/// A width × height grid of cells in one flat array: what a frame looks like before it
/// reaches a terminal. Widgets draw into it; backends draw its diff.
public struct Buffer: Sendable, Hashable {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int, fill: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = Array(repeating: fill, count: self.width * self.height)
    }

    /// A buffer holding these lines (padded with blanks to the widest one); for tests.
    public init(lines: [String], style: Style = .plain) {
        let width = lines.map { TextWidth.of($0) }.max() ?? 0
        self.init(width: width, height: lines.count)
        for (y, line) in lines.enumerated() { set(0, y, line, style: style) }
    }

    /// The whole buffer as a rect at the origin.
    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "cell (\(x), \(y)) outside \(width)×\(height)")
        return cells[y * width + x]
    }

    /// Text of each row (continuation cells contribute nothing); for tests and snapshots.
    public var lines: [String] {
        (0..<height).map { y in
            var line = ""
            for cell in cells[(y * width)..<(y * width + width)] { line += cell.symbol }
            return line
        }
    }

    // MARK: Writing

    /// Writes `string` at (x, y) within `maxWidth` columns (and the buffer), returning the
    /// columns used. Control and bidi scalars are defensively made visible (see `Sanitizer`);
    /// zero-width clusters are dropped; a wide character that does not fit is not written.
    @discardableResult
    public mutating func set(_ x: Int, _ y: Int, _ string: String, style: Style = .plain,
                             maxWidth: Int = .max, overflow: Overflow = .clip) -> Int {
        guard y >= 0, y < height, x >= 0, x < width, maxWidth > 0 else { return 0 }
        let limit = maxWidth >= width - x ? width : x + maxWidth
        let available = limit - x
        // The guard: cheap for ASCII (one byte loop); the cap bounds work on huge strings.
        let text = Sanitizer.isClean(string) ? string : Sanitizer.clean(string, maxScalars: available &* 8 &+ 8)
        var column = x
        var overflowed = false
        var consumed = 0  // UTF-8 bytes handled by the ASCII fast path
        let base = y * width

        let fastDone: Bool = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            while consumed < bytes.count {
                let byte = bytes[consumed]
                if byte >= 0x80 { return false }
                if column >= limit { overflowed = true; return true }
                put(Buffer.asciiSymbols[Int(byte)], width: 1, style: style, at: base + column, x: column)
                column += 1
                consumed += 1
            }
            return true
        } ?? false

        if !fastDone {
            // An ASCII letter may take the combining marks that follow it: back up one.
            if consumed > 0 { consumed -= 1; column -= 1 }
            let utf8 = text.utf8
            let start = utf8.index(utf8.startIndex, offsetBy: consumed)
            for character in text[start...] {
                let w = TextWidth.of(character)
                if w == 0 { continue }
                if column + w > limit { overflowed = true; break }
                put(String(character), width: w, style: style, at: base + column, x: column)
                column += w
            }
        }

        if overflowed && overflow == .ellipsis {
            // The last column becomes `…`; if it holds the right half of a wide
            // character, that character gives way and its right half is blanked.
            var at = limit - 1
            if cells[base + at].isContinuation && at > x {
                put(" ", width: 1, style: style, at: base + at, x: at)
                at -= 1
            }
            put("…", width: 1, style: style, at: base + at, x: at)
            column = limit
        }
        return column - x
    }

    /// Writes a line of spans, returning the columns used. With a finite `maxWidth`, the line's
    /// alignment places it within those columns.
    @discardableResult
    public mutating func set(_ x: Int, _ y: Int, line: Line, maxWidth: Int = .max, overflow: Overflow = .clip) -> Int {
        guard y >= 0, y < height, x >= 0, x < width, maxWidth > 0 else { return 0 }
        var room = Swift.min(maxWidth, width - x)
        var column = x
        let aligned = line.alignment != .left && maxWidth != .max
        let lineWidth = aligned || overflow == .ellipsis ? line.width : 0
        if aligned && lineWidth < room {
            let pad = line.alignment == .right ? room - lineWidth : (room - lineWidth) / 2
            column += pad
            room -= pad
        }
        let truncating = overflow == .ellipsis && lineWidth > room
        for span in line.spans where room > 0 {
            if truncating && span.width >= room {
                // This span reaches the edge: cut it one short and mark the cut.
                let used = set(column, y, span.text, style: span.style, maxWidth: room - 1)
                column += used
                column += set(column, y, "…", style: span.style, maxWidth: 1)
                break
            }
            let used = set(column, y, span.text, style: span.style, maxWidth: room)
            column += used
            room -= used
        }
        return column - x
    }

    /// Sets every cell of `rect` (clipped to the buffer) to `cell`.
    public mutating func fill(_ rect: Rect, with cell: Cell = .blank) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        let w = TextWidth.of(cell.symbol)
        if w == 1 {
            for y in r.top..<r.bottom {
                for x in r.left..<r.right { put(cell.symbol, width: 1, style: cell.style, at: y * width + x, x: x) }
            }
        } else {
            for y in r.top..<r.bottom {
                for x in r.left..<r.right { put(" ", width: 1, style: cell.style, at: y * width + x, x: x) }
            }
        }
    }

    /// Patches the style of every cell in `rect` (see `Style.patched(with:)`); text is kept.
    public mutating func setStyle(_ rect: Rect, _ style: Style) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        for y in r.top..<r.bottom {
            for x in r.left..<r.right {
                cells[y * width + x].style = cells[y * width + x].style.patched(with: style)
            }
        }
    }

    /// Writes one cell, keeping wide characters whole. Prefer `set` for text.
    public mutating func setCell(_ x: Int, _ y: Int, _ cell: Cell) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        set(x, y, cell.symbol, style: cell.style, maxWidth: 2)
    }

    /// Stores a cell and repairs any wide character it cuts in half, so a continuation
    /// cell always follows a wide one and nothing else.
    @inline(__always)
    private mutating func put(_ symbol: String, width w: Int, style: Style, at i: Int, x: Int) {
        if cells[i].isContinuation && x > 0 {
            cells[i - 1].symbol = " "  // we overwrite the right half of a wide char
        }
        cells[i] = Cell(symbol, style: style)
        let next = x + 1
        guard next < width else { return }
        if w == 2 {
            // The next cell becomes our right half; if it was the left half of another wide
            // character, that one's right half is now orphaned.
            if next + 1 < width && cells[i + 2].isContinuation { cells[i + 2].symbol = " " }
            cells[i + 1] = Cell("", style: style)
        } else if cells[i + 1].isContinuation {
            cells[i + 1].symbol = " "  // we replaced the left half of a wide char
        }
    }

    /// Symbols for ASCII bytes, shared so the hot path never builds a String per cell.
    /// Controls map to their Control Pictures, matching `Sanitizer`.
    static let asciiSymbols: [String] = (0..<128).map { byte in
        if let picture = Sanitizer.replacement(for: Unicode.Scalar(UInt8(byte))) {
            return String(Character(picture))
        }
        return String(Character(Unicode.Scalar(UInt8(byte))))
    }
}

extension Buffer: CustomStringConvertible {
    /// The rows joined by newlines.
    public var description: String { lines.joined(separator: "\n") }
}
