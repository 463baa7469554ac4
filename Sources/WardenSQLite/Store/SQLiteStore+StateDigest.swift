import WardenStore
import Glibc
import WardenCore

// The governed state bound to the journal (rule 5). Every row of principals, agents and
// credentials has a hash of its content (`digest`); `governed_state.digest` is their sum (a
// multiset hash, kept in O(1) per row change by triggers); each journal record carries the sum
// after its action, inside the hash chain. `verifyState` recomputes all of it from the tables.
// Telemetry (calls), instances and heartbeats are not governed state: they change all the time
// and no decision reads them, so they are outside the digest.
extension SQLiteStore {
    static let governedTables: [(table: String, noun: String)] = [
        ("principals", "principal"), ("agents", "agent"), ("credentials", "credential"),
        // Tool pinning (schema 10): present only once migrated; a read-only open of an older
        // file hashes the tables it has.
        ("tool_servers", "tool server"), ("tool_settings", "tool setting"), ("tool_pins", "tool pin"),
        ("tool_definitions", "tool definition"), ("tool_decisions", "tool decision"),
        // Gates (schema 11), likewise present only once migrated.
        ("gates", "gate"), ("gate_credentials", "gate credential"),
    ]
    /// Columns that say nothing about what is governed: the change feed's stamp and the hash itself.
    static let unhashedColumns: Set<String> = ["version", "digest"]

    /// The hashed columns of each governed table, in schema order, read from the schema itself:
    /// a column a later migration adds is governed from then on.
    func governedColumns() throws(StoreError) -> [(table: String, columns: [String])] {
        var out: [(String, [String])] = []
        for (t, _) in Self.governedTables {
            let cols = try db.prepare("SELECT name FROM pragma_table_info('\(t)') ORDER BY cid").all { $0.string(0) }
            if cols.isEmpty { continue }  // a table a later migration adds, not there yet
            out.append((t, cols.filter { !Self.unhashedColumns.contains($0) }))
        }
        return out
    }

    static func signature(_ governed: [(table: String, columns: [String])]) -> String {
        governed.map { "\($0.table)(\($0.columns.joined(separator: ",")))" }.joined(separator: ";")
    }

    /// `warden_row_hash('agents', 'id', P.id, 'name', P.name, …)` for a row named by `prefix`
    /// (NEW., OLD. or none). Each value is hashed with its column's name, so renaming or swapping
    /// columns behind Warden's back changes every hash.
    static func rowHash(_ table: String, _ columns: [String], _ prefix: String = "") -> String {
        rowHash(table, columns) { prefix + $0 }
    }

    static func rowHash(_ table: String, _ columns: [String], value: (String) -> String) -> String {
        "warden_row_hash('\(table)'" + columns.map { ", '\($0)', \(value($0))" }.joined() + ")"
    }

