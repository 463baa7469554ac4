/// A one-line progress bar with a centered label, e.g. a credential's remaining lifetime.
public struct Gauge: Widget, Sendable {
    /// 0…1; values outside are clamped.
    public var fraction: Double
    public var label: String
    /// Style of the filled part (reverse by default, so it reads in monochrome too).
    public var filledStyle: Style
    public var emptyStyle: Style

    public init(fraction: Double, label: String = "", filledStyle: Style = Style(reverse: true),
                emptyStyle: Style = .plain) {
        self.fraction = fraction.isNaN ? 0 : min(1, max(0, fraction))
        self.label = label
        self.filledStyle = filledStyle
        self.emptyStyle = emptyStyle
    }

    public func render(into buffer: inout Buffer, area: Rect) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        let filled = Int((Double(area.width) * fraction).rounded())
        let y = area.top + (area.height - 1) / 2
        buffer.fill(Rect(x: area.x, y: y, width: filled, height: 1), with: Cell(" ", style: filledStyle))
        buffer.fill(Rect(x: area.x + filled, y: y, width: area.width - filled, height: 1), with: Cell(" ", style: emptyStyle))
        let labelWidth = min(TextWidth.of(label), area.width)
        let start = area.x + (area.width - labelWidth) / 2
        // Draw the label once, then give each of its cells the style of the bar beneath it.
        buffer.set(start, y, label, style: emptyStyle, maxWidth: area.width - (start - area.x), overflow: .ellipsis)
        buffer.setStyle(Rect(x: start, y: y, width: max(0, min(labelWidth, area.x + filled - start)), height: 1), filledStyle)
    }

    /// A compact duration such as `45s`, `4m12s`, `3h05m` or `2d04h` (negative → `expired`).
    public static func durationLabel(seconds: Int) -> String {
        if seconds < 0 { return "expired" }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m\(two(seconds % 60))s"
        case ..<86400: return "\(seconds / 3600)h\(two(seconds % 3600 / 60))m"
        default: return "\(seconds / 86400)d\(two(seconds % 86400 / 3600))h"
        }
    }
}
