import WardenCore

/// What a backend found when it recomputed the governed state, for `StateVerdict.judge`.
package struct StateFacts {
    /// The digest recomputed from every governed row.
    package var recomputed: StateDigest
    /// Rows whose content no longer matches their own stored hash (`noun id`).
    package var mismatchedRows: [String]
    /// The digest the backend keeps (nil when it keeps none).
    package var kept: StateDigest?
    /// The last journal record carrying a digest, and that digest (nil when unreadable).
    package var lastJournaled: (seq: Int64, digest: StateDigest?)?
    /// The first `state.drift_detected` record after the last `state.accept_drift`: its
    /// sequence number and payload.
    package var unacceptedDrift: (seq: Int64, after: String?)?
    /// A change the backend saw in what keeps the digest itself (its schema, its triggers).
    package var backendProblem: String?

    package init(recomputed: StateDigest, mismatchedRows: [String], kept: StateDigest?,
                 lastJournaled: (seq: Int64, digest: StateDigest?)?, unacceptedDrift: (seq: Int64, after: String?)?,
                 backendProblem: String?) {
        self.recomputed = recomputed
        self.mismatchedRows = mismatchedRows
        self.kept = kept
        self.lastJournaled = lastJournaled
        self.unacceptedDrift = unacceptedDrift
        self.backendProblem = backendProblem
    }
}

/// The rule of `verifyState`, the same for every backend: the governed state is consistent
/// when the rows add up to the digest kept and the journal's last record carries it; a drift
/// Warden journaled stays a drift until an operator accepts it.
package enum StateVerdict {
    package static func judge(_ f: StateFacts) -> StateCheck {
        let rows = f.mismatchedRows
        let last = f.lastJournaled
        // What the journal itself says: a drift Warden found while writing (an unjournaled
        // change, a re-baseline over changed tables) stays a drift until an operator accepts it.
        if let found = f.unacceptedDrift {
            let detail = found.after.flatMap { try? JSONParser.parse($0) }?["detail"]?.string ?? "a drift Warden found"
            return .drifted(sinceRecord: found.seq - 1, rows: rows, detail: detail + " (journaled at record \(found.seq))")
        }
        if let problem = f.backendProblem {
            return .drifted(sinceRecord: last?.seq ?? 0, rows: rows, detail: problem)
        }
        let total = f.recomputed
        let recorded = last?.digest ?? nil
        if rows.isEmpty, total == f.kept, let recorded, recorded == total {
            return .consistent(digest: total, record: last?.seq)
        }
        if rows.isEmpty, total == f.kept, last == nil, total == .zero {
            return .consistent(digest: total, record: nil)  // a new, empty store
        }
        var detail: [String] = []
        if total != f.kept {
            detail.append(rows.isEmpty ? "rows were added, removed or rewritten with their hashes (the tables no longer add up to the digest Warden keeps)"
                                       : "the tables no longer add up to the digest Warden keeps")
        } else if let recorded, recorded != total {
            detail.append("changes were made without a journal record")
        } else if last == nil {
            detail.append("governed rows exist but no journal record binds them")
        }
        return .drifted(sinceRecord: last?.seq ?? 0, rows: rows, detail: detail.joined(separator: "; "))
    }
}
