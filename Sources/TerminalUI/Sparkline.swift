/// A bar chart of a series in block glyphs ▁▂▃▄▅▆▇█; the newest values are on the right.
public struct Sparkline: Widget, Sendable {
    public var data: [Int]
    /// Value of a full bar; nil uses the largest visible value.
    public var max: Int?
    public var style: Style

    public static let bars: [String] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    public init(_ data: [Int], max: Int? = nil, style: Style = .plain) {
        self.data = data
        self.max = max
        self.style = style
    }

    public func render(into buffer: inout Buffer, area: Rect) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty, !data.isEmpty else { return }
        let shown = data.suffix(area.width)
        let top = Swift.max(1, self.max ?? shown.max() ?? 1)
        let levels = area.height * 8
        let cells = Sparkline.bars.map { Cell($0, style: style) }
        for (column, value) in shown.enumerated() {
            // Eighths of a row; any positive value shows at least ▁.
            let clamped = Swift.min(Swift.max(value, 0), top)
            var eighths = clamped * levels / top
            if clamped > 0 && eighths == 0 { eighths = 1 }
            for row in 0..<area.height {
                let y = area.bottom - 1 - row
                let inRow = Swift.min(8, Swift.max(0, eighths - row * 8))
                buffer.fill(Rect(x: area.x + column, y: y, width: 1, height: 1), with: cells[inRow])
            }
        }
    }
}