    /// Every trigger the schema may hold, by name, with its exact SQL: the row versions of the
    /// change feed and the digest's. A trigger that is not here, or whose SQL differs, was made
    /// behind Warden's back (it could undo a revocation as it happens) and is refused.
    func expectedTriggers(_ governed: [(table: String, columns: [String])]) -> [(name: String, sql: String)] {
        var out: [(String, String)] = []
        for (t, cols) in governed {
            let new = Self.rowHash(t, cols, "NEW."), old = Self.rowHash(t, cols, "OLD.")
            let changed = cols.map { "NEW.\($0) IS NOT OLD.\($0)" }.joined(separator: " OR ")
            out.append(("\(t)_version_insert", """
                CREATE TRIGGER \(t)_version_insert AFTER INSERT ON \(t) BEGIN
                    UPDATE row_version SET v = v + 1;
                    UPDATE \(t) SET version = (SELECT v FROM row_version) WHERE id = NEW.id;
                END
                """))
            out.append(("\(t)_version_update", """
                CREATE TRIGGER \(t)_version_update AFTER UPDATE ON \(t)
                WHEN NEW.version = OLD.version AND NEW.digest IS OLD.digest BEGIN
                    UPDATE row_version SET v = v + 1;
                    UPDATE \(t) SET version = (SELECT v FROM row_version) WHERE id = NEW.id;
                END
                """))
            out.append(("\(t)_digest_insert", """
                CREATE TRIGGER \(t)_digest_insert AFTER INSERT ON \(t) BEGIN
                    UPDATE governed_state SET digest = warden_digest_step(digest, NULL, \(new));
                    UPDATE \(t) SET digest = \(new) WHERE id = NEW.id;
                END
                """))
            out.append(("\(t)_digest_update", """
                CREATE TRIGGER \(t)_digest_update AFTER UPDATE ON \(t) WHEN \(changed) BEGIN
                    UPDATE governed_state SET digest = warden_digest_step(digest, \(old), \(new));
                    UPDATE \(t) SET digest = \(new) WHERE id = NEW.id;
                END
                """))
            out.append(("\(t)_digest_delete", """
                CREATE TRIGGER \(t)_digest_delete AFTER DELETE ON \(t) BEGIN
                    UPDATE governed_state SET digest = warden_digest_step(digest, \(old), NULL);
                END
                """))
        }
        for (name, when) in [("instances_version_insert", "AFTER INSERT ON instances"), ("instances_version_update", "AFTER UPDATE ON instances WHEN NEW.version = OLD.version")] {
            out.append((name, """
                CREATE TRIGGER \(name) \(when) BEGIN
                    UPDATE row_version SET v = v + 1;
                    UPDATE instances SET version = (SELECT v FROM row_version) WHERE id = NEW.id;
                END
                """))
        }
        return out
    }

    /// (Re)creates Warden's own triggers (`expectedTriggers`), leaving any other in place.
    func createDigestTriggers(_ governed: [(table: String, columns: [String])]) throws(StoreError) {
        for (name, sql) in expectedTriggers(governed) {
            try db.exec("DROP TRIGGER IF EXISTS \(name)")
            try db.exec(sql)
        }
    }

    /// How the schema's triggers differ from Warden's: foreign ones, altered ones, missing ones.
    func triggerDifferences(_ governed: [(table: String, columns: [String])]) throws(StoreError) -> (foreign: [String], altered: [String], missing: [String]) {
        let expected = Dictionary(expectedTriggers(governed).map { ($0.name, $0.sql) }, uniquingKeysWith: { a, _ in a })
        let actual = try db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all { ($0.string(0), $0.string(1)) }
        var foreign: [String] = [], altered: [String] = []
        for (name, sql) in actual {
            guard let want = expected[name] else { foreign.append(name); continue }
            if sql != want { altered.append(name) }
        }
        let present = Set(actual.map(\.0))
        return (foreign.sorted(), altered.sorted(), expected.keys.filter { !present.contains($0) }.sorted())
    }

    /// Inside the migration's write transaction: when the governed columns differ from those the
    /// digest was built for (a new store, an upgrade from before the digest, a migration adding a
    /// column), rebuild triggers, row hashes and the sum from the tables and journal the baseline.
    /// Before a store that already had a digest is re-baselined, its tables are checked against
    /// the journal under the columns the journal last declared: a drift found then is journaled
    /// (`state.drift_detected`) ahead of the baseline, so lowering the schema version to force a
    /// new baseline launders nothing. Missing triggers are put back without a new baseline.
    func ensureStateDigest() throws(StoreError) {
        let governed = try governedColumns()
        let signature = Self.signature(governed)
        let stored = try db.prepare("SELECT signature FROM governed_state WHERE id = 1").first { $0.string(0) }
        // Older versions of Warden's own triggers are expected here (a migration rebuilds them);
        // a trigger of another name is not.
        try refuseForeignTriggers(governed, evenAltered: stored == signature)
        if stored != signature {
            let now = Self.wallClock()
            if let found = try driftUnderDeclaredColumns() {
                try appendAudit(Mutation(operatorName: "warden", now: now), action: "state.drift_detected", target: "store",
                                before: nil, after: json(["detail": .string(found)]), checkDrift: false)
            }
            try createDigestTriggers(governed)
            let digest = try rehashAll(governed)
            try db.prepare("UPDATE governed_state SET digest = ?, signature = ? WHERE id = 1").bind(digest.bytes, signature).run()
            // A brand-new store journals nothing until its first action; an upgraded one records
            // the baseline it starts from.
            if try db.prepare("SELECT count(*) FROM audit").first({ $0.int(0) }) ?? 0 > 0 || stored?.isEmpty == false {
                try appendAudit(Mutation(operatorName: "warden", now: now), action: "state.baseline", target: "store",
                                before: stored.flatMap { $0.isEmpty ? nil : json(["columns": .string($0)]) },
                                after: json(["columns": .string(signature), "digest": .string(digest.hex)]), checkDrift: false)
            }
        } else if !(try triggerDifferences(governed).missing.isEmpty) {
            try createDigestTriggers(governed)
        }
    }

