/// One terminal column: a grapheme cluster and its style.
///
/// A wide character (CJK, emoji) lives in the cell where it starts; the cell to its right is a
/// continuation cell with an empty symbol, which backends skip.
public struct Cell: Sendable, Hashable {
    /// One grapheme cluster, or "" for the right half of a wide character.
    /// Short clusters fit Swift's inline small-string storage, so cells rarely allocate.
    public var symbol: String
    public var style: Style

    public init(_ symbol: String = " ", style: Style = .plain) {
        self.symbol = symbol
        self.style = style
    }

    public static let blank = Cell()

    /// True for the right half of a wide character.
    public var isContinuation: Bool { symbol.isEmpty }
}

extension Cell: CustomStringConvertible {
    public var description: String { isContinuation ? "<cont>" : "\(symbol.debugDescription)" }
}
