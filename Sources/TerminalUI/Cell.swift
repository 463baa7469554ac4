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

extension Cell {
    /// Byte-wise equality, cheaper than String's canonical-equivalence comparison on every cell
    /// of every frame diff. Two spellings of the same glyph count as a change (one redraw).
    public static func == (lhs: Cell, rhs: Cell) -> Bool {
        lhs.style == rhs.style && Cell.sameSymbol(lhs.symbol, rhs.symbol)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(style)
        for byte in symbol.utf8 { hasher.combine(byte) }
    }

    @inline(__always)
    static func sameSymbol(_ a: String, _ b: String) -> Bool {
        // Identical representation (same inline bytes, or same storage) means equal: the
        // usual case in a diff, decided without looking at the text.
        if MemoryLayout<String>.size == 16,
           unsafeBitCast(a, to: (UInt64, UInt64).self) == unsafeBitCast(b, to: (UInt64, UInt64).self) {
            return true
        }
        return a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
    }
}

extension Cell: CustomStringConvertible {
    public var description: String { isContinuation ? "<cont>" : "\(symbol.debugDescription)" }
}
