/// A centered modal box: title, body text, an optional text field and button hints
/// ("y revoke  n cancel"). It clears what is beneath it.
public struct Dialog: Widget, Sendable {
    public var title: String
    public var body: [Line]
    public var hints: [KeyHint]
    /// A field for typed confirmation (e.g. the agent's name), drawn above the hints.
    public var input: TextInput?
    public var inputPrompt: String
    /// Preferred outer width; the dialog never exceeds the area.
    public var width: Int
    public var style: Style
    public var borderStyle: Style
    public var keyStyle: Style

    public init(title: String, body: [Line], hints: [KeyHint] = [], input: TextInput? = nil,
                inputPrompt: String = "> ", width: Int = 60, style: Style = .plain,
                borderStyle: Style = .plain, keyStyle: Style = Style(bold: true)) {
        self.title = title
        self.body = body
        self.hints = hints
        self.input = input
        self.inputPrompt = inputPrompt
        self.width = width
        self.style = style
        self.borderStyle = borderStyle
        self.keyStyle = keyStyle
    }

    /// The rect the dialog takes within `area`.
    public func frame(in area: Rect) -> Rect {
        let outerWidth = min(area.width, max(width, 8))
        let textWidth = max(1, outerWidth - 4)
        let bodyLines = body.reduce(0) { $0 + Paragraph.wrap($1, width: textWidth).count }
        let extra = (input == nil ? 0 : 2) + (hints.isEmpty ? 0 : 2)
        return area.centered(width: outerWidth, height: bodyLines + extra + 2)
    }

    public func render(into buffer: inout Buffer, area: Rect) {
        let frame = frame(in: area.intersection(buffer.area))
        guard frame.width >= 4, frame.height >= 2 else { return }
        buffer.fill(frame, with: Cell(" ", style: style))
        let block = Block(title: Line(title, style: style.adding(.bold)), borderStyle: style.patched(with: borderStyle))
        block.render(into: &buffer, area: frame)
        let inner = block.inner(frame).inset(horizontal: 1, vertical: 0)
        var bottom = inner.bottom
        if !hints.isEmpty && inner.height > 0 {
            bottom -= 1
            StatusBar(hints: hints, keyStyle: keyStyle, style: style).render(into: &buffer, area: Rect(x: inner.x, y: bottom, width: inner.width, height: 1))
            bottom -= 1
        }
        if let input, bottom > inner.top {
            bottom -= 1
            input.render(into: &buffer, area: Rect(x: inner.x, y: bottom, width: inner.width, height: 1), prompt: inputPrompt, style: style)
            bottom -= 1
        }
        Paragraph(body, style: style).render(into: &buffer, area: Rect(x: inner.x, y: inner.y, width: inner.width, height: bottom - inner.y))
    }
}
