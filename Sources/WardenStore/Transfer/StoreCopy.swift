import WardenCore

/// What a copy carried, and what both ends verified to.
public struct StoreCopyReport: Sendable {
    /// Rows copied per table, in `TransferSchema` order.
    public var rows: [(table: String, count: Int64)]
    /// The journal's head on both ends (nil: an empty journal).
    public var head: AuditHead?
    public var journalRecords: Int
    /// The governed state on both ends, as the journal's head records it.
    public var state: StateCheck
}

/// `warden store copy FROM TO`: a whole store to a new location, between any two backends.
/// The source is read in one snapshot and must verify (journal chain intact, governed state as
/// the journal left it); the target is created, filled in one transaction and verified to the
/// same journal head and state digest before it is kept. Anything short of that leaves nothing
/// at the target.
public enum StoreCopy {
    /// Rows per page read and per batch written.
    public static let batch = 1000

    public static func run(from source: any StoreBackend, to target: any StoreBackend,
                           batch: Int = StoreCopy.batch) throws(StoreError) -> StoreCopyReport {
        let from = source.location.description, to = target.location.description
        let src: any FleetStore
        do { src = try source.open(for: .copySource) } catch .missing {
            throw .missing(path: from)
        }
        try requireCurrentSchema(src, at: from)
        let unknown = try src.untransferredSchema()
        if !unknown.isEmpty {
            throw .refused("the store at \(from) has what this Warden cannot copy (\(unknown.joined(separator: ", "))); nothing was copied: copy it with the Warden that wrote it")
        }
        let trustDomain = try src.trustDomain()
        return try src.withExportSnapshot { () throws(StoreError) -> StoreCopyReport in
            let (verified, records) = try verify(src, at: from, role: "source")
            return try target.createCopy(trustDomain: trustDomain) { (dst: any FleetStore) throws(StoreError) -> StoreCopyReport in
                do throws(StoreError) {
                    return try fill(dst, from: src, at: to, batch: batch, expecting: verified, records: records)
                } catch {
                    throw .refused("the copy to \(to) failed and was not kept (nothing is left there): \(error.description)")
                }
            }
        }
    }

    private static func requireCurrentSchema(_ src: any FleetStore, at from: String) throws(StoreError) {
        let v = try src.schemaVersion()
        if v.file < v.latest {
            throw .refused("the store at \(from) has schema version \(v.file), older than this Warden's (\(v.latest)); run `warden store migrate` on it first")
        }
        if v.file > v.latest {
            throw .refused("the store at \(from) has schema version \(v.file), newer than this Warden's (\(v.latest)); copy it with that Warden")
        }
    }

    private static func fill(_ dst: any FleetStore, from src: any FleetStore, at to: String, batch: Int,
                             expecting expected: (head: AuditHead?, state: StateCheck), records: Int) throws(StoreError) -> StoreCopyReport {
        let unknown = try dst.untransferredSchema()
        if !unknown.isEmpty { throw .refused("the new store has what this copy cannot fill (\(unknown.joined(separator: ", ")))") }
        return try dst.withImport { () throws(StoreError) -> StoreCopyReport in
            var counts: [(table: String, count: Int64)] = []
            for table in TransferSchema.tables {
                var count: Int64 = 0
                var after: [TransferValue]? = nil
                while true {
                    let rows = try src.exportRows(table, after: after, limit: batch)
                    if rows.isEmpty { break }
                    try dst.importRows(table, rows)
                    count += Int64(rows.count)
                    after = table.key(of: rows[rows.count - 1])
                    if rows.count < batch { break }
                }
                counts.append((table.name, count))
            }
            try dst.finishImport()
            // Inside the transaction: a copy that does not verify is rolled back, never kept.
            let found = try verify(dst, at: to, role: "copy")
            if found.0.head != expected.head {
                throw .refused("the copy's journal head is \(found.0.head?.description ?? "empty"), the source's \(expected.head?.description ?? "empty")")
            }
            if found.0.state != expected.state {
                throw .refused("the copy's governed state (\(found.0.state.summary)) differs from the source's (\(expected.state.summary))")
            }
            return StoreCopyReport(rows: counts, head: found.0.head, journalRecords: records, state: found.0.state)
        }
    }

    /// The journal chain intact and the governed state as its last record left it, or the refusal
    /// saying where not.
    private static func verify(_ s: any FleetStore, at location: String,
                               role: String) throws(StoreError) -> ((head: AuditHead?, state: StateCheck), Int) {
        let head: AuditHead?
        let records: Int
        let after = role == "source" ? "; nothing was copied (`warden doctor` says more)" : ""
        switch try s.verifyAudit(expectedHead: nil) {
        case .intact(let n, let h):
            records = n
            head = h
        case .broken(let seq, let problem):
            throw .refused("the \(role)'s journal at \(location) is broken at record \(seq): \(problem)\(after)")
        }
        let state = try s.verifyState()
        guard state.isConsistent else {
            throw .refused("the \(role)'s governed state at \(location) does not match its journal: \(state.summary)\(after)")
        }
        return ((head, state), records)
    }
}
