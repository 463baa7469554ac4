import WardenCore

/// What a view's shown rows were built from: a filter extending `filter` may narrow them.
struct RowBasis: Equatable, Sendable {
    var filter: String
    var sort: SortState
    /// The clock then: a sort that follows the clock (status, live instances) is only narrowed
    /// at the same moment, so narrowing gives exactly what a full build would.
    var now: Timestamp
}

/// A build running off the UI thread: the rows shown stay until this generation lands.
public struct PendingRows: Sendable {
    public let generation: Int
    /// "filtering" or "sorting", for the list's title while it runs.
    public let what: String
    let basis: RowBasis
}

/// A list's rows computed from values alone (snapshot, clock, filter, sort), so a build that
/// would not fit in a frame — a million agents sorted or scanned — runs on another thread.
/// Its answer is `Msg.rowsBuilt`, which `update` applies only if no newer build replaced it.
public struct RowJob: Sendable, Equatable {
    public let view: ViewKind
    public let generation: Int
    let snapshot: FleetSnapshot
    let now: Timestamp
    let filter: String
    let sort: SortState
    /// The shown rows a narrowing filter keeps a subset of (nil: every row).
    let within: [Int]?

    /// The rows, as the view would build them on the UI thread.
    public func run() -> Msg {
        let rows = view.descriptor.rows(snapshot, now: now, filter: Filter(filter), sort: sort, within: within) ?? []
        return .rowsBuilt(view, generation: generation, rows: rows)
    }

    /// A job is known by its view and generation (its snapshot is not compared).
    public static func == (a: RowJob, b: RowJob) -> Bool { a.view == b.view && a.generation == b.generation }
}
