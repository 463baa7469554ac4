import Foundation
import Testing
import WardenCore
@testable import WardenMCP
import WardenStore
import WardenSystem

/// The proxy's decisions against a store that fails: waited out on an injected clock (no real
/// sleep), bounded by `store_timeout`, never an allow on an error, and recovered without a restart.
@Suite struct GatekeeperRetryTests {
    /// Monotonic milliseconds that move only when the retry sleeps.
    final class FakeClock: @unchecked Sendable {
        private let lock = NSLock()
        private var ms: Int64 = 1_000
        private(set) var sleeps: [Int64] = []
        var now: Int64 { lock.withLock { ms } }
        func sleep(_ d: Int64) { lock.withLock { ms += d; sleeps.append(d) } }
        var retry: StoreRetry { StoreRetry(clock: { self.now }, sleep: { self.sleep($0) }) }
    }

    /// A store that fails its next `failuresLeft` attempts, then allows.
    final class FlakyGate: GateStore, @unchecked Sendable {
        var failuresLeft: Int
        var attempts = 0
        init(failing: Int) { failuresLeft = failing }

        func authorize(secret: String, serverTool: String, now: Timestamp) throws(StoreError) -> AuthorizationOutcome {
            attempts += 1
            if failuresLeft > 0 {
                failuresLeft -= 1
                throw .io("database is busy or locked")
            }
            return AuthorizationOutcome(decision: .allow, credentialID: "tok_1", agentID: "agent-1", instanceID: nil)
        }

        /// Fails as decisions do, then a chain that stands with every scope.
        func authenticateGate(secret: String, now: Timestamp) throws(StoreError) -> GateAuthentication { .unknown }
        func standing(secret: String, now: Timestamp) throws(StoreError) -> CredentialStanding {
            attempts += 1
            if failuresLeft > 0 {
                failuresLeft -= 1
                throw .io("database is busy or locked")
            }
            return CredentialStanding(standing: .allowingEverything, credentialID: "tok_1", agentID: "agent-1", instanceID: nil)
        }

        func renewCredential(secret: String, scopes: ScopeSet?, ttlMs: Int64?, policy: Policy, now: Timestamp,
                             reason: String?) throws(StoreError) -> RenewedCredential {
            throw .refused("not used here")
        }

        /// Tool lists fail as decisions do: `failuresLeft` times, then an empty store's answer.
        func observeTools(server: String, tools: [ObservedTool], observer: String, at: Timestamp) throws(StoreError) -> [ToolPin] {
            attempts += 1
            if failuresLeft > 0 {
                failuresLeft -= 1
                throw .io("database is busy or locked")
            }
            return []
        }

        func toolPins(server: String?) throws(StoreError) -> [ToolPin] { [] }
    }

    /// A gatekeeper over `store`; reopening hands back the same double and counts.
    final class Harness: @unchecked Sendable {
        let clock = FakeClock()
        let store: FlakyGate
        var reopened = 0
        var notes: [String] = []
        private(set) var gate: Gatekeeper!

        init(failing: Int, timeoutMs: Int64 = 2_000) {
            store = FlakyGate(failing: failing)
            gate = Gatekeeper(store: store, reopen: { () throws(StoreError) in self.reopened += 1; return self.store },
                              secret: "wdn_x", clock: { 0 }, retry: clock.retry, storeTimeoutMs: { timeoutMs },
                              note: { self.notes.append($0) })
        }
    }

    @Test func aStoreThatFailsAFewTimesThenAnswersIsWaitedOut() {
        let h = Harness(failing: 3)
        let start = h.clock.now
        let v = h.gate.check(server: "github", tool: "get_issue")
        #expect(v.allowed && v.reason == nil && v.agentID == "agent-1")
        #expect(h.store.attempts == 4)
        #expect(h.clock.sleeps == Array(StoreRetry.pausesMs.prefix(3)))
        #expect(h.clock.now - start == StoreRetry.pausesMs.prefix(3).reduce(0, +))
        // Each failure drops the connection; the next attempt opens a new one.
        #expect(h.reopened == 3)
        #expect(h.notes.isEmpty)
    }

