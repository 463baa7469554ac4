import TerminalUI
import WardenCore

/// Builds each view's visible rows from the snapshot, filter and sort, through the view's
/// descriptor. Runs when those change, not per frame.
enum RowBuilder {
    /// The data under a view changed: rebuilds it now if it is on screen, else when it is next
    /// shown (a live store changes calls many times a second, and the Calls rows need not
    /// follow while unseen). Rows built for the old data are neither narrowed nor applied.
    static func rebuildOrDefer(_ s: inout DashboardState, _ v: ViewKind, changed parts: SnapshotParts = .all) {
        s.rowBasis[v] = nil
        if v == s.view && parts.isDisjoint(with: v.descriptor.itemParts) {
            // The shown rows still point at the same items (a re-sort by calls per minute):
            // they stay up while a large list is sorted again off the UI thread.
            refresh(&s, v)
        } else if v == s.view {
            rebuild(&s, v)
        } else {
            cancel(&s, v)
            s.staleViews.insert(v)
        }
    }

    /// Rebuilds on the UI thread now, whatever it costs.
    static func rebuild(_ s: inout DashboardState, _ v: ViewKind) {
        s.staleViews.remove(v)
        cancel(&s, v)
        let d = v.descriptor, raw = s.filters[v] ?? "", filter = Filter(raw), sort = s.sort(v)
        if let rows = d.rows(s.snapshot, now: s.now, filter: filter, sort: sort, within: narrowing(s, v, filter, sort)) {
            s.rows[v] = rows
        } else {
            d.buildRows(&s, filter: filter, sort: sort)
        }
        s.rowBasis[v] = RowBasis(filter: raw, sort: sort, now: s.now)
        restoreSelection(&s, v)
    }

    /// The operator changed a view's filter or sort, or opened it: rows that fit in a frame
    /// are built now; more (a million agents) are built off the UI thread by a `.buildRows`
    /// effect, and the rows shown stay until they land (none if the data moved under them).
    static func refresh(_ s: inout DashboardState, _ v: ViewKind) {
        let d = v.descriptor, raw = s.filters[v] ?? "", filter = Filter(raw), sort = s.sort(v)
        let within = narrowing(s, v, filter, sort)
        guard d.buildCost(s.snapshot, filter: filter, sort: sort, within: within) > s.syncRowLimit else { return rebuild(&s, v) }
        cancel(&s, v)
        if s.staleViews.remove(v) != nil {
            s.rows[v] = []
            s.rowBasis[v] = nil
            restoreSelection(&s, v)
        }
        s.rowGeneration += 1
        let what = (s.rowBasis[v]?.filter ?? "") == raw ? "sorting" : "filtering"
        s.building[v] = PendingRows(generation: s.rowGeneration, what: what, basis: RowBasis(filter: raw, sort: sort, now: s.now))
        s.rowJobs.append(RowJob(view: v, generation: s.rowGeneration, snapshot: s.snapshot, now: s.now, filter: raw, sort: sort, within: within))
    }

    /// Rows built off the UI thread arrived: shown if they are the newest asked for.
    static func landed(_ s: inout DashboardState, _ v: ViewKind, generation: Int, rows: [Int]) {
        guard let pending = s.building[v], pending.generation == generation else { return }
        s.building[v] = nil
        s.rows[v] = rows
        s.rowBasis[v] = pending.basis
        restoreSelection(&s, v)
    }

    /// Forgets a view's build in flight: its rows will be dropped when they land.
    static func cancel(_ s: inout DashboardState, _ v: ViewKind) {
        s.building[v] = nil
        s.rowJobs.removeAll { $0.view == v }
    }

    /// The shown rows, when the new rows are a subset of them in the same order: the same
    /// sort, the same data, and a filter that extends the one they were built with.
    static func narrowing(_ s: DashboardState, _ v: ViewKind, _ filter: Filter, _ sort: SortState) -> [Int]? {
        guard let basis = s.rowBasis[v], basis.sort == sort, !s.staleViews.contains(v),
              basis.now == s.now || !v.descriptor.sortFollowsClock(sort.column) else { return nil }
        let old = Filter(basis.filter)
        guard old.active, !old.inverted, v.descriptor.narrows(filter) else { return nil }
        let extends = filter.needleBytes.withUnsafeBufferPointer { Filter.find(old.needleBytes, in: $0) }
        // A row-by-row search costs more per row than one pass over the search buffer: worth
        // it only when the shown rows are at most half of those a scan would visit.
        let shown = s.rows[v]
        guard extends, shown.count * 2 <= v.descriptor.buildCost(s.snapshot, filter: filter, sort: sort, within: nil) else { return nil }
        return shown
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
