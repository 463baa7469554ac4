import TerminalUI
import WardenCore

/// Builds each view's visible rows from the snapshot, filter and sort, through the view's
/// descriptor. Runs when those change, not per frame.
enum RowBuilder {
    /// Rebuilds the view on screen now; the others when they are next shown (a live store
    /// changes calls many times a second, and the Calls rows need not follow while unseen).
    static func rebuildOrDefer(_ s: inout DashboardState, _ v: ViewKind) {
        if v == s.view { rebuild(&s, v) } else { s.staleViews.insert(v) }
    }

    static func rebuild(_ s: inout DashboardState, _ v: ViewKind) {
        s.staleViews.remove(v)
        v.descriptor.buildRows(&s, filter: Filter(s.filters[v] ?? ""), sort: s.sort(v))
        restoreSelection(&s, v)
    }

    static func rebuildAll(_ s: inout DashboardState) {
        for v in ViewKind.allCases { rebuild(&s, v) }
    }

    /// Whether a view's rows (their set, order or filter text) depend on these parts.
    static func depends(_ s: DashboardState, _ v: ViewKind, on parts: SnapshotParts) -> Bool {
        parts.contains(.structure) || v.descriptor.depends(s, on: parts)
    }

    /// Stable sort by a key, ties keep the incoming order.
    static func sorted(_ rows: [Int], _ sort: SortState, key: (Int) -> SortKey) -> [Int] {
        // Numbers (most columns) go through a radix sort; text through a comparison sort.
        var numbers: [Int64] = []
        numbers.reserveCapacity(rows.count)
        for r in rows {
            guard case .number(let x) = key(r) else { break }
            numbers.append(x)
        }
        if numbers.count == rows.count { return RadixSort.order(rows, keys: numbers, descending: !sort.ascending) }
        let keyed = rows.enumerated().map { (key($0.element), $0.offset, $0.element) }
        return keyed.sorted { a, b in
            if a.0 != b.0 { return sort.ascending ? a.0 < b.0 : b.0 < a.0 }
            return a.1 < b.1
        }.map(\.2)
    }

    /// Puts the selection back on the item it was on, wherever that row went.
    static func restoreSelection(_ s: inout DashboardState, _ v: ViewKind) {
        let d = v.descriptor
        var list = s.list(v)
        let count = d.rowCount(s)
        if let key = s.selectedKeys[v], let sel = list.selected, sel < count, d.rowKey(s, sel) == key {
            // Still in place: the common case costs nothing.
        } else if let key = s.selectedKeys[v], let row = d.row(s, key: key) {
            list.selected = row
        } else if count == 0 {
            list.selected = nil
        } else {
            list.selected = min(max(list.selected ?? 0, 0), count - 1)
        }
        s.lists[v] = list
        if let row = list.selected { s.selectedKeys[v] = d.rowKey(s, row) }
    }
}

/// `/text` keeps rows containing text (case-insensitive); `/!text` keeps the others.
struct Filter {
    let needle: String
    let needleBytes: [UInt8]
    let inverted: Bool
    init(_ raw: String) {
        inverted = raw.hasPrefix("!")
        needle = (inverted ? String(raw.dropFirst()) : raw).lowercased()
        needleBytes = Array(needle.utf8)
    }
    var active: Bool { !needle.isEmpty }
    /// `haystack` must already be lowercased.
    func matches(_ haystack: String) -> Bool { contains(haystack) != inverted }

    /// Substring test on UTF-8 bytes: what `/` runs over every row on every keystroke.
    func contains(_ haystack: String) -> Bool {
        var h = haystack
        return h.withUTF8 { Filter.find(needleBytes, in: $0) }
    }

    static func find(_ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = needle.count
        if n == 0 { return true }
        if hay.count < n { return false }
        let first = needle[0]
        var i = 0
        let last = hay.count - n
        while i <= last {
            if hay[i] == first {
                var k = 1
                while k < n && hay[i + k] == needle[k] { k += 1 }
                if k == n { return true }
            }
            i += 1
        }
        return false
    }
}

/// A sort key: numbers compare as numbers, text as text.
enum SortKey: Comparable {
    case number(Int64)
    case text(String)

    static func < (a: SortKey, b: SortKey) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y
        case (.text(let x), .text(let y)): return x < y
        case (.number, .text): return true
        case (.text, .number): return false
        }
    }
}
