/// One table cell: text and its own style.
public struct TableCell: Sendable, Hashable, ExpressibleByStringLiteral {
    public var text: String
    public var style: Style
    /// Shows the text's end when cut (an ID in a column of names); nil: as the column says.
    public var keepsEnd: Bool?

    public init(_ text: String, style: Style = .plain, keepsEnd: Bool? = nil) {
        self.text = text
        self.style = style
        self.keepsEnd = keepsEnd
    }

    public init(stringLiteral value: String) { self.init(value) }
}

/// One table row; `style` is under every cell's own style.
public struct TableRow: Sendable, Hashable {
    public var cells: [TableCell]
    public var style: Style

    public init(_ cells: [TableCell], style: Style = .plain) {
        self.cells = cells
        self.style = style
    }
}

/// A table column: header title, width constraint and alignment.
public struct TableColumn: Sendable, Hashable {
    public var title: String
    public var width: Constraint
    public var alignment: Alignment
    /// Which columns a narrow table keeps: lower numbers first (0 always, if anything fits).
    public var priority: Int
    /// An identifier: too long, it shows its end (`…/triage-bot/7f3a`), which is what tells
    /// identifiers apart, rather than its start.
    public var keepsEnd: Bool

    public init(_ title: String, width: Constraint = .fill, alignment: Alignment = .left, priority: Int = 0, keepsEnd: Bool = false) {
        self.title = title
        self.width = width
        self.alignment = alignment
        self.priority = priority
        self.keepsEnd = keepsEnd
    }

    /// The least room the column takes: its constraint, and never less than its title and a
    /// sort arrow (`DENIED/M ▼`).
    var minimum: Int {
        let title = TextWidth.of(self.title) + 2
        switch width {
        case .length(let n), .min(let n): return Swift.max(n, title)
        case .percentage, .fill: return title
        }
    }

    /// The constraint with the title's room included.
    var widened: Constraint {
        switch width {
        case .length: return .length(minimum)
        case .min: return .min(minimum)
        case .percentage, .fill: return width
        }
    }
}

/// A virtualized table: rows come from a closure that is called only for visible rows,
/// so a 100,000-row table costs what a screenful costs. Selection lives in a `TableState`.
public struct Table {
    public var columns: [TableColumn]
    public var rowCount: Int
    public var row: (Int) -> TableRow
    public var headerStyle: Style
    public var highlightStyle: Style
    /// Drawn before the selected row; other rows get as many blanks.
    public var highlightSymbol: String
    public var columnSpacing: Int
    /// The sorted column and direction, shown as ▲ or ▼ after its title.
    public var sort: (column: Int, ascending: Bool)?
    public var showsHeader: Bool

    public init(columns: [TableColumn], rowCount: Int, headerStyle: Style = Style(bold: true),
                highlightStyle: Style = Style(reverse: true), highlightSymbol: String = "",
                columnSpacing: Int = 1, sort: (column: Int, ascending: Bool)? = nil,
                showsHeader: Bool = true, row: @escaping (Int) -> TableRow) {
        self.columns = columns
        self.rowCount = max(0, rowCount)
        self.row = row
        self.headerStyle = headerStyle
        self.highlightStyle = highlightStyle
        self.highlightSymbol = highlightSymbol
        self.columnSpacing = columnSpacing
        self.sort = sort
        self.showsHeader = showsHeader
    }

    /// Rows given as plain strings.
    public init(columns: [TableColumn], rowCount: Int, sort: (column: Int, ascending: Bool)? = nil,
                strings: @escaping (Int) -> [String]) {
        self.init(columns: columns, rowCount: rowCount, sort: sort) { index in
            TableRow(strings(index).map { TableCell($0) })
        }
    }

    /// Rows that fit under the header in an area of `height` rows (for paging).
    public func bodyHeight(for height: Int) -> Int { max(0, height - (showsHeader ? 1 : 0)) }

    /// Column rects within `area` (excluding the highlight symbol gutter). A column that
    /// does not fit gets an empty rect: columns are taken by priority (ties left to right)
    /// while their minimums fit, so a narrow table drops whole columns of least use rather
    /// than cutting the last ones to nothing.
    ///
    /// With `rows` (the rows on screen), a `.min` column grows to its widest text before any
    /// room goes to `.fill` columns, by priority: a name or ID is not cut while free text
    /// beside it has room.
    public func columnAreas(in area: Rect, rows: Range<Int>? = nil) -> [Rect] {
        columnAreas(in: area, built: rows.map { $0.map(row) } ?? [])
    }

