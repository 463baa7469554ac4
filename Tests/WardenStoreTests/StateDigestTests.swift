import CSQLite
import Foundation
import Testing
import WardenCore
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

/// The governed state bound to the journal (rule 5): every path that changes principals, agents
/// or credentials keeps the digest; an edit behind Warden's back is found and named.
@Suite("State digest")
struct StateDigestTests {
    func expectConsistent(_ s: SQLiteStore, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let check = try s.verifyState()
        #expect(check.isConsistent, "after \(what): \(check.summary)", sourceLocation: sourceLocation)
        if case .consistent(let digest, let record) = check {
            #expect(record == (try s.auditHead())?.seq, "the digest is bound to the last record", sourceLocation: sourceLocation)
            #expect(digest == (try s.liveStateDigest()), sourceLocation: sourceLocation)
        }
    }

    @Test func everyOperatorActionAndTelemetryKeepsTheStateBound() throws {
        let t = try TempStore()
        let s = t.store
        try expectConsistent(s, "create")
        let f = try SmallFleet(s)
        try expectConsistent(s, "a small fleet")
        _ = try s.narrow(agentID: f.planner.id, .drop(scopes("slack/*")), m(t0 + 1))
        try expectConsistent(s, "narrow")
        // Narrowing that cuts descendants' grants (written with triggers off).
        _ = try s.narrow(agentID: f.coder.id, .keep(scopes("github/get_issue")), m(t0 + 1))
        try expectConsistent(s, "narrow cutting a descendant")
        _ = try s.revokeCredential(f.reporterToken.credential.id, m(t0 + 2))
        try expectConsistent(s, "revoking a credential")
        _ = try s.revokeAgent(f.coder.id, m(t0 + 3))
        try expectConsistent(s, "a cascade")
        let session = TelemetrySession(operatorName: "ingest")
        _ = try s.applyTelemetry([
            TelemetryEvent(at: t0, agent: "shadow-bot", source: 1, body: .instanceStarted(instanceID: "sh-0", host: "h", pid: 1)),
            TelemetryEvent(at: t0, agent: "planner", source: 2, body: .delegate(name: "helper", id: nil, scopes: scopes("github/get_*"), ttlMs: 60_000)),
        ], session: session, atomically: false)
        try expectConsistent(s, "telemetry creating agents")
        _ = try s.disablePrincipal("user:alice@acme.example", m(t0 + 4))
        try expectConsistent(s, "disabling a principal")
    }

