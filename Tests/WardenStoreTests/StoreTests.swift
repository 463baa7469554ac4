import Foundation
import Testing
import WardenCore
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

@Suite("SQLite store")
struct StoreTests {
    @Test func createsWithPrivateModesAndMigratesAnEmptyFile() throws {
        let t = try TempStore()
        var st = stat()
        #expect(stat(t.path, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        #expect(stat(t.folder + "/store", &st) == 0)
        #expect(st.st_mode & 0o777 == 0o700)
        #expect(try t.store.trustDomain() == "acme.example")
        #expect(try t.store.db.prepare("PRAGMA user_version").first { $0.int(0) } == Int64(Migrations.latest))
        #expect(try t.store.db.prepare("PRAGMA journal_mode").first { $0.string(0) } == "wal")

        // An empty file (as `touch` leaves it) is migrated forward on open.
        let empty = t.folder + "/empty.db"
        #expect(FileManager.default.createFile(atPath: empty, contents: nil, attributes: [.posixPermissions: 0o600]))
        let s = try SQLiteStore.open(path: empty)
        #expect(try s.principals().isEmpty)
        #expect(try s.db.prepare("PRAGMA user_version").first { $0.int(0) } == Int64(Migrations.latest))
        #expect(try s.db.prepare("PRAGMA application_id").first { $0.int(0) } == StoreIdentity.applicationID)

        #expect(throws: StoreError.missing(path: t.folder + "/none.db")) { try SQLiteStore.open(path: t.folder + "/none.db") }
        #expect(throws: StoreError.self) { try SQLiteStore.create(path: t.path, trustDomain: "x") }
    }

    /// A principal written before IDs were checked may carry an agent's SPIFFE ID: the ID
    /// reaches the kind whose shape it has (the agent), never the lookalike principal.
    @Test func anIDNamingAPrincipalAndAnAgentReachesTheKindOfItsShape() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        #expect(throws: StoreError.self, "new principals may not take an agent's ID") {
            try t.store.addPrincipal(id: f.planner.id, kind: .workload, name: "lookalike", scopes: .everything, m())
        }
        try t.store.insertPrincipal(Principal(id: f.planner.id, kind: .workload, name: "lookalike", createdAt: t0))
        #expect(try t.store.resolve(f.planner.id) == .agent(f.planner.id))
        #expect(try t.store.resolve("planner") == .agent(f.planner.id), "the exact name still reaches the agent")
    }

    /// A journal head numbered 2^63-1 (written outside Warden) leaves no number for the next
    /// record: a write fails with an error saying so, never a crash, and changes nothing.
    @Test func aJournalHeadAtTheLastNumberIsAnErrorNotACrash() throws {
        let t = try TempStore()
        _ = try SmallFleet(t.store)
        try t.store.db.exec("INSERT INTO audit(seq, at, operator, action, target, prev_hash, hash) VALUES (\(Int64.max), 0, 'x', 'note', 'x', 'x', 'x')")
        let before = try t.store.principals()
        #expect {
            try t.store.addPrincipal(id: "user:bob@acme.example", kind: .human, name: "Bob", scopes: .everything, m())
        } throws: { error in
            guard case StoreError.refused(let why) = error else { return false }
            return why.contains("no record can follow")
        }
        #expect(try t.store.principals() == before)
    }

    /// Decoys an ingester's SQL could once write (PostgreSQL before schema 13): "observed agents"
    /// whose IDs are a principal's, a credential's, or a registered agent's name. Each text
    /// still reaches the real thing, so `revoke` and `principal disable` cannot be steered to a
    /// decoy nor blocked as ambiguous. A legacy row's odd exact ID is reached after every name.
    @Test func decoyAgentIDsNeverTakeARealOnesReference() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        let principal = f.planner.principalID
        let credential = try t.store.issueCredential(agentID: f.planner.id, ttlMs: 3_600_000, scopes: nil, instanceID: nil, m()).credential.id
        for id in [principal, credential, "planner", "oddity"] {
            try t.store.insertAgent(Agent(id: id, name: "decoy", principalID: principal, parentID: nil, depth: 1, grant: .none,
                                          createdAt: t0, expiresAt: nil, registered: false))
        }
        #expect(try t.store.resolve(principal) == .principal(principal))
        #expect(try t.store.resolve(credential) == .credential(credential))
        #expect(try t.store.resolve("planner") == .agent(f.planner.id), "the registered name before a decoy's exact ID")
        #expect(try t.store.resolve("oddity") == .agent("oddity"), "a legacy exact ID, when no name matches")
    }

    @Test func everyMutationIsAuditedAndTheChainVerifies() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        _ = try t.store.revokeAgent(f.coder.id, Mutation(operatorName: "bob", now: t0 + 5, reason: "leaked"))
        let records = try t.store.auditRecords(afterSeq: 0, limit: 100)
        #expect(records.map(\.action) == ["principal.add", "agent.register", "agent.register", "agent.register", "agent.register",
                                          "credential.issue", "credential.issue", "credential.issue", "credential.issue", "agent.revoke"])
        #expect(records.last?.operatorName == "bob")
        #expect(records.last?.reason == "leaked")
        #expect(try t.store.verifyAudit().isIntact)
        let head = try t.store.auditHead()!
        #expect(head.seq == 10)

        try t.store.db.exec("UPDATE audit SET reason = 'nothing to see' WHERE seq = 10")
        #expect(try t.store.verifyAudit() == .broken(seq: 10, problem: "its content does not match its hash (the record was changed)"))
        try t.store.db.exec("UPDATE audit SET reason = 'leaked' WHERE seq = 10")
        try t.store.db.exec("DELETE FROM audit WHERE seq = 4")
        if case .broken(let seq, _) = try t.store.verifyAudit() { #expect(seq == 5) } else { Issue.record("deletion not detected") }
    }

    @Test func truncatedJournalIsCaughtWithTheHead() throws {
        let t = try TempStore()
        _ = try SmallFleet(t.store)
        let head = try t.store.auditHead()!
        try t.store.db.exec("DELETE FROM audit WHERE seq >= 8")
        #expect(try t.store.verifyAudit().isIntact, "a cut tail alone is a valid shorter chain")
        #expect(try !t.store.verifyAudit(expectedHead: head).isIntact)
    }
}
