import Glibc
import WardenCore

// The governed state bound to the journal (rule 5). Every row of principals, agents and
// credentials has a hash of its content (`digest`); `governed_state.digest` is their sum (a
// multiset hash, kept in O(1) per row change by triggers); each journal record carries the sum
// after its action, inside the hash chain. `verifyState` recomputes all of it from the tables.
// Telemetry (calls), instances and heartbeats are not governed state: they change all the time
// and no decision reads them, so they are outside the digest.
extension SQLiteStore {
    static let governedTables: [(table: String, noun: String)] = [("principals", "principal"), ("agents", "agent"), ("credentials", "credential")]
    /// Columns that say nothing about what is governed: the change feed's stamp and the hash itself.
    static let unhashedColumns: Set<String> = ["version", "digest"]

    /// The hashed columns of each governed table, in schema order, read from the schema itself:
    /// a column a later migration adds is governed from then on.
    func governedColumns() throws(StoreError) -> [(table: String, columns: [String])] {
        var out: [(String, [String])] = []
        for (t, _) in Self.governedTables {
            let cols = try db.prepare("SELECT name FROM pragma_table_info('\(t)') ORDER BY cid").all { $0.string(0) }
            out.append((t, cols.filter { !Self.unhashedColumns.contains($0) }))
        }
        return out
    }

    static func signature(_ governed: [(table: String, columns: [String])]) -> String {
        governed.map { "\($0.table)(\($0.columns.joined(separator: ",")))" }.joined(separator: ";")
    }

    /// `warden_row_hash('agents', P.id, P.name, …)` for a row named by `prefix` (NEW., OLD. or none).
    static func rowHash(_ table: String, _ columns: [String], _ prefix: String = "") -> String {
        "warden_row_hash('\(table)'" + columns.map { ", \(prefix)\($0)" }.joined() + ")"
    }

    static let digestTriggerCount = 3 * 4  // per table: insert, update, delete, and the version trigger's guard

    /// (Re)creates the triggers that keep row hashes and the sum, and the version triggers of the
    /// governed tables (which must stand aside when only a row's hash changes).
    func createDigestTriggers(_ governed: [(table: String, columns: [String])]) throws(StoreError) {
        for (t, cols) in governed {
            let new = Self.rowHash(t, cols, "NEW."), old = Self.rowHash(t, cols, "OLD.")
            let changed = cols.map { "NEW.\($0) IS NOT OLD.\($0)" }.joined(separator: " OR ")
            try db.exec("""
                DROP TRIGGER IF EXISTS \(t)_version_update;
                CREATE TRIGGER \(t)_version_update AFTER UPDATE ON \(t)
                WHEN NEW.version = OLD.version AND NEW.digest IS OLD.digest BEGIN
                    UPDATE row_version SET v = v + 1;
                    UPDATE \(t) SET version = (SELECT v FROM row_version) WHERE id = NEW.id;
                END;
                DROP TRIGGER IF EXISTS \(t)_digest_insert;
                CREATE TRIGGER \(t)_digest_insert AFTER INSERT ON \(t) BEGIN
                    UPDATE governed_state SET digest = warden_digest_step(digest, NULL, \(new));
                    UPDATE \(t) SET digest = \(new) WHERE id = NEW.id;
                END;
                DROP TRIGGER IF EXISTS \(t)_digest_update;
                CREATE TRIGGER \(t)_digest_update AFTER UPDATE ON \(t) WHEN \(changed) BEGIN
                    UPDATE governed_state SET digest = warden_digest_step(digest, \(old), \(new));
                    UPDATE \(t) SET digest = \(new) WHERE id = NEW.id;
                END;
                DROP TRIGGER IF EXISTS \(t)_digest_delete;
                CREATE TRIGGER \(t)_digest_delete AFTER DELETE ON \(t) BEGIN
                    UPDATE governed_state SET digest = warden_digest_step(digest, \(old), NULL);
                END;
                """)
        }
    }

