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
        var column = x
        var overflowed = false
        var consumed = 0  // UTF-8 bytes handled by the ASCII fast path
        let base = y * width

        // Fast path: a run of ASCII bytes, one cell each (controls map to their pictures).
        // Looks at no more bytes than fit, so a megabyte string costs what a line costs.
        let fastDone: Bool = string.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            var run = 0
            let scanLimit = Swift.min(bytes.count, available + 1)
            while run < scanLimit && bytes[run] < 0x80 { run += 1 }
            let complete = run == bytes.count
            if run > available { overflowed = true }
            // An ASCII letter may take the combining marks that follow it: leave it to the slow path.
            if !complete && !overflowed && run > 0 { run -= 1 }
            writeASCII(bytes, count: Swift.min(run, available), style: style, at: base + x, x: x)
            consumed = Swift.min(run, available)
            column = x + consumed
            return complete || overflowed
        } ?? false

        if !fastDone {
            let utf8 = string.utf8
            let start = utf8.index(utf8.startIndex, offsetBy: consumed)
            for character in string[start...] {
                if Buffer.isSafe(character) {
                    let w = TextWidth.of(character)
                    if w == 0 { continue }
                    if column + w > limit { overflowed = true; break }
                    put(Buffer.symbol(character), width: w, style: style, at: base + column, x: column)
                    column += w
                } else {
                    // The defensive guard: a cluster holding a control or bidi scalar is written
                    // scalar by scalar, each made visible as the sanitizer would.
                    for scalar in character.unicodeScalars {
                        let safe = Sanitizer.replacement(for: scalar) ?? scalar
                        let w = TextWidth.of(safe)
                        if w == 0 { continue }
                        if column + w > limit { overflowed = true; break }
                        put(String(Character(safe)), width: w, style: style, at: base + column, x: column)
                        column += w
                    }
                    if overflowed { break }
                }
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
        if line.spans.count == 1 && (line.alignment == .left || maxWidth == .max) {
            // The common case (a table cell): no need to measure the line first.
            return set(x, y, line.spans[0].text, style: line.spans[0].style, maxWidth: maxWidth, overflow: overflow)
        }
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

    /// Sets every cell of `rect` (clipped to the buffer) to `cell`; a wide symbol fills with blanks.
    public mutating func fill(_ rect: Rect, with cell: Cell = .blank) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        let fill = TextWidth.of(cell.symbol) == 1 ? cell : Cell(" ", style: cell.style)
        for y in r.top..<r.bottom {
            let start = y * width + r.left, end = y * width + r.right
            // Only the edges can cut a wide character: repair them, then assign the run.
            if cells[start].isContinuation && r.left > 0 { cells[start - 1].symbol = " " }
            if r.right < width && cells[end].isContinuation { cells[end].symbol = " " }
            for i in start..<end { cells[i] = fill }
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

    /// Rewrites every cell's symbol (continuation cells pass "") and keeps styles and the
    /// grid: a character set fallback that must not move anything.
    public mutating func mapSymbols(_ transform: (String) -> String) {
        for i in cells.indices { cells[i].symbol = transform(cells[i].symbol) }
    }

    /// Writes one cell, keeping wide characters whole. Prefer `set` for text.
    public mutating func setCell(_ x: Int, _ y: Int, _ cell: Cell) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        set(x, y, cell.symbol, style: cell.style, maxWidth: 2)
    }

    /// Writes `count` ASCII bytes as cells from index `i`. Only the run's edges can cut a
    /// wide character, so they alone are repaired.
    @inline(__always)
    private mutating func writeASCII(_ bytes: UnsafeBufferPointer<UInt8>, count: Int, style: Style, at i: Int, x: Int) {
        guard count > 0 else { return }
        let symbols = Buffer.asciiSymbols
        let rowEnd = i - x + width
        cells.withUnsafeMutableBufferPointer { cells in
            if cells[i].isContinuation && x > 0 { cells[i - 1].symbol = " " }
            if i + count < rowEnd && cells[i + count].isContinuation { cells[i + count].symbol = " " }
            for k in 0..<count { cells[i + k] = Cell(symbols[Int(bytes[k])], style: style) }
        }
    }

    /// The cell symbol for a cluster. Abusive clusters (thousands of stacked marks) keep only
    /// their first scalars, so a cell stays small; terminals show no more than that anyway.
    @inline(__always)
    static func symbol(_ character: Character) -> String {
        let symbol = String(character)
        guard symbol.utf8.count > 64 else { return symbol }
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: character.unicodeScalars.prefix(8))
        return String(kept)
    }

    @inline(__always)
    static func isSafe(_ character: Character) -> Bool {
        for scalar in character.unicodeScalars where Sanitizer.replacement(for: scalar) != nil { return false }
        return true
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
