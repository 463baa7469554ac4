/// The footer: key hints on the left ("q quit  ? help"), optional text on the right.
/// Hints that do not fit are dropped whole rather than cut mid-word.
public struct StatusBar: Widget, Sendable {
    public var hints: [KeyHint]
    public var right: Line?
    public var keyStyle: Style
    public var descriptionStyle: Style
    /// Background of the whole row.
    public var style: Style

    public init(hints: [KeyHint], right: Line? = nil, keyStyle: Style = Style(bold: true),
                descriptionStyle: Style = .plain, style: Style = .plain) {
        self.hints = hints
        self.right = right
        self.keyStyle = keyStyle
        self.descriptionStyle = descriptionStyle
        self.style = style
    }

    public func render(into buffer: inout Buffer, area: Rect) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        let row = area.row(0)
        buffer.fill(row, with: Cell(" ", style: style))
        var end = row.right
        if let right {
            // The right text gets at most half the row, and keeps one blank before it.
            let w = min(right.width, row.width / 2)
            if w > 0 {
                buffer.set(row.right - w, row.y, line: right, maxWidth: w, overflow: .ellipsis)
                end = row.right - w - 1
            }
        }
        var x = row.x
        for (index, hint) in hints.enumerated() {
            let gap = index == 0 ? 0 : 2
            let room = end - x - gap
            if hint.width > room {
                if index == 0 && room > 0 {
                    // Not even one hint fits: show what does, marked as cut.
                    let line = Line([Span(hint.key, style: style.patched(with: keyStyle)), Span(" "),
                                     Span(hint.description, style: style.patched(with: descriptionStyle))])
                    buffer.set(x, row.y, line: line, maxWidth: room, overflow: .ellipsis)
                }
                break
            }
            x += gap
            x += buffer.set(x, row.y, hint.key, style: style.patched(with: keyStyle))
            x += 1
            x += buffer.set(x, row.y, hint.description, style: style.patched(with: descriptionStyle))
        }
    }
}