    /// On a write open of an up-to-date store: a trigger Warden did not make refuses the open (it
    /// could undo what this process writes); missing ones are put back.
    func ensureDigestTriggers() throws(StoreError) {
        let governed = try governedColumns()
        try refuseForeignTriggers(governed)
        if !(try triggerDifferences(governed).missing.isEmpty) {
            try write { () throws(StoreError) in try createDigestTriggers(governed) }
        }
    }

    private func refuseForeignTriggers(_ governed: [(table: String, columns: [String])], evenAltered: Bool = true) throws(StoreError) {
        let d = try triggerDifferences(governed)
        let bad = d.foreign + (evenAltered ? d.altered : [])
        if !bad.isEmpty {
            throw .refused("\(location) has \(bad.count == 1 ? "a trigger" : "triggers") Warden did not create (\(bad.joined(separator: ", "))): the store was changed outside Warden and could undo what Warden writes; `warden doctor` says more. Drop them (after investigating) before writing")
        }
    }

    /// The columns the journal last declared for the digest (a baseline's or an accepted drift's).
    private func declaredColumns() throws(StoreError) -> [(table: String, columns: [String])]? {
        guard let after = try db.prepare("SELECT after FROM audit WHERE action IN ('state.baseline', 'state.accept_drift') ORDER BY seq DESC LIMIT 1")
            .first({ $0.optString(0) }) ?? nil,
              let value = try? JSONParser.parse(after), let sig = value["columns"]?.string else { return nil }
        return Self.parseSignature(sig)
    }

    /// `principals(a,b);agents(c)` back into tables and columns.
    static func parseSignature(_ sig: String) -> [(table: String, columns: [String])]? {
        var out: [(String, [String])] = []
        for part in sig.split(separator: ";") {
            guard let open = part.firstIndex(of: "("), part.last == ")" else { return nil }
            out.append((String(part[..<open]), part[part.index(after: open)..<part.index(before: part.endIndex)].split(separator: ",").map(String.init)))
        }
        return out
    }

