import Testing
import WardenCore
import WardenTestSupport
@testable import WardenStore

/// The rules above the backends, run over `MemoryRuleBackend`: validation, ID minting, the
/// journal's payloads and chain, cascades, narrowing, renewal, import and telemetry identities
/// hold without any SQL.
@Suite("Fleet rules over an in-memory backend")
struct FleetRulesTests {
    let alice = "user:alice@acme.example"

    /// alice → planner → coder, each with a credential.
    func fleet() throws -> (MemoryRuleBackend, planner: Agent, coder: Agent, coderToken: IssuedCredential) {
        let b = MemoryRuleBackend()
        _ = try b.rules.addPrincipal(id: alice, kind: .human, name: "Alice", scopes: .everything, m())
        let planner = try b.rules.registerAgent(name: "planner", delegator: alice, scopes: scopes("github/*,slack/*"), ttlMs: 86_400_000, m())
        let coder = try b.rules.registerAgent(name: "coder", delegator: planner.id, scopes: scopes("github/*"), ttlMs: nil, m())
        _ = try b.rules.issueCredential(agentID: planner.id, ttlMs: nil, scopes: nil, instanceID: nil, m())
        let token = try b.rules.issueCredential(agentID: coder.id, ttlMs: nil, scopes: nil, instanceID: nil, m())
        return (b, planner, coder, token)
    }

    @Test func registrationMintsIDsAndJournalsEachAction() throws {
        let (b, planner, coder, token) = try fleet()
        #expect(planner.id.hasPrefix("spiffe://acme.example/agent/planner/") && coder.parentID == planner.id && coder.depth == 2)
        // Without a TTL the credential is cut to what its chain has left (the planner's day).
        #expect(token.credential.expiresAt == t0 + 3_600_000 && token.credential.id.hasPrefix(Credential.idPrefix))
        #expect(b.rows.credentials.last?.secretHash == Secrets.sha256(token.secret))
        #expect(b.rows.journal.map(\.action) == ["principal.add", "agent.register", "agent.register", "credential.issue", "credential.issue"])
        let register = try #require(b.rows.journal.first { $0.target == coder.id })
        #expect(register.after == #"{"name":"coder","delegator":"\#(planner.id)","scopes":["github/*"],"expires_at":"\#(UTC.rfc3339(t0 + 86_400_000, millis: true))"}"#)
        #expect(try b.rules.verifyAudit(expectedHead: nil) == .intact(records: 5, head: AuditHead(seq: 5, hash: b.rows.journal[4].hash)))
    }

