import Foundation
import Testing
import WardenCore
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

    @Test func delegationAndAuthorizationEndToEnd() throws {
        let t = try TempStore()
        let s = t.store
        let f = try SmallFleet(s)
        #expect(f.tester.depth == 3)
        #expect(f.coder.expiresAt == f.planner.expiresAt, "an agent without --ttl inherits its delegator's expiry")
        #expect(f.plannerToken.secret.hasPrefix("wdn_") && f.plannerToken.secret.count == 47)
        #expect(try s.authorize(secret: f.testerToken.secret, serverTool: "github/get_repo", now: t0 + 1).decision == .allow)
        #expect(try s.authorize(secret: f.testerToken.secret, serverTool: "github/create_issue", now: t0 + 1).decision == .deny(.outOfScope))
        #expect(try s.authorize(secret: f.testerToken.secret, serverTool: "github/get_repo", now: t0 + 600_000).decision == .deny(.credentialExpired))
        #expect(try s.authorize(secret: "wdn_nope", serverTool: "github/get_repo", now: t0).decision == .deny(.unknownCredential))

        // Widening is refused, naming the scope.
        #expect(throws: StoreError.refused(Attenuation.Refusal.scopeNotCovered(scope: "jira/*", delegator: f.coder.id).description)) {
            try s.registerAgent(name: "sneaky", delegator: f.coder.id, scopes: scopes("github/get_repo,jira/*"), ttlMs: nil, m())
        }
        #expect(throws: StoreError.self) {
            try s.issueCredential(agentID: f.tester.id, ttlMs: nil, scopes: scopes("github/*"), instanceID: nil, m())
        }

        // Narrowing the coder narrows the tester's effective scopes live.
        _ = try s.narrow(agentID: f.coder.id, .keep(scopes("github/get_issue")), m())
        #expect(try s.effectiveScopes(of: f.tester.id).strings == ["github/get_issue"])
        #expect(try s.authorize(secret: f.testerToken.secret, serverTool: "github/get_repo", now: t0 + 1).decision == .deny(.outOfScope))

        // Revoking the planner cascades; the reporter is untouched.
        let plan = try s.revokeAgent(f.planner.id, m(reason: "incident"))
        #expect(Set(plan.agents) == [f.planner.id, f.coder.id, f.tester.id])
        #expect(plan.credentials.count == 3)
        #expect(try s.authorize(secret: f.testerToken.secret, serverTool: "github/get_issue", now: t0 + 1).decision == .deny(.ancestorRevoked))
        #expect(try s.authorize(secret: f.plannerToken.secret, serverTool: "github/get_issue", now: t0 + 1).decision == .deny(.agentRevoked))
        _ = try s.revokeCredential(f.reporterToken.credential.id, m())
        #expect(try s.authorize(secret: f.reporterToken.secret, serverTool: "slack/post_message", now: t0 + 1).decision == .deny(.credentialRevoked))
        #expect(throws: StoreError.self) { try s.revokeAgent(f.coder.id, m()) }
        #expect(throws: StoreError.self) { try s.registerAgent(name: "late", delegator: f.coder.id, scopes: scopes("github/get_repo"), ttlMs: nil, m()) }
    }

    /// A principal written before IDs were checked may carry an agent's SPIFFE ID: the resolver
    /// refuses that ID as ambiguous instead of handing `revoke` the principal.
    @Test func anIDNamingAPrincipalAndAnAgentIsAmbiguous() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        #expect(throws: StoreError.self, "new principals may not take an agent's ID") {
            try t.store.addPrincipal(id: f.planner.id, kind: .workload, name: "lookalike", scopes: .everything, m())
        }
        try t.store.insertPrincipal(Principal(id: f.planner.id, kind: .workload, name: "lookalike", createdAt: t0))
        #expect {
            try t.store.resolve(f.planner.id)
        } throws: { error in
            guard case StoreError.ambiguous(_, let candidates) = error else { return false }
            return candidates.count == 2
        }
        #expect(try t.store.resolve("planner") == .agent(f.planner.id), "the exact name still reaches the agent")
    }

    @Test func resolvesPrefixesAndNames() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        #expect(try t.store.resolve("planner") == .agent(f.planner.id))
        #expect(try t.store.resolve(f.planner.id) == .agent(f.planner.id))
        #expect(try t.store.resolve(String(f.planner.id.dropLast(2))) == .agent(f.planner.id))
        #expect(try t.store.resolve("user:alice@acme.example") == .principal("user:alice@acme.example"))
        #expect(throws: StoreError.self, "principals by full ID only") { try t.store.resolve("user:alice") }
        #expect(throws: StoreError.self, "never a name prefix") { try t.store.resolve("plan") }
        #expect(throws: StoreError.self, "an ID prefix must reach the name's end") { try t.store.resolve("spiffe://acme.example/agent/plan") }
        #expect(try t.store.resolve(f.coderToken.credential.id) == .credential(f.coderToken.credential.id))
        #expect(throws: StoreError.self, "a prefix matching several agents is ambiguous") { try t.store.resolve("spiffe://acme.example/agent/") }
        #expect(throws: StoreError.self) { try t.store.resolve("nobody") }
        #expect(throws: StoreError.self) { try t.store.resolve(f.coderToken.secret) }
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

    @Test func failedImportLeavesTheStoreUnchanged() throws {
        let t = try TempStore()
        _ = try SmallFleet(t.store)
        let before = try contentDump(t.path)
        let doc = try FleetDocument.decode("""
        {"principals": [{"id": "user:carol@acme.example"}],
         "agents": [{"name": "ok", "by": "user:carol@acme.example", "scopes": ["*"]},
                    {"name": "bad", "by": "user:nobody@acme.example", "scopes": ["*"]}]}
        """)
        #expect(throws: StoreError.invalid("agents[1].by: no principal 'user:nobody@acme.example' in the document or the store")) {
            try t.store.importFleet(doc, m())
        }
        #expect(try contentDump(t.path) == before)
    }

    @Test func importBuildsTheTreeAndReportsSecrets() throws {
        let t = try TempStore()
        let doc = try FleetDocument.decode("""
        {"trust_domain": "acme.example", "principals": [{"id": "workload:ci/deploy"}],
         "agents": [{"name": "deployer", "by": "workload:ci/deploy", "id": "spiffe://acme.example/agent/deployer/00aa",
                     "scopes": ["k8s/*"], "ttl": "1d", "instances": [{"id": "i-1", "host": "ci-7", "pid": 42}],
                     "credentials": [{"id": "tok_static1", "secret": "sk-old-key-0000000000000", "issued": "2025-01-01T00:00:00Z"},
                                     {"ttl": "1h", "instance": "i-1"}],
                     "delegates": [{"name": "helm", "scopes": ["k8s/apply"]}]}]}
        """)
        let out = try t.store.importFleet(doc, m())
        #expect(out.agents == 2 && out.credentials == 2 && out.instances == 1 && out.issuedSecrets.count == 1)
        #expect(try t.store.authorize(secret: "sk-old-key-0000000000000", serverTool: "k8s/apply", now: t0).decision == .allow)
        #expect(try t.store.authorize(secret: out.issuedSecrets[0].secret, serverTool: "k8s/apply", now: t0).decision == .allow)
        let helm = try t.store.agents().first { $0.name == "helm" }!
        #expect(helm.parentID == "spiffe://acme.example/agent/deployer/00aa" && helm.depth == 2)
        #expect(helm.expiresAt == t0 + 86_400_000)
        #expect(try t.store.credential("tok_static1")?.expiresAt == nil)
        #expect(throws: StoreError.self) { try t.store.importFleet(doc, m()) }  // IDs already exist
    }

    @Test func callsAndInstancesAreRecorded() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        try t.store.recordInstanceEvents([
            .started(Instance(id: "i1", agentID: f.coder.id, host: "h1", pid: 10, startedAt: t0, lastHeartbeat: t0)),
            .heartbeat(instanceID: "i1", at: t0 + 20_000),
        ])
        let seqs = try t.store.recordCalls([
            ToolCall(at: t0, agentID: f.coder.id, server: "github", tool: "get_repo", decision: .allow, durationMs: 12, result: .ok),
            ToolCall(at: t0 + 1, agentID: f.coder.id, server: "jira", tool: "create", decision: .deny, reason: "out_of_scope",
                     args: String(repeating: "x", count: 5000)),
        ])
        #expect(seqs.count == 2 && seqs[1] > seqs[0])
        let calls = try t.store.calls(CallQuery(agentID: f.coder.id))
        #expect(calls.map(\.tool) == ["create", "get_repo"])
        #expect(calls[0].args!.count == ToolCall.maxArgsLength)
        #expect(try t.store.calls(CallQuery(deniedOnly: true)).count == 1)
        #expect(try t.store.callMinutes(since: t0 - 60_000) == [CallMinute(agentID: f.coder.id, minute: t0 / 60_000, calls: 2, denied: 1)])
        let inst = try t.store.instances(agentID: f.coder.id)
        #expect(inst.first?.lastHeartbeat == t0 + 20_000)
        #expect(try t.store.revocationPlan(.agent(f.planner.id), now: t0 + 25_000).liveInstances == 1)
        try t.store.recordInstanceEvents([.stopped(instanceID: "i1", at: t0 + 30_000)])
        #expect(try t.store.instances(agentID: nil).first?.state(at: t0 + 30_000) == .stopped)
    }

    @Test func changeSignalMovesWhenAnotherConnectionCommits() throws {
        let t = try TempStore()
        let reader = try t.open()
        let before = try reader.changeSignal()
        _ = try t.store.addPrincipal(id: "user:x@y", kind: .human, name: "x", scopes: .everything, m())
        #expect(try reader.changeSignal() != before)
    }

    @Test func readOnlyStoresRefuseWrites() throws {
        let t = try TempStore()
        let ro = try SQLiteStore.open(path: t.path, readOnly: true)
        #expect(throws: StoreError.readOnly) { try ro.addPrincipal(id: "user:x@y", kind: .human, name: "x", scopes: .everything, m()) }
    }
}