    /// Inside the migration's write transaction: when the governed columns differ from those the
    /// digest was built for (a new store, an upgrade from before the digest, a migration adding a
    /// column), rebuild triggers, row hashes and the sum from the tables and journal the baseline.
    /// When only the triggers are missing (dropped behind Warden's back), put them back without a
    /// new baseline: the drift they let through stays visible to `verifyState`.
    func ensureStateDigest() throws(StoreError) {
        let governed = try governedColumns()
        let signature = Self.signature(governed)
        let stored = try db.prepare("SELECT signature FROM governed_state WHERE id = 1").first { $0.string(0) }
        if stored != signature {
            try createDigestTriggers(governed)
            let digest = try rehashAll(governed)
            try db.prepare("UPDATE governed_state SET digest = ?, signature = ? WHERE id = 1").bind(digest.bytes, signature).run()
            // A brand-new store journals nothing until its first action; an upgraded one records
            // the baseline it starts from.
            if try db.prepare("SELECT count(*) FROM audit").first({ $0.int(0) }) ?? 0 > 0 || stored?.isEmpty == false {
                try appendAudit(Mutation(operatorName: "warden", now: Self.wallClock()), action: "state.baseline", target: "store",
                                before: stored.flatMap { $0.isEmpty ? nil : json(["columns": .string($0)]) },
                                after: json(["columns": .string(signature), "digest": .string(digest.hex)]))
            }
        } else if try db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND (name GLOB '*_digest_*' OR name GLOB '*_version_update') AND tbl_name IN ('principals','agents','credentials')").first({ Int($0.int(0)) }) != Self.digestTriggerCount {
            try createDigestTriggers(governed)
        }
    }

    /// On a write open of an up-to-date store: the triggers must be there (one schema query).
    func ensureDigestTriggers() throws(StoreError) {
        let n = try db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND (name GLOB '*_digest_*' OR name GLOB '*_version_update') AND tbl_name IN ('principals','agents','credentials')").first { Int($0.int(0)) }
        if n != Self.digestTriggerCount {
            try write { () throws(StoreError) in try createDigestTriggers(try governedColumns()) }
        }
    }

    /// Sets every row's hash from its content and returns their sum.
    private func rehashAll(_ governed: [(table: String, columns: [String])]) throws(StoreError) -> StateDigest {
        var total = StateDigest.zero
        for (t, cols) in governed {
            try db.exec("UPDATE \(t) SET digest = \(Self.rowHash(t, cols))")
            if let d = try db.prepare("SELECT warden_digest_sum(digest) FROM \(t)").first({ StateDigest(bytes: $0.blob(0)) }) ?? nil {
                total.add(d)
            }
        }
        return total
    }

    /// The digest Warden keeps now (nil on a store from before the digest, opened read-only).
    func liveStateDigest() throws(StoreError) -> StateDigest? {
        guard try hasStateDigest() else { return nil }
        return try db.prepare("SELECT digest FROM governed_state WHERE id = 1").first { StateDigest(bytes: $0.blob(0)) } ?? nil
    }

    /// Whether the file has the digest's schema (3 and later): a store opened read-only is not
    /// migrated, and must still be readable.
    func hasStateDigest() throws(StoreError) -> Bool {
        if stateDigestSchema { return true }
        stateDigestSchema = try db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'governed_state'").first { $0.int(0) } == 1
        return stateDigestSchema
    }

    /// For set-based UPDATEs that run with triggers off (the cascade, a narrow's descendants):
    /// the SET term that keeps the row's hash, and the state's, in the same pass. `changes` maps
    /// each column the UPDATE sets to the SQL of its new value (the same `?N` the UPDATE binds).
    /// Run `beginDigestSwaps` before the UPDATE and `applyDigestSwaps` after it.
    func digestSwap(_ table: String, changes: [String: String]) throws(StoreError) -> String {
        guard let cols = try governedColumns().first(where: { $0.table == table })?.columns else {
            throw .io("\(table) is not a governed table")
        }
        // Columns named with their table: an UPDATE … FROM may join a table with the same names.
        let new = "warden_row_hash('\(table)'" + cols.map { ", " + (changes[$0] ?? "\(table).\($0)") }.joined() + ")"
        return "digest = warden_digest_swap(\(Self.rowHash(table, cols, "\(table).")), \(new))"
    }

    func beginDigestSwaps() throws(StoreError) {
        _ = try db.prepare("SELECT warden_digest_take()").first { _ in () }
    }

    func applyDigestSwaps() throws(StoreError) {
        try db.run("UPDATE governed_state SET digest = warden_digest_step(digest, NULL, warden_digest_take()) WHERE id = 1")
    }

    /// Recomputes the governed state from the tables and compares it with what the journal's
    /// last record says it was after that record's action.
    public func verifyState() throws(StoreError) -> StateCheck {
        guard try hasStateDigest() else {
            return .unchecked(reason: "this store predates the state digest; Warden migrates it and records a baseline the next time it opens the store for writing")
        }
        return try db.read { () throws(StoreError) -> StateCheck in
            var total = StateDigest.zero
            var rows: [String] = []
            for ((t, cols), (_, noun)) in zip(try governedColumns(), Self.governedTables) {
                let q = try db.prepare("SELECT id, \(Self.rowHash(t, cols)), digest FROM \(t)")
                while try q.step() {
                    let h = StateDigest(bytes: q.blob(1)) ?? .zero
                    total.add(h)
                    if StateDigest(bytes: q.blob(2)) != h, rows.count < 1000 { rows.append("\(noun) \(q.string(0))") }
                }
            }
            let live = try liveStateDigest()
            let last = try db.prepare("SELECT seq, state_digest FROM audit WHERE state_digest IS NOT NULL ORDER BY seq DESC LIMIT 1")
                .first { ($0.int(0), StateDigest(hex: $0.string(1))) }
            let recorded = last?.1 ?? nil
            if rows.isEmpty, total == live, let recorded, recorded == total {
                return .consistent(digest: total, record: last?.0)
            }
            if rows.isEmpty, total == live, last == nil, total == .zero {
                return .consistent(digest: total, record: nil)  // a new, empty store
            }
            var detail: [String] = []
            if total != live {
                detail.append(rows.isEmpty ? "rows were added, removed or rewritten with their hashes (the tables no longer add up to the digest Warden keeps)"
                                           : "the tables no longer add up to the digest Warden keeps")
            } else if let recorded, recorded != total {
                detail.append("changes were made without a journal record")
            } else if last == nil {
                detail.append("governed rows exist but no journal record binds them")
            }
            return .drifted(sinceRecord: last?.0 ?? 0, rows: rows, detail: detail.joined(separator: "; "))
        }
    }

    /// After an operator has looked into a drift: the tables as they are become the new baseline,
    /// journaled with what differed (`audit accept-drift`).
    public func acceptStateDrift(_ m: Mutation) throws(StoreError) -> StateCheck {
        let check = try verifyState()
        guard case .drifted(let since, let rows, let detail) = check else {
            throw .refused(check.isConsistent ? "the governed state matches the journal; there is no drift to accept" : check.summary)
        }
        try write { () throws(StoreError) in
            let governed = try governedColumns()
            try createDigestTriggers(governed)
            let before = try liveStateDigest()
            let digest = try rehashAll(governed)
            try db.prepare("UPDATE governed_state SET digest = ?, signature = ? WHERE id = 1").bind(digest.bytes, Self.signature(governed)).run()
            try appendAudit(m, action: "state.accept_drift", target: "store",
                            before: json(["since_record": .int(since), "digest": before.map { .string($0.hex) } ?? .null,
                                          "rows": .array(rows.prefix(200).map { .string($0) }), "detail": .string(detail)]),
                            after: json(["digest": .string(digest.hex)]))
        }
        return try verifyState()
    }

    static func wallClock() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
