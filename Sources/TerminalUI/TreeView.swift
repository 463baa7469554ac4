/// A tree drawn from flattened rows (see `TreeModel.flatten`) with guides and expand glyphs.
/// Only visible rows are drawn and only their labels are built.
public struct TreeView<ID: Hashable & Sendable> {
    public var rows: [TreeRow<ID>]
    public var label: (TreeRow<ID>) -> Line
    public var guideStyle: Style
    public var highlightStyle: Style

    public init(rows: [TreeRow<ID>], guideStyle: Style = Style(dim: true),
                highlightStyle: Style = Style(reverse: true), label: @escaping (TreeRow<ID>) -> Line) {
        self.rows = rows
        self.label = label
        self.guideStyle = guideStyle
        self.highlightStyle = highlightStyle
    }

    public func render(into buffer: inout Buffer, area: Rect, state: inout TreeState) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        let visible = state.scrollToSelection(count: rows.count, height: area.height)
        // Guides may use up to two thirds of the width, so labels stay readable when deep.
        let guideBudget = max(4, area.width * 2 / 3)
        for (line, index) in visible.enumerated() {
            let y = area.top + line
            let selected = index == state.selected
            buffer.fill(area.row(line), with: Cell(" ", style: selected ? highlightStyle : .plain))
            let prefix = TreeGuides.prefix(for: index, in: rows, maxWidth: guideBudget)
            let guide = selected ? guideStyle.patched(with: highlightStyle) : guideStyle
            let used = buffer.set(area.x, y, prefix, style: guide, maxWidth: area.width)
            var text = label(rows[index])
            if selected {
                text.spans = text.spans.map { Span($0.text, style: $0.style.patched(with: highlightStyle)) }
            }
            buffer.set(area.x + used, y, line: text, maxWidth: area.width - used, overflow: .ellipsis)
        }
    }
}
