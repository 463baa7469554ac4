/// A centered box listing key bindings in as many columns as fit, filled top to bottom.
public struct HelpOverlay: Widget, Sendable {
    public var title: String
    public var entries: [KeyHint]
    public var keyStyle: Style
    public var style: Style

    public init(title: String = "Help", entries: [KeyHint], keyStyle: Style = Style(bold: true), style: Style = .plain) {
        self.title = title
        self.entries = entries
        self.keyStyle = keyStyle
        self.style = style
    }

    public func render(into buffer: inout Buffer, area: Rect) {
        let area = area.intersection(buffer.area)
        guard area.width >= 6, area.height >= 3, !entries.isEmpty else { return }
        let keyWidth = entries.map { TextWidth.of($0.key) }.max() ?? 0
        let descriptionWidth = entries.map { TextWidth.of($0.description) }.max() ?? 0
        let entryWidth = keyWidth + 2 + descriptionWidth
        let gap = 3
        let maxInner = area.width - 4
        let columns = max(1, min(entries.count, (maxInner + gap) / (entryWidth + gap)))
        let rows = (entries.count + columns - 1) / columns
        let innerWidth = min(maxInner, columns * entryWidth + (columns - 1) * gap)
        let frame = area.centered(width: innerWidth + 4, height: rows + 2)
        buffer.fill(frame, with: Cell(" ", style: style))
        let block = Block(title: Line(title, style: style.adding(.bold)), borderStyle: style)
        block.render(into: &buffer, area: frame)
        let inner = block.inner(frame).inset(horizontal: 1, vertical: 0)
        let columnWidth = columns == 1 ? inner.width : entryWidth
        for (index, entry) in entries.enumerated() {
            let column = index / rows, row = index % rows
            let x = inner.x + column * (entryWidth + gap), y = inner.y + row
            guard y < inner.bottom, x < inner.right else { continue }
            let room = min(columnWidth, inner.right - x)
            buffer.set(x, y, entry.key, style: style.patched(with: keyStyle), maxWidth: room)
            let descriptionX = x + keyWidth + 2
            if descriptionX < x + room {
                buffer.set(descriptionX, y, entry.description, style: style, maxWidth: x + room - descriptionX, overflow: .ellipsis)
            }
        }
    }
}
