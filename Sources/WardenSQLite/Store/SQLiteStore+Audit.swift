import WardenStore
import WardenCore

// The operator journal: every mutation appends a record in its own transaction, chained by
// hash = SHA-256(previous hash (hex text) ‖ canonical encoding of the record). Since schema 3
// a record also carries the governed state's digest after its action (SQLiteStore+StateDigest).
extension SQLiteStore {
    /// `checkDrift`: first compare the state this transaction began with (or its previous record
    /// left) with the journal's last digest; a difference is a change made without a journal
    /// record, journaled as `state.drift_detected` before this record, so no later record can
    /// launder it. Off for the records that set a baseline themselves.
    func appendAudit(_ m: Mutation, action: String, target: String, before: String?, after: String?,
                     checkDrift: Bool = true, stateDigest fixed: StateDigest? = nil) throws(StoreError) {
        let last = try db.prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").first { ($0.int(0), $0.string(1)) }
        if checkDrift, db.tracksStateDigest, let began = db.digestAtBegin.flatMap({ StateDigest(bytes: $0) }),
           let prev = try db.prepare("SELECT seq, state_digest FROM audit WHERE state_digest IS NOT NULL ORDER BY seq DESC LIMIT 1")
               .first({ ($0.int(0), StateDigest(hex: $0.string(1))) }), let recorded = prev.1, recorded != began {
            try appendAudit(m, action: "state.drift_detected", target: "store",
                            before: json(["journal_digest": .string(recorded.hex)]),
                            after: json(["detail": .string("the governed state changed without a journal record after record \(prev.0)"),
                                         "found_digest": .string(began.hex)]),
                            checkDrift: false, stateDigest: began)
            try appendAudit(m, action: action, target: target, before: before, after: after, checkDrift: false)
            return
        }
        let seq = (last?.0 ?? 0) + 1
        let prevHash = last?.1 ?? AuditRecord.genesisHash
        // The governed state after this action, as the triggers kept it in this transaction.
        let digest: StateDigest?
        if let fixed { digest = fixed } else { digest = try liveStateDigest() }
        var record = AuditRecord(seq: seq, at: m.now, operatorName: m.operatorName, action: action, target: target,
                                 before: before, after: after, reason: m.reason, prevHash: prevHash, hash: "",
                                 stateDigest: digest?.hex)
        record.hash = Self.chainHash(record)
        try db.prepare("INSERT INTO audit(\(Self.auditColumns)) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
            .bind(record.seq, record.at, record.operatorName, record.action, record.target,
                  record.before, record.after, record.reason, record.prevHash, record.hash, record.stateDigest).run()
        // The next record of this transaction starts from here.
        if fixed == nil, db.tracksStateDigest { db.digestAtBegin = digest?.bytes }
    }

    static func chainHash(_ r: AuditRecord) -> String {
        Secrets.hex(Secrets.sha256(bytes: Array(r.prevHash.utf8) + r.canonicalEncoding))
    }

    /// Checks the whole chain (and, given a head kept elsewhere, that nothing was cut off).
    public func verifyAudit(expectedHead: AuditHead? = nil) throws(StoreError) -> AuditVerification {
        var prev = AuditRecord.genesisHash
        var expectedSeq: Int64 = 1
        var count = 0
        var after: Int64 = 0
        while true {
            let page = try auditRecords(afterSeq: after, limit: 5000)
            if page.isEmpty { break }
            for r in page {
                if r.seq != expectedSeq {
                    return .broken(seq: r.seq, problem: "expected record \(expectedSeq) here, found \(r.seq) (a record was deleted or reordered)")
                }
                if r.prevHash != prev {
                    return .broken(seq: r.seq, problem: "its previous-hash does not match record \(r.seq - 1) (a record before it was changed or removed)")
                }
                if Self.chainHash(r) != r.hash {
                    return .broken(seq: r.seq, problem: "its content does not match its hash (the record was changed)")
                }
                prev = r.hash
                expectedSeq += 1
                count += 1
                after = r.seq
            }
        }
        if let head = expectedHead {
            if head.seq == 0 {
                // The head of an empty journal: only the genesis hash fits.
                if head.hash != AuditRecord.genesisHash {
                    return .broken(seq: 0, problem: "the expected head 0 must carry the genesis hash")
                }
            } else if after < head.seq {
                return .broken(seq: after + 1, problem: "the journal ends at \(after) but the expected head is \(head.seq) (records were cut off or rolled back)")
            } else if try db.prepare("SELECT hash FROM audit WHERE seq = ?").bind(head.seq).first({ $0.string(0) }) != head.hash {
                return .broken(seq: head.seq, problem: "record \(head.seq) has a different hash than the expected head (the journal was rewritten)")
            }
        }
        return .intact(records: count, head: try auditHead())
    }
}