    @Test func aStoreThatNeverAnswersIsDeniedAtTheTimeout() {
        let h = Harness(failing: .max, timeoutMs: 2_000)
        let start = h.clock.now
        let v = h.gate.check(server: "github", tool: "get_issue")
        #expect(!v.allowed)
        #expect(v.reason == "store_unavailable" && v.reason == Authorization.Reason.storeUnavailable.rawValue)
        #expect(v.agentID == nil && v.credentialID == nil)
        // Waited exactly the timeout on the injected clock: the last pause is cut to it.
        #expect(h.clock.now - start == 2_000)
        #expect(h.clock.sleeps.allSatisfy { $0 > 0 && $0 <= StoreRetry.pausesMs.last! })
        #expect(h.notes.count == 1 && h.notes[0].contains("within 2s"))
    }

    @Test func theTimeoutIsTheConfiguredOne() {
        let h = Harness(failing: .max, timeoutMs: 300)
        let start = h.clock.now
        #expect(h.gate.check(server: "github", tool: "get_issue").reason == "store_unavailable")
        #expect(h.clock.now - start == 300)
    }

    @Test func theProxyRecoversWhenTheStoreReturns() {
        let h = Harness(failing: .max, timeoutMs: 500)
        #expect(h.gate.check(server: "github", tool: "get_issue").reason == "store_unavailable")
        #expect(h.gate.check(server: "github", tool: "get_issue").reason == "store_unavailable")
        // The store comes back: the same gatekeeper (no restart) allows again.
        h.store.failuresLeft = 0
        let sleepsBefore = h.clock.sleeps.count
        let v = h.gate.check(server: "github", tool: "get_issue")
        #expect(v.allowed && v.agentID == "agent-1")
        #expect(h.clock.sleeps.count == sleepsBefore, "an answering store costs no wait")
    }

    @Test func aRequestTheStoreRefusesIsNotRetried() {
        final class Refusing: GateStore, @unchecked Sendable {
            var attempts = 0
            func authorize(secret: String, serverTool: String, now: Timestamp) throws(StoreError) -> AuthorizationOutcome {
                attempts += 1
                throw .invalid("tool name is empty")
            }
            func authenticateGate(secret: String, now: Timestamp) throws(StoreError) -> GateAuthentication { .unknown }
            func standing(secret: String, now: Timestamp) throws(StoreError) -> CredentialStanding { throw .refused("not used here") }
            func renewCredential(secret: String, scopes: ScopeSet?, ttlMs: Int64?, policy: Policy, now: Timestamp,
                                 reason: String?) throws(StoreError) -> RenewedCredential { throw .refused("not used here") }
            func observeTools(server: String, tools: [ObservedTool], observer: String, at: Timestamp) throws(StoreError) -> [ToolPin] {
                throw .refused("not used here")
            }
            func toolPins(server: String?) throws(StoreError) -> [ToolPin] { throw .refused("not used here") }
        }
        let clock = FakeClock()
        let store = Refusing()
        let gate = Gatekeeper(store: store, reopen: { () throws(StoreError) in store }, secret: "wdn_x", clock: { 0 },
                              retry: clock.retry, storeTimeoutMs: { 2_000 }, note: { _ in })
        #expect(gate.check(server: "github", tool: "").reason == "out_of_scope")
        #expect(store.attempts == 1 && clock.sleeps.isEmpty)
    }
}

extension Authorization.Standing {
    /// A live one-link chain whose every scope set is everything: every valid tool is in scope.
    static let allowingEverything = Authorization.Standing(
        credentialScopes: .everything, credentialExpiresAt: nil, credentialRevokedAt: nil,
        chain: [Authorization.Link(grant: .everything, expiresAt: nil, revokedAt: nil)],
        principalDisabledAt: nil, activePrincipalScopes: .everything, now: 0)
}
