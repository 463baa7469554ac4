import WardenCore

/// The change feed: how a long-lived reader (the dashboard) learns what other connections
/// committed, and reloads incrementally.
///
/// Cursor contract, for every cursor here (row versions, call `seq`, the outcome cursor): a
/// reader that passes back the cursor it was last given never misses a committed change and
/// never sees one twice. Cursors only grow, in commit order: a change a transaction commits gets
/// a cursor above every change committed before it, and one still uncommitted is not returned
/// until it commits (it never appears behind a cursor a reader already holds).
public protocol ChangeFeed: AnyObject {
    /// A value that differs from the last one read whenever any connection committed since:
    /// equal values mean nothing changed, so a poller reads the cursors only when it moved. Only
    /// equality means anything (not order, not distance). Cheap: it is read on every refresh.
    func changeSignal() throws(StoreError) -> Int64
    /// Rows inserted or updated after the given versions (0: everything), and the version now.
    func changedRows(after: RowVersions) throws(StoreError) -> RowChanges
    /// Calls whose outcome was recorded after `cursor`, in that order, and the cursor they reach:
    /// a reader that already holds a call by `seq` applies these to see it updated.
    func callOutcomes(after cursor: Int64, limit: Int) throws(StoreError) -> CallOutcomes
    /// Whether `waitForChange` can wake on another connection's commit. When false it returns
    /// false at once and a reader learns of changes only by polling `changeSignal`.
    var notifiesChanges: Bool { get }
    /// Waits up to `timeoutMs` for a commit announced by any connection; true when one was.
    /// A hint only: it says when to look, the cursors say what changed, and a reader still polls
    /// `changeSignal` in case an announcement is lost. Call it on a store used for nothing else
    /// at the same time (it blocks its connection).
    func waitForChange(timeoutMs: Int) throws(StoreError) -> Bool
}

extension ChangeFeed {
    /// Every kind of row inserted or updated after version `v`.
    public func changedRows(afterVersion v: Int64) throws(StoreError) -> RowChanges { try changedRows(after: .all(after: v)) }
}