    /// When the journal carries a digest: whether the tables, hashed under the columns the journal
    /// declared, still add up to the last recorded digest. A description of the drift, or nil.
    private func driftUnderDeclaredColumns() throws(StoreError) -> String? {
        guard let last = try db.prepare("SELECT seq, state_digest FROM audit WHERE state_digest IS NOT NULL ORDER BY seq DESC LIMIT 1")
            .first({ ($0.int(0), StateDigest(hex: $0.string(1))) }) else { return nil }
        // The columns the digest was kept over: as the journal declared them, else as the store
        // recorded them (a store that never needed a baseline), else as they are now.
        let recordedSignature = try db.prepare("SELECT signature FROM governed_state WHERE id = 1").first { $0.string(0) } ?? ""
        let declared: [(table: String, columns: [String])]
        if let journal = try declaredColumns() {
            declared = journal
        } else if let recorded = Self.parseSignature(recordedSignature), !recordedSignature.isEmpty {
            declared = recorded
        } else {
            declared = try governedColumns()
        }
        var total = StateDigest.zero
        for (t, cols) in declared {
            let present = Set(try db.prepare("SELECT name FROM pragma_table_info('\(t)')").all { $0.string(0) })
            if let gone = cols.first(where: { !present.contains($0) }) {
                return "column \(t).\(gone), which the journal's digest covers, is gone"
            }
            if let d = try db.prepare("SELECT warden_digest_sum(\(Self.rowHash(t, cols))) FROM \(t)").first({ StateDigest(bytes: $0.blob(0)) }) ?? nil {
                total.add(d)
            }
        }
        return total == last.1 ? nil : "the governed tables no longer matched record \(last.0) when the store's schema was rebuilt"
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
        guard changes.keys.allSatisfy(cols.contains) else { throw .io("\(table) has no column \(changes.keys.filter { !cols.contains($0) }.sorted())") }
        // One call per row (`warden_digest_revise`): the row's values, then the new values of the
        // columns the UPDATE changes. Columns are named with their table: an UPDATE … FROM may
        // join a table with the same names.
        let changed = cols.indices.filter { changes[cols[$0]] != nil }
        let layout = "\(table)|\(cols.joined(separator: ","))|\(changed.map(String.init).joined(separator: ","))"
        let values = cols.map { "\(table).\($0)" } + changed.map { changes[cols[$0]]! }
        return "digest = warden_digest_revise('\(layout)', \(values.joined(separator: ", ")))"
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
            let nouns = Dictionary(uniqueKeysWithValues: Self.governedTables.map { ($0.table, $0.noun) })
            for (t, cols) in try governedColumns() {
                let noun = nouns[t] ?? t
                let q = try db.prepare("SELECT id, \(Self.rowHash(t, cols)), digest FROM \(t)")
                while try q.step() {
                    let h = StateDigest(bytes: q.blob(1)) ?? .zero
                    total.add(h)
                    if StateDigest(bytes: q.blob(2)) != h, rows.count < 1000 { rows.append("\(noun) \(q.string(0))") }
                }
            }
            let last = try db.prepare("SELECT seq, state_digest FROM audit WHERE state_digest IS NOT NULL ORDER BY seq DESC LIMIT 1")
                .first { ($0.int(0), StateDigest(hex: $0.string(1))) }
            let drift = try db.prepare("""
                SELECT seq, after FROM audit WHERE action = 'state.drift_detected'
                AND seq > coalesce((SELECT max(seq) FROM audit WHERE action = 'state.accept_drift'), 0) ORDER BY seq LIMIT 1
                """).first { ($0.int(0), $0.optString(1)) }
            return StateVerdict.judge(StateFacts(recomputed: total, mismatchedRows: rows, kept: try liveStateDigest(),
                                                 lastJournaled: last, unacceptedDrift: drift,
                                                 backendProblem: try schemaProblem()))
        }
    }

    /// The digest's own machinery changed outside Warden: the columns it covers, or a trigger
    /// Warden did not make (or made differently).
    private func schemaProblem() throws(StoreError) -> String? {
        let governed = try governedColumns()
        let storedSignature = try db.prepare("SELECT signature FROM governed_state WHERE id = 1").first { $0.string(0) }
        let declared = try declaredColumns().map(Self.signature)
        if storedSignature != Self.signature(governed) || (declared != nil && declared != Self.signature(governed)) {
            return "the governed tables' columns were changed outside Warden"
        }
        let triggers = try triggerDifferences(governed)
        if !triggers.foreign.isEmpty || !triggers.altered.isEmpty {
            let names = (triggers.foreign.map { "\($0) (not Warden's)" } + triggers.altered.map { "\($0) (altered)" }).joined(separator: ", ")
            return "triggers changed outside Warden: \(names)"
        }
        return nil
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
            try refuseForeignTriggers(governed)
            try createDigestTriggers(governed)
            let before = try liveStateDigest()
            let digest = try rehashAll(governed)
            try db.prepare("UPDATE governed_state SET digest = ?, signature = ? WHERE id = 1").bind(digest.bytes, Self.signature(governed)).run()
            try appendAudit(m, action: "state.accept_drift", target: "store",
                            before: json(["since_record": .int(since), "digest": before.map { .string($0.hex) } ?? .null,
                                          "rows": .array(rows.prefix(200).map { .string($0) }), "detail": .string(detail)]),
                            after: json(["columns": .string(Self.signature(governed)), "digest": .string(digest.hex)]),
                            checkDrift: false)
        }
        return try verifyState()
    }

    static func wallClock() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