    @Test func heartbeatsAndCallsLeaveTheDigestAlone() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        let before = try t.store.liveStateDigest()
        try t.store.recordInstanceEvents([.started(Instance(id: "i1", agentID: f.planner.id, host: "h", pid: 1, startedAt: t0, lastHeartbeat: t0))])
        try t.store.recordInstanceEvents([.heartbeat(instanceID: "i1", at: t0 + 10_000)])
        _ = try t.store.recordCalls([ToolCall(at: t0, agentID: f.planner.id, server: "github", tool: "get_issue", decision: .allow)])
        #expect(try t.store.liveStateDigest() == before)
        try expectConsistent(t.store, "heartbeats and calls")
    }

    /// The attack as found: straight SQL un-revokes and widens everything and plants a credential.
    @Test func straightSQLIsFoundAndTheRowsNamed() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        _ = try t.store.revokeAgent(f.planner.id, m(t0 + 1))
        // A plain connection has none of Warden's functions: its writes fail while the triggers stand.
        #expect(Self.foreign(t.path, "UPDATE agents SET revoked_at = NULL") != nil)
        #expect(try t.store.verifyState().isConsistent)
        let err = Self.foreign(t.path, """
            DROP TRIGGER agents_digest_update; DROP TRIGGER credentials_digest_update; DROP TRIGGER credentials_digest_insert;
            UPDATE agents SET revoked_at = NULL, scopes = '*';
            UPDATE credentials SET revoked_at = NULL WHERE id = '\(f.coderToken.credential.id)';
            INSERT INTO credentials(id, agent_id, secret_hash, scopes, issued_at) VALUES ('tok_planted', '\(f.tester.id)', randomblob(32), '*', 0);
            """)
        #expect(err == nil, "\(err ?? "")")
        let check = try SQLiteStore.open(path: t.path).verifyState()
        guard case .drifted(let since, let rows, _) = check else { Issue.record("not found: \(check)"); return }
        #expect(since == (try t.store.auditHead())?.seq)
        #expect(Set(rows) == Set([f.planner, f.coder, f.tester, f.reporter].map { "agent \($0.id)" }
                                  + ["credential \(f.coderToken.credential.id)", "credential tok_planted"]))
        #expect(check.summary.hasPrefix("state changed outside Warden since record \(since): "))
        // Opening for writing put the triggers back (the drift stays).
        let n = try t.store.db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name GLOB '*_digest_*'").first { $0.int(0) }
        #expect(n == Int64(3 * SQLiteStore.governedTables.count))
    }

    @Test func aDeletedRowIsFoundByTheSum() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        #expect(Self.foreign(t.path, "DROP TRIGGER credentials_digest_delete; DELETE FROM credentials WHERE id = '\(f.plannerToken.credential.id)'") == nil)
        guard case .drifted(_, let rows, let detail) = try t.store.verifyState() else { Issue.record("a deleted credential went unnoticed"); return }
        #expect(rows.isEmpty)
        #expect(detail.contains("no longer add up"))
    }

    /// A writer with Warden's functions (triggers intact) that skips the journal.
    @Test func aChangeWithoutAJournalRecordIsFound() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        try t.store.db.exec("UPDATE agents SET scopes = '*' WHERE id = '\(f.tester.id)'")
        guard case .drifted(_, let rows, let detail) = try t.store.verifyState() else { Issue.record("unjournaled change went unnoticed"); return }
        #expect(rows.isEmpty && detail == "changes were made without a journal record")
    }

    @Test func acceptingADriftJournalsItAndRebinds() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        #expect(throws: StoreError.self) { try t.store.acceptStateDrift(m(t0 + 1, reason: "nothing to accept")) }
        #expect(Self.foreign(t.path, "DROP TRIGGER agents_digest_update; UPDATE agents SET scopes = '*' WHERE id = '\(f.tester.id)'") == nil)
        let s = try SQLiteStore.open(path: t.path)
        let after = try s.acceptStateDrift(m(t0 + 2, reason: "restored from backup"))
        #expect(after.isConsistent)
        let head = try #require(try s.auditHead())
        let record = try #require(try s.auditRecords(afterSeq: head.seq - 1, limit: 1).first)
        #expect(record.action == "state.accept_drift" && record.reason == "restored from backup")
        #expect(record.before?.contains("agent \(f.tester.id)") == true)
        #expect(try s.verifyAudit(expectedHead: nil).isIntact)
        // Warden keeps it from here on.
        _ = try s.revokeAgent(f.tester.id, m(t0 + 3))
        try expectConsistent(s, "a revoke after acceptance")
    }

    /// A store written before the digest (schema 2) upgrades with a journaled baseline, and its
    /// older records keep verifying.
    @Test func aStoreFromBeforeTheDigestGetsABaseline() throws {
        let folder = try TempFolder()
        let path = folder.file("old.db")
        let old = Migrations.v1 + Migrations.v2 + """
            PRAGMA user_version = 2;
            INSERT INTO meta VALUES ('trust_domain', 'acme.example');
            INSERT INTO principals(id, kind, name, scopes, status, created_at) VALUES ('user:a@acme.example', 'human', 'A', '*', 'active', 1);
            INSERT INTO agents(id, name, principal_id, parent_id, depth, scopes, created_at) VALUES ('spiffe://acme.example/agent/x/0001', 'x', 'user:a@acme.example', NULL, 1, 'github/*', 1);
            """
        #expect(Self.foreign(path, old) == nil)
        chmod(path, 0o600)
        var r = AuditRecord(seq: 1, at: 1, operatorName: "old", action: "agent.register", target: "spiffe://acme.example/agent/x/0001",
                            before: nil, after: "{}", reason: nil, prevHash: AuditRecord.genesisHash, hash: "")
        r.hash = AuditJournal.chainHash(r)
        #expect(Self.foreign(path, "INSERT INTO audit VALUES (1, 1, 'old', 'agent.register', '\(r.target)', NULL, '{}', NULL, '\(r.prevHash)', '\(r.hash)')") == nil)
        let s = try SQLiteStore.open(path: path)
        #expect(try s.schemaVersion().file == Migrations.latest)
        let records = try s.auditRecords(afterSeq: 0, limit: 10)
        #expect(records.map(\.action) == ["agent.register", "state.baseline"])
        #expect(records[0].stateDigest == nil && records[1].stateDigest != nil)
        #expect(try s.verifyAudit(expectedHead: nil).isIntact)
        try expectConsistent(s, "the upgrade")
    }

    // MARK: attacks found reviewing the digest

    /// Swapping two columns' names leaves every value where it was: the hash covers the names.
    @Test func renamingColumnsIsFound() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        _ = try t.store.revokeCredential(f.coderToken.credential.id, m(t0 + 1))
        #expect(Self.foreign(t.path, """
            ALTER TABLE credentials RENAME COLUMN revoked_at TO tmpx;
            ALTER TABLE credentials RENAME COLUMN renewed_from TO revoked_at;
            ALTER TABLE credentials RENAME COLUMN tmpx TO renewed_from;
            """) == nil)
        let check = try SQLiteStore.open(path: t.path, readOnly: true).verifyState()
        guard case .drifted(_, let rows, let detail) = check else { Issue.record("a column swap went unnoticed"); return }
        #expect(detail.contains("columns were changed outside Warden"), "\(detail)")
        #expect(rows.contains("credential \(f.coderToken.credential.id)"))
    }

    /// Lowering the schema version and blanking the signature forces a new baseline: the tables
    /// are first checked against the journal, and the drift is journaled ahead of the baseline.
    @Test func aForcedRebaselineDoesNotLaunderTampering() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        _ = try t.store.revokeAgent(f.coder.id, m(t0 + 1))
        #expect(Self.foreign(t.path, """
            DROP TRIGGER agents_digest_update; DROP TRIGGER agents_version_update;
            UPDATE agents SET revoked_at = NULL, revoked_by = NULL, scopes = '*';
            UPDATE governed_state SET signature = '';
            PRAGMA user_version = \(Migrations.latest - 1);
            """) == nil)
        let s = try SQLiteStore.open(path: t.path)
        let check = try s.verifyState()
        guard case .drifted(_, _, let detail) = check else { Issue.record("the re-baseline laundered the edit: \(check)"); return }
        #expect(detail.contains("no longer matched record"), "\(detail)")
        let actions = try s.auditRecords(afterSeq: 0, limit: 100).map(\.action)
        #expect(actions.suffix(2) == ["state.drift_detected", "state.baseline"], "\(actions)")
    }

    /// A writer with Warden's functions changes state without a record; the next operator action
    /// journals the drift first instead of binding the changed state as its own.
    @Test func theNextRecordDoesNotLaunderAnUnjournaledChange() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        try t.store.db.exec("UPDATE agents SET scopes = '*' WHERE id = '\(f.tester.id)'")
        _ = try t.store.addPrincipal(id: "workload:unrelated", kind: .workload, name: "x", scopes: .everything, m(t0 + 2))
        guard case .drifted(_, _, let detail) = try t.store.verifyState() else { Issue.record("laundered by the next record"); return }
        #expect(detail.contains("without a journal record"), "\(detail)")
        let actions = try t.store.auditRecords(afterSeq: 0, limit: 100).map(\.action)
        #expect(actions.suffix(2) == ["state.drift_detected", "principal.add"], "\(actions)")
        #expect(try t.store.verifyAudit(expectedHead: nil).isIntact)
        // Accepting it clears it; Warden keeps the state from there.
        #expect(try t.store.acceptStateDrift(m(t0 + 3, reason: "investigated")).isConsistent)
    }

    /// A cascade hashes each row it revokes before and after in one call per row
    /// (`warden_digest_revise`); the "before" comes from the row as stored, never from its kept
    /// hash, so a credential and an agent edited behind Warden's back (triggers off) stay a
    /// difference after the cascade rewrites their hashes.
    @Test func aCascadeDoesNotLaunderAnEditedRow() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        try t.store.db.withoutTriggers { () throws(StoreError) in
            try t.store.db.exec("UPDATE credentials SET scopes = '*' WHERE id = '\(f.coderToken.credential.id)'")
            try t.store.db.exec("UPDATE agents SET scopes = '*' WHERE id = '\(f.coder.id)'")
        }
        let plan = try t.store.revokeAgent(f.coder.id, m(t0 + 1))
        #expect(plan.credentials.contains(f.coderToken.credential.id))
        guard case .drifted = try t.store.verifyState() else { Issue.record("the cascade laundered the edits"); return }
        // Without the edits the same cascade keeps the digest exact.
        let clean = try TempStore()
        let g = try SmallFleet(clean.store)
        _ = try clean.store.revokeAgent(g.coder.id, m(t0 + 1))
        try expectConsistent(clean.store, "a cascade")
    }

    /// A trigger planted to undo revocations: writes are refused, and the check names it.
    @Test func aPlantedTriggerIsRefusedAndNamed() throws {
        let t = try TempStore()
        _ = try SmallFleet(t.store)
        #expect(Self.foreign(t.path, """
            CREATE TRIGGER zz_keep AFTER UPDATE OF revoked_at ON credentials WHEN NEW.revoked_at IS NOT NULL
            BEGIN UPDATE credentials SET revoked_at = NULL, revoked_by = NULL WHERE id = NEW.id; END;
            """) == nil)
        #expect(throws: StoreError.self) { try SQLiteStore.open(path: t.path) }
        let check = try SQLiteStore.open(path: t.path, readOnly: true).verifyState()
        guard case .drifted(_, _, let detail) = check else { Issue.record("a planted trigger went unnoticed"); return }
        #expect(detail.contains("zz_keep"), "\(detail)")
    }

    /// Runs SQL on a plain connection, as the sqlite3 shell would (no Warden functions); the
    /// error message, or nil.
    static func foreign(_ path: String, _ sql: String) -> String? {
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK, let db else { return "cannot open" }
        defer { sqlite3_close(db) }
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &err) != SQLITE_OK {
            defer { sqlite3_free(err) }
            return err.map { String(cString: $0) } ?? "error"
        }
        return nil
    }
}
