/// One cell to redraw.
public struct CellChange: Sendable, Hashable {
    public var x: Int
    public var y: Int
    public var cell: Cell

    public init(x: Int, y: Int, cell: Cell) {
        self.x = x
        self.y = y
        self.cell = cell
    }
}

extension Buffer {
    /// The cells that differ from `previous`, in row-major order (ratatui's `Buffer::diff`).
    ///
    /// Continuation cells are never listed: drawing a wide character covers its right half.
    /// Because writes keep wide characters whole (a cut half becomes a blank), replacing a wide
    /// character by narrow ones lists every cell it used to cover. A size change lists every cell.
    public func diff(from previous: Buffer) -> [CellChange] {
        var changes: [CellChange] = []
        let sameSize = previous.width == width && previous.height == height
        cells.withUnsafeBufferPointer { current in
            previous.cells.withUnsafeBufferPointer { old in
                for i in 0..<current.count {
                    let cell = current[i]
                    if cell.isContinuation { continue }
                    if sameSize && cell == old[i] { continue }
                    changes.append(CellChange(x: i % width, y: i / width, cell: cell))
                }
            }
        }
        return changes
    }
}
