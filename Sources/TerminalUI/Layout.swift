/// How much room a segment of a split wants.
public enum Constraint: Sendable, Hashable {
    /// Exactly `n` cells (less only if the area is too small).
    case length(Int)
    /// At least `n` cells; grows to take leftover room when no `.fill` segment exists.
    case min(Int)
    /// `p` percent of the total.
    case percentage(Int)
    /// An equal share of whatever the other segments leave.
    case fill
}

public enum Direction: Sendable, Hashable {
    case vertical
    case horizontal
}

/// Constraint layout: split a rect into segments along one direction.
///
/// Rules, in order: lengths, minimums and percentages take their size; leftover room goes to
/// `.fill` segments in equal shares (earlier ones get the remainder), or else to `.min`
/// segments, or else stays unused at the end. When the sizes overflow the area, segments are
/// shrunk from the last one backwards, so the first segments (headers) keep their size.
public enum Layout {
    public static func sizes(total: Int, constraints: [Constraint], spacing: Int = 0) -> [Int] {
        let count = constraints.count
        guard count > 0 else { return [] }
        let gaps = max(0, spacing) * (count - 1)
        let room = max(0, total - gaps)
        var sizes = constraints.map { constraint -> Int in
            switch constraint {
            case .length(let n), .min(let n): return max(0, n)
            case .percentage(let p): return room * max(0, Swift.min(p, 100)) / 100
            case .fill: return 0
            }
        }
        var leftover = room - sizes.reduce(0, +)
        if leftover > 0 {
            var growable = constraints.indices.filter { constraints[$0] == .fill }
            if growable.isEmpty {
                growable = constraints.indices.filter { if case .min = constraints[$0] { return true } else { return false } }
            }
            if !growable.isEmpty {
                let share = leftover / growable.count
                var extra = leftover % growable.count
                for i in growable {
                    sizes[i] += share + (extra > 0 ? 1 : 0)
                    extra -= 1
                }
                leftover = 0
            }
        } else if leftover < 0 {
            var excess = -leftover
            for i in sizes.indices.reversed() where excess > 0 {
                let cut = Swift.min(sizes[i], excess)
                sizes[i] -= cut
                excess -= cut
            }
        }
        return sizes
    }
}

extension Rect {
    /// Segments of this rect, one per constraint, separated by `spacing` cells.
    public func split(_ direction: Direction, _ constraints: [Constraint], spacing: Int = 0) -> [Rect] {
        let total = direction == .vertical ? height : width
        var position = direction == .vertical ? y : x
        var result: [Rect] = []
        result.reserveCapacity(constraints.count)
        for size in Layout.sizes(total: total, constraints: constraints, spacing: spacing) {
            // Gaps are skipped only where there is room left, so segments never leave the rect.
            let limit = direction == .vertical ? bottom : right
            let start = Swift.min(position, limit)
            let length = Swift.min(size, limit - start)
            switch direction {
            case .vertical: result.append(Rect(x: x, y: start, width: width, height: length))
            case .horizontal: result.append(Rect(x: start, y: y, width: length, height: height))
            }
            position = start + length + Swift.max(0, spacing)
        }
        return result
    }
}
