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

    /// Rotation: a gate's new credential is issued, then the old one revoked alone; the gate
    /// and its other credentials stand. Journaled with the state after it; final; matched by
    /// full ID or a unique prefix, as agents' credentials are.
    @Test(arguments: Backends.all)
    func oneGateCredentialIsRevokedAlone(_ backend: BackendUnderTest) throws {
        let fresh = try backend.makeStore()
        let s = fresh.store
        _ = try s.addGate(name: "envoy-ai", m())
        let old = try s.issueGateCredential(gate: "envoy-ai", ttlMs: 3_600_000, m())
        let new = try s.issueGateCredential(gate: "envoy-ai", ttlMs: 3_600_000, m(t0 + 10))
        #expect(try s.gateCredential(matching: old.credential.id)?.id == old.credential.id)
        #expect(try s.gateCredential(matching: String(old.credential.id.prefix(12)))?.id == old.credential.id)
        #expect(try s.gateCredential(matching: "tok_") == nil, "a prefix too short matches nothing")
        #expect(try s.gateCredential(matching: "tok_zzzzzzzz") == nil)

        let revoked = try s.revokeGateCredential(id: old.credential.id, m(t0 + 1000, reason: "rotated"))
        #expect(revoked.revokedAt == t0 + 1000 && revoked.gate == "envoy-ai")
        let gatePurpose = try fresh.backend.open(for: .gate)
        #expect(try gatePurpose.authenticateGate(secret: old.secret, now: t0 + 2000).refusal == .credentialRevoked)
        #expect(try gatePurpose.authenticateGate(secret: new.secret, now: t0 + 2000).refusal == nil, "the new one stands")
        #expect(try s.gates().first?.isRevoked == false, "the gate stands")
        #expect(throws: StoreError.self) { try s.revokeGateCredential(id: old.credential.id, m(t0 + 3000)) }
        #expect(throws: StoreError.self) { try s.revokeGateCredential(id: "tok_0000000000000000", m(t0 + 3000)) }

        let last = try s.auditRecords(afterSeq: 0, limit: 1000).last!
        #expect(last.action == "gate.credential.revoke" && last.target == old.credential.id && last.reason == "rotated")
        #expect((last.after ?? "").contains("revoked") && !(last.after ?? "").contains(old.secret))
        #expect(!(try s.verifyState().isDrifted), "the journal's digest follows the revoke")
    }
}
