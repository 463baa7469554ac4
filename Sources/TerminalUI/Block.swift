/// Box-drawing characters for a border.
public struct BorderSet: Sendable, Hashable {
    public var topLeft, topRight, bottomLeft, bottomRight, horizontal, vertical: String

    public static let plain = BorderSet(topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
                                        horizontal: "─", vertical: "│")
    public static let rounded = BorderSet(topLeft: "╭", topRight: "╮", bottomLeft: "╰", bottomRight: "╯",
                                          horizontal: "─", vertical: "│")
    public static let double = BorderSet(topLeft: "╔", topRight: "╗", bottomLeft: "╚", bottomRight: "╝",
                                         horizontal: "═", vertical: "║")
}

/// A bordered box with an optional title on the top edge. Draw it, then draw content into `inner(area)`.
public struct Block: Widget, Sendable {
    public var title: Line?
    public var titleAlignment: Alignment
    public var borders: BorderSet
    public var borderStyle: Style
    /// Fill for the inside; nil leaves it untouched.
    public var background: Style?

    public init(title: Line? = nil, titleAlignment: Alignment = .left, borders: BorderSet = .plain,
                borderStyle: Style = .plain, background: Style? = nil) {
        self.title = title
        self.titleAlignment = titleAlignment
        self.borders = borders
        self.borderStyle = borderStyle
        self.background = background
    }

    /// The area inside the border.
    public func inner(_ area: Rect) -> Rect { area.inset(by: 1) }

    public func render(into buffer: inout Buffer, area: Rect) {
        let area = area.intersection(buffer.area)
        guard area.width >= 2, area.height >= 2 else { return }
        if let background { buffer.fill(inner(area), with: Cell(" ", style: background)) }
        let b = borders, s = borderStyle
        // Runs of one glyph go through `fill`, which measures the glyph once per run.
        let inside = Rect(x: area.left + 1, y: area.top, width: area.width - 2, height: 1)
        buffer.fill(inside, with: Cell(b.horizontal, style: s))
        buffer.fill(Rect(x: inside.x, y: area.bottom - 1, width: inside.width, height: 1), with: Cell(b.horizontal, style: s))
        let side = Rect(x: area.left, y: area.top + 1, width: 1, height: area.height - 2)
        buffer.fill(side, with: Cell(b.vertical, style: s))
        buffer.fill(Rect(x: area.right - 1, y: side.y, width: 1, height: side.height), with: Cell(b.vertical, style: s))
        buffer.set(area.left, area.top, b.topLeft, style: s)
        buffer.set(area.right - 1, area.top, b.topRight, style: s)
        buffer.set(area.left, area.bottom - 1, b.bottomLeft, style: s)
        buffer.set(area.right - 1, area.bottom - 1, b.bottomRight, style: s)
        if var title, area.width > 4 {
            // " Title " sits between the corners, one column in, cut with … when long.
            title.spans.insert(Span(" "), at: 0)
            title.spans.append(Span(" "))
            title.alignment = titleAlignment
            buffer.set(area.left + 1, area.top, line: title, maxWidth: area.width - 2, overflow: .ellipsis)
        }
    }
}
