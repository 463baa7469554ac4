import WardenCore

/// The operator journal's rules, the same over every backend: each record is chained to the one
/// before by hash = SHA-256(previous hash (hex text) ‖ canonical encoding of the record), and
/// carries the governed state's digest after its action (when the backend keeps one).
package enum AuditJournal {
    package static func chainHash(_ r: AuditRecord) -> String {
        Secrets.hex(Secrets.sha256(bytes: Array(r.prevHash.utf8) + r.canonicalEncoding))
    }

    /// Appends a record inside `tx`. `checkDrift`: first compare the state this transaction
    /// began with (or its previous record left) with the journal's last digest; a difference is
    /// a change made without a journal record, journaled as `state.drift_detected` before this
    /// record, so no later record can launder it. Off for the records that set a baseline themselves.
    package static func append<Tx: RuleTransaction>(_ tx: Tx, _ m: Mutation, action: String, target: String,
                                                    before: String?, after: String?,
                                                    checkDrift: Bool = true) throws(StoreError) {
        if checkDrift, let began = try tx.stateDigestAtStart(), let last = try tx.lastJournaledDigest(),
           let recorded = StateDigest(hex: last.hex), recorded != began {
            try write(tx, m, action: "state.drift_detected", target: "store",
                      before: AuditPayload.json(["journal_digest": .string(recorded.hex)]),
                      after: AuditPayload.json([
                          "detail": .string("the governed state changed without a journal record after record \(last.seq)"),
                          "found_digest": .string(began.hex),
                      ]),
                      digest: began)
        }
        // The governed state after this action, as the backend kept it in this transaction.
        try write(tx, m, action: action, target: target, before: before, after: after, digest: try tx.stateDigest())
    }

    private static func write<Tx: RuleTransaction>(_ tx: Tx, _ m: Mutation, action: String, target: String,
                                                   before: String?, after: String?, digest: StateDigest?) throws(StoreError) {
        let head = try tx.journalHead()
        // A head numbered past what a record can follow was written outside Warden: an error
        // that says so, not a trap that would stop every write (a revoke too) with a crash.
        let (seq, overflow) = (head?.seq ?? 0).addingReportingOverflow(1)
        if overflow { throw .refused("the journal's last record is numbered \(Int64.max), which no record can follow: it was written outside Warden (see `warden audit --verify`)") }
        let who = try tx.journalOperator(claimed: m.operatorName)
        var record = AuditRecord(seq: seq, at: m.now, operatorName: who.name, action: action,
                                 target: target, before: before, after: after, reason: m.reason,
                                 prevHash: head?.hash ?? AuditRecord.genesisHash, hash: "", stateDigest: digest?.hex,
                                 claimedBy: who.claimedBy)
        record.hash = chainHash(record)
        try tx.appendJournal(record)
    }

    /// Checks the whole chain (and, given a head kept elsewhere, that nothing was cut off),
    /// reading the journal in pages.
    package static func verify<Tx: RuleTransaction>(_ tx: Tx, expectedHead: AuditHead?) throws(StoreError) -> AuditVerification {
        var prev = AuditRecord.genesisHash
        var expectedSeq: Int64 = 1
        var count = 0
        var after: Int64 = 0
        while true {
            let page = try tx.journalRecords(afterSeq: after, limit: 5000)
            if page.isEmpty { break }
            for r in page {
                if r.seq != expectedSeq {
                    return .broken(seq: r.seq, problem: "expected record \(expectedSeq) here, found \(r.seq) (a record was deleted or reordered)")
                }
                if r.prevHash != prev {
                    return .broken(seq: r.seq, problem: "its previous-hash does not match record \(r.seq - 1) (a record before it was changed or removed)")
                }
                if chainHash(r) != r.hash {
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
            } else if try tx.journalHash(seq: head.seq) != head.hash {
                return .broken(seq: head.seq, problem: "record \(head.seq) has a different hash than the expected head (the journal was rewritten)")
            }
        }
        return .intact(records: count, head: try tx.journalHead())
    }
}

/// The journal's payloads: compact JSON objects, members in the order given.
package enum AuditPayload {
    package static func json(_ members: KeyValuePairs<String, JSONValue>) -> String {
        JSONWriter.write(.object(members.map { ($0.key, $0.value) }), indent: false)
    }

    package static func revocationSummary(_ plan: RevocationPlan, status: String) -> String {
        json(["status": .string(status), "agents_revoked": .strings(plan.agents),
              "credentials_revoked": .strings(plan.credentials), "live_instances": .int(plan.liveInstances)])
    }

    /// A narrowing's before or after: the agent's grant and each narrowed descendant's.
    package static func narrowing(_ plan: NarrowingPlan, _ side: KeyPath<NarrowingPlan.Change, ScopeSet>) -> String {
        var members: [(String, JSONValue)] = [("scopes", .strings(plan.target[keyPath: side].strings))]
        if !plan.descendants.isEmpty {
            members.append(("descendants", .object(plan.descendants.map { ($0.agentID, .strings($0[keyPath: side].strings)) })))
        }
        return JSONWriter.write(.object(members), indent: false)
    }
}
