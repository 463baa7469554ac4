import WardenStore
import WardenCore

// The operator journal's rows. The chain (hashes, the drift check before each record,
// verification) is the rules' (`AuditJournal`); here the records are read and written. Since
// schema 3 a record also carries the governed state's digest (SQLiteStore+StateDigest).
extension SQLiteStore {
    /// Appends a journal record inside the caller's write transaction, for the records this
    /// backend writes itself (migrations, bulk loads, the state digest's baselines).
    func appendAudit(_ m: Mutation, action: String, target: String, before: String?, after: String?,
                     checkDrift: Bool = true) throws(StoreError) {
        try SQLiteRuleTransaction(store: self).journal(m, action: action, target: target, before: before, after: after,
                                                       checkDrift: checkDrift)
    }

    func insertAuditRecord(_ r: AuditRecord) throws(StoreError) {
        try db.prepare("INSERT INTO audit(\(Self.auditColumns)) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
            .bind(r.seq, r.at, r.operatorName, r.action, r.target, r.before, r.after, r.reason, r.prevHash, r.hash,
                  r.stateDigest, r.claimedBy).run()
        // The next record of this transaction starts from the state this one carries.
        if db.tracksStateDigest { db.digestAtBegin = r.stateDigest.flatMap { StateDigest(hex: $0) }?.bytes }
    }

    func auditHash(seq: Int64) throws(StoreError) -> String? {
        try db.prepare("SELECT hash FROM audit WHERE seq = ?").bind(seq).first { $0.string(0) }
    }

    /// The last record carrying a state digest (none on a store from before the digest).
    func lastAuditDigest() throws(StoreError) -> (seq: Int64, hex: String)? {
        guard try hasStateDigest() else { return nil }
        return try db.prepare("SELECT seq, state_digest FROM audit WHERE state_digest IS NOT NULL ORDER BY seq DESC LIMIT 1")
            .first { ($0.int(0), $0.string(1)) }
    }
}
