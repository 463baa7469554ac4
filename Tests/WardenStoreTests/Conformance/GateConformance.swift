import Testing
import WardenCore
import WardenStore
import WardenTestSupport

/// Gates on every backend: added, issued, authenticated on the gate purpose's connection,
/// revoked with their credentials; journaled, in the state digest, and never an agent.
@Suite("Conformance: gates")
struct GateConformance {
    @Test(arguments: Backends.all)
    func gateLifecycle(_ backend: BackendUnderTest) throws {
        let fresh = try backend.makeStore()
        let s = fresh.store
        let fleet = try SmallFleet(s)
        let gate = try s.addGate(name: "envoy-ai", m(reason: "the edge gateway"))
        #expect(gate.name == "envoy-ai" && !gate.isRevoked)
        #expect(throws: StoreError.self) { try s.addGate(name: "envoy-ai", m()) }
        #expect(throws: StoreError.self) { try s.addGate(name: "bad name", m()) }
        #expect(throws: StoreError.self) { try s.issueGateCredential(gate: "nobody", ttlMs: nil, m()) }

        let issued = try s.issueGateCredential(gate: "envoy-ai", ttlMs: 3_600_000, m())
        #expect(issued.secret.hasPrefix("wdn_"))
        #expect(issued.credential.expiresAt == t0 + 3_600_000)
        #expect(try s.gates().map(\.name) == ["envoy-ai"])
        #expect(try s.gateCredentials(gate: "envoy-ai").map(\.id) == [issued.credential.id])

        // The gate purpose (what `warden serve` decides with) knows the gate, and no agent's secret as one.
        let gatePurpose = try fresh.backend.open(for: .gate)
        #expect(try gatePurpose.authenticateGate(secret: issued.secret, now: t0)
                == GateAuthentication(gate: "envoy-ai", credentialID: issued.credential.id, refusal: nil))
        #expect(try gatePurpose.authenticateGate(secret: fleet.coderToken.secret, now: t0) == .unknown)
        #expect(try gatePurpose.authenticateGate(secret: issued.secret, now: t0 + 3_600_000).refusal == .credentialExpired)
        // A gate's secret authorizes no tool call.
        #expect(try gatePurpose.authorize(secret: issued.secret, serverTool: "github/get_issue", now: t0).decision
                == .deny(.unknownCredential))

        // Journaled, each with the state after it: a gate changes the governed digest.
        let records = try s.auditRecords(afterSeq: 0, limit: 1000)
        let tail = Array(records.suffix(2))
        #expect(tail.map(\.action) == ["gate.add", "gate.credential.issue"])
        #expect(tail[0].reason == "the edge gateway")
        #expect(!(tail[1].after ?? "").contains(issued.secret))
        let before = records[records.count - 3].stateDigest
        #expect(tail[0].stateDigest != nil && tail[0].stateDigest != before && tail[1].stateDigest != tail[0].stateDigest)

        let revoked = try s.revokeGate(name: "envoy-ai", m(t0 + 1000, reason: "rotated out"))
        #expect(revoked.revokedAt == t0 + 1000 && revoked.revokeReason == "rotated out")
        #expect(try gatePurpose.authenticateGate(secret: issued.secret, now: t0 + 2000).refusal == .credentialRevoked)
        #expect(try s.gateCredentials(gate: nil).allSatisfy { $0.revokedAt == t0 + 1000 })
        #expect(throws: StoreError.self) { try s.revokeGate(name: "envoy-ai", m()) }
        #expect(throws: StoreError.self) { try s.issueGateCredential(gate: "envoy-ai", ttlMs: nil, m()) }
        let last = try s.auditRecords(afterSeq: 0, limit: 1000).last!
        #expect(last.action == "gate.revoke" && last.target == "envoy-ai" && (last.after ?? "").contains(issued.credential.id))
        #expect(!(try s.verifyState().isDrifted))
    }
}
