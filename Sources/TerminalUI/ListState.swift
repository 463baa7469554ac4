/// Selection and scroll of a list, table or tree, kept outside the widget (ratatui's `ListState`)
/// so it survives frames. Rendering keeps the selection visible.
public struct ListState: Sendable, Hashable {
    /// The selected row, if any.
    public var selected: Int?
    /// The first visible row.
    public var offset: Int

    public init(selected: Int? = 0, offset: Int = 0) {
        self.selected = selected
        self.offset = offset
    }

    public mutating func select(_ index: Int?) { selected = index }

    /// Moves the selection by `delta` rows within `0..<count` (no wrap-around).
    public mutating func move(by delta: Int, count: Int) {
        guard count > 0 else { selected = nil; return }
        let current = selected ?? (delta >= 0 ? -1 : count)
        selected = Swift.min(Swift.max(current + delta, 0), count - 1)
    }

    public mutating func next(count: Int) { move(by: 1, count: count) }
    public mutating func previous(count: Int) { move(by: -1, count: count) }
    public mutating func pageDown(count: Int, pageSize: Int) { move(by: Swift.max(1, pageSize), count: count) }
    public mutating func pageUp(count: Int, pageSize: Int) { move(by: -Swift.max(1, pageSize), count: count) }
    public mutating func first(count: Int) { selected = count > 0 ? 0 : nil }
    public mutating func last(count: Int) { selected = count > 0 ? count - 1 : nil }

    /// Clamps the selection to `count` rows and scrolls so it is within a `height`-row window.
    /// Returns the visible row range.
    @discardableResult
    public mutating func scrollToSelection(count: Int, height: Int) -> Range<Int> {
        guard count > 0, height > 0 else {
            if count == 0 { selected = nil }
            offset = 0
            return 0..<0
        }
        if let s = selected { selected = Swift.min(Swift.max(s, 0), count - 1) }
        if let s = selected {
            if s < offset { offset = s }
            if s >= offset + height { offset = s - height + 1 }
        }
        offset = Swift.max(0, Swift.min(offset, count - height))
        return offset..<Swift.min(count, offset + height)
    }
}

public typealias TableState = ListState
public typealias TreeState = ListState
