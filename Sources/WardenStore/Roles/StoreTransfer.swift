/// Copying a whole store to another location (`warden store copy`), whatever the two backends:
/// every table of `TransferSchema` in its neutral form, read in pages by key and written in
/// batches, so a store of a million calls is never held in memory.
public protocol StoreTransfer: AnyObject {
    /// Runs `body` inside one read snapshot: every page it reads, and any check it makes, sees
    /// the same committed state however other connections write meanwhile.
    func withExportSnapshot<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T
    /// Up to `limit` rows of `table` whose key is above `after` (nil: from the first), in key order.
    func exportRows(_ table: TransferTable, after: [TransferValue]?, limit: Int) throws(StoreError) -> [TransferRow]
    /// Runs `body` inside one write transaction: when it throws, nothing it imported remains.
    func withImport<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T
    /// Inserts rows exactly as given (the backend's triggers add each row's stamp and hash).
    func importRows(_ table: TransferTable, _ rows: [TransferRow]) throws(StoreError)
    /// After the last row: the store's own counters move past what was copied, so new writes
    /// continue after it (call and outcome cursors, the order of new rows).
    func finishImport() throws(StoreError)
    /// What the schema holds that a copy would not carry (`table` or `table.column`): neither in
    /// `TransferSchema` nor kept by the backend itself. Empty when a copy carries everything.
    func untransferredSchema() throws(StoreError) -> [String]
}