    /// The same, from rows already built (a row is built once per frame).
    func columnAreas(in area: Rect, built rows: [TableRow]) -> [Rect] {
        let gutter = min(area.width, TextWidth.of(highlightSymbol))
        let rest = Rect(x: area.x + gutter, y: area.y, width: area.width - gutter, height: area.height)
        let shown = Table.shownColumns(columns, width: rest.width, spacing: columnSpacing)
        let kept = columns.indices.filter { shown[$0] }
        var constraints = kept.map { columns[$0].widened }
        if !rows.isEmpty {
            var content = columns.map { _ in 0 }
            for r in rows {
                for (i, cell) in r.cells.enumerated() where i < content.count && shown[i] {
                    if case .min = columns[i].width { content[i] = max(content[i], TextWidth.of(cell.text)) }
                }
            }
            var left = rest.width - kept.reduce(0) { $0 + columns[$1].minimum } - columnSpacing * max(0, kept.count - 1)
            // Free text keeps some room to be read.
            let fills = kept.filter { columns[$0].width == .fill }
            if !fills.isEmpty { left -= min(max(0, left), max(0, Table.fillReserve - fills.reduce(0) { $0 + columns[$1].minimum })) }
            for k in kept.indices.sorted(by: { (columns[kept[$0]].priority, $0) < (columns[kept[$1]].priority, $1) }) where left > 0 {
                guard case .min(let n) = constraints[k] else { continue }
                let grow = min(left, max(0, content[kept[k]] - n))
                constraints[k] = .min(n + grow)
                left -= grow
            }
        }
        let parts = rest.split(.horizontal, constraints, spacing: columnSpacing)
        var areas = columns.map { _ in Rect(x: rest.x, y: rest.y, width: 0, height: rest.height) }
        for (k, i) in kept.enumerated() { areas[i] = parts[k] }
        return areas
    }

    /// Room a `.fill` column keeps before `.min` columns grow to their content.
    static let fillReserve = 12

    /// Which columns fit in `width`, taken by priority while their minimums fit.
    static func shownColumns(_ columns: [TableColumn], width: Int, spacing: Int) -> [Bool] {
        var shown = columns.map { _ in false }
        var used = 0
        let order = columns.indices.sorted { (columns[$0].priority, $0) < (columns[$1].priority, $1) }
        for i in order {
            let need = columns[i].minimum + (used == 0 ? 0 : spacing)
            if used + need <= width || used == 0 {
                shown[i] = true
                used += need
            }
        }
        return shown
    }

    public func render(into buffer: inout Buffer, area: Rect, state: inout TableState) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        let gutter = min(area.width, TextWidth.of(highlightSymbol))
        var y = area.top
        let visible = state.scrollToSelection(count: rowCount, height: area.bottom - y - (showsHeader ? 1 : 0))
        let built = visible.map(row)
        let columnAreas = columnAreas(in: area, built: built)
        if showsHeader {
            buffer.fill(area.row(0), with: Cell(" ", style: headerStyle))
            for (index, column) in columns.enumerated() {
                var title = column.title
                if let sort, sort.column == index { title += sort.ascending ? " ▲" : " ▼" }
                draw(title, style: headerStyle, in: columnAreas[index], y: y, alignment: column.alignment, keepsEnd: false, into: &buffer)
            }
            y += 1
        }
        for (index, row) in zip(visible, built) {
            let selected = index == state.selected
            let rowStyle = selected ? row.style.patched(with: highlightStyle) : row.style
            buffer.fill(Rect(x: area.x, y: y, width: area.width, height: 1), with: Cell(" ", style: rowStyle))
            if gutter > 0 && selected {
                buffer.set(area.x, y, highlightSymbol, style: rowStyle, maxWidth: gutter)
            }
            for (column, cell) in zip(columns.indices, row.cells) {
                let style = selected ? row.style.patched(with: cell.style).patched(with: highlightStyle)
                                     : row.style.patched(with: cell.style)
                draw(cell.text, style: style, in: columnAreas[column], y: y, alignment: columns[column].alignment,
                     keepsEnd: cell.keepsEnd ?? columns[column].keepsEnd, into: &buffer)
            }
            y += 1
        }
    }

    private func draw(_ text: String, style: Style, in column: Rect, y: Int, alignment: Alignment, keepsEnd: Bool, into buffer: inout Buffer) {
        guard column.width > 0 else { return }
        let shown = keepsEnd ? TextWidth.keepingEnd(Sanitizer.clean(text), width: column.width) : text

        buffer.set(column.x, y, line: Line(shown, style: style, alignment: alignment), maxWidth: column.width, overflow: .ellipsis)
    }
}