    @Test func refusalsWriteNothing() throws {
        let (b, planner, _, _) = try fleet()
        let before = (b.rows.agents.count, b.rows.journal.count)
        #expect(throws: StoreError.self) {
            try b.rules.registerAgent(name: "wide", delegator: planner.id, scopes: scopes("k8s/*"), ttlMs: nil, m())
        }
        #expect(throws: StoreError.invalid("a principal needs at least one scope")) {
            try b.rules.addPrincipal(id: "user:bob@acme.example", kind: .human, name: "Bob", scopes: .none, m())
        }
        #expect(throws: StoreError.refused("principal '\(alice)' already exists")) {
            try b.rules.addPrincipal(id: alice, kind: .human, name: "Alice", scopes: .everything, m())
        }
        #expect((b.rows.agents.count, b.rows.journal.count) == before)
    }

    @Test func revokingAnAgentCascadesWithTheTargetAsCause() throws {
        let (b, planner, coder, token) = try fleet()
        let plan = try b.rules.revokeAgent(planner.id, m(t0 + 1, reason: "leak"))
        #expect(plan.agents == [planner.id, coder.id] && plan.credentials.count == 2)
        let revoked = b.rows.agents.filter { $0.revokedAt == t0 + 1 && $0.revokedBy == planner.id && $0.revokeReason == "leak" }
        #expect(revoked.count == 2)
        #expect(b.rows.credentials.allSatisfy { $0.credential.revokedBy == planner.id })
        #expect(b.rows.journal.last?.after == AuditPayload.revocationSummary(plan, status: "revoked"))
        #expect(throws: StoreError.self) { try b.rules.revokeAgent(coder.id, m(t0 + 2)) }
        #expect(throws: StoreError.self) { try b.rules.revokeCredential(token.credential.id, m(t0 + 2)) }
        #expect(throws: StoreError.self) { try b.rules.issueCredential(agentID: coder.id, ttlMs: nil, scopes: nil, instanceID: nil, m(t0 + 2)) }
    }

    @Test func disablingAPrincipalRevokesItsTree() throws {
        let (b, _, _, _) = try fleet()
        let plan = try b.rules.disablePrincipal(alice, m(t0 + 1))
        #expect(plan.agents.count == 2 && b.rows.principals[0].status == .disabled)
        #expect(b.rows.journal.last?.action == "principal.disable")
    }

    @Test func narrowingCutsDescendantsAndJournalsEachChange() throws {
        let (b, planner, coder, _) = try fleet()
        let dry = try b.rules.narrowingPlan(agentID: planner.id, .keep(scopes("slack/*")))
        #expect(b.rows.journal.count == 5)  // the plan changes nothing
        let plan = try b.rules.narrow(agentID: planner.id, .keep(scopes("slack/*")), m(t0 + 1))
        #expect(plan == dry && plan.descendants.map(\.agentID) == [coder.id])
        #expect(b.rows.agents.first { $0.id == coder.id }?.grant.isEmpty == true)
        #expect(b.rows.journal.last?.before == #"{"scopes":["github/*","slack/*"],"descendants":{"\#(coder.id)":["github/*"]}}"#)
        #expect(throws: StoreError.self) { try b.rules.narrow(agentID: planner.id, .keep(scopes("slack/*")), m(t0 + 2)) }
    }

    @Test func renewalIssuesASuccessorJournaledByTheAgent() throws {
        let (b, _, coder, token) = try fleet()
        let renewed = try b.rules.renewCredential(secret: token.secret, scopes: nil, ttlMs: nil, policy: .standard, now: t0 + 60_000, reason: nil)
        #expect(renewed.renewedFrom == token.credential.id && renewed.issued.credential.renewedFrom == token.credential.id)
        #expect(b.rows.credentials.first { $0.credential.id == token.credential.id }?.credential.expiresAt == renewed.oldExpiresAt)
        #expect(b.rows.journal.last?.operatorName == coder.id && b.rows.journal.last?.action == "credential.renew")
        #expect(throws: StoreError.self) {
            try b.rules.renewCredential(secret: token.secret, scopes: nil, ttlMs: nil, policy: .standard, now: t0 + 61_000, reason: nil)
        }
    }

    @Test func importIsAllOrNothing() throws {
        let b = MemoryRuleBackend()
        let doc = try FleetDocument.decode("""
        {"principals": [{"id": "workload:ci/deploy"}],
         "agents": [{"name": "deployer", "by": "workload:ci/deploy", "scopes": ["k8s/*"], "ttl": "1d",
                     "instances": [{"id": "i-1", "host": "ci-7"}], "credentials": [{"instance": "i-1"}],
                     "delegates": [{"name": "helm", "scopes": ["k8s/apply"]}]}]}
        """)
        let out = try b.rules.importFleet(doc, m())
        #expect(out.principals == 1 && out.agents == 2 && out.instances == 1 && out.credentials == 1 && out.issuedSecrets.count == 1)
        let helm = try #require(b.rows.agents.first { $0.name == "helm" })
        #expect(helm.depth == 2 && helm.expiresAt == t0 + 86_400_000 && helm.principalID == "workload:ci/deploy")
        let rows = (b.rows.principals.count, b.rows.agents.count, b.rows.journal.count)
        #expect(throws: StoreError.invalid("principals[0].id: principal 'workload:ci/deploy' already exists in the store")) {
            try b.rules.importFleet(doc, m())
        }
        #expect((b.rows.principals.count, b.rows.agents.count, b.rows.journal.count) == rows)
    }

    @Test func tamperingAndCutsBreakTheChain() throws {
        let (b, _, _, _) = try fleet()
        let head = try #require(b.rows.journal.last.map { AuditHead(seq: $0.seq, hash: $0.hash) })
        #expect(try b.rules.verifyAudit(expectedHead: head).isIntact)
        var changed = b.rows
        changed.journal[2].reason = "rewritten"
        let saved = b.rows
        b.rows = changed
        #expect(try b.rules.verifyAudit(expectedHead: nil) == .broken(seq: 3, problem: "its content does not match its hash (the record was changed)"))
        b.rows = saved
        b.rows.journal.removeLast()
        #expect(try b.rules.verifyAudit(expectedHead: nil).isIntact)
        #expect(try b.rules.verifyAudit(expectedHead: head) == .broken(seq: 5, problem: "the journal ends at 4 but the expected head is 5 (records were cut off or rolled back)"))
    }

    @Test func aChangeOutsideTheRulesIsJournaledBeforeTheNextRecord() throws {
        let b = MemoryRuleBackend()
        let before = StateDigest(limbs: (1, 0, 0, 0)), behindTheBack = StateDigest(limbs: (2, 0, 0, 0))
        b.digest = before
        _ = try b.rules.addPrincipal(id: alice, kind: .human, name: "Alice", scopes: .everything, m())
        b.digest = behindTheBack
        _ = try b.rules.addPrincipal(id: "user:bob@acme.example", kind: .human, name: "Bob", scopes: .everything, m(t0 + 1))
        #expect(b.rows.journal.map(\.action) == ["principal.add", "state.drift_detected", "principal.add"])
        #expect(b.rows.journal[1].stateDigest == behindTheBack.hex && b.rows.journal[1].before == #"{"journal_digest":"\#(before.hex)"}"#)
        // Once journaled, the drift is not reported again.
        _ = try b.rules.addPrincipal(id: "user:carol@acme.example", kind: .human, name: "Carol", scopes: .everything, m(t0 + 2))
        #expect(b.rows.journal.count == 4)
        #expect(try b.rules.verifyAudit(expectedHead: nil).isIntact)
    }
}
