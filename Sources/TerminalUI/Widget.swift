/// Something that draws itself into part of a buffer. Widgets are values built for each frame;
/// state that outlives a frame (selection, scroll) lives outside them, as in ratatui.
/// Every widget clips to `area` and never writes outside it.
public protocol Widget {
    func render(into buffer: inout Buffer, area: Rect)
}

extension Buffer {
    /// Draws `widget` into `area` (defaults to the whole buffer).
    public mutating func render(_ widget: some Widget, area: Rect? = nil) {
        widget.render(into: &self, area: (area ?? self.area).intersection(self.area))
    }
}
