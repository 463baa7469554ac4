import Foundation
import Testing
import WardenCore
import WardenSQLite
import WardenStore
import WardenTestSupport
@testable import WardenDashboard

/// A hook records a call when it is decided and its outcome later, on the same row: a loader
/// that already holds the call must see it updated, although its `seq` never moves.
@Suite("Call outcomes in the loader")
struct CallOutcomeLoaderTests {
    let t0: Timestamp = 1_800_000_000_000

    @Test func anOutcomeRecordedLaterReachesALoaderThatAlreadyHeldTheCall() throws {
        let temp = try TempStore(prefix: "warden-outcome")
        let dashboard = temp.store
        // The hook is another process: another connection.
        let hook = try temp.open()
        let m = Mutation(operatorName: "t", now: t0)
        _ = try hook.addPrincipal(id: "user:a@acme.example", kind: .human, name: "a", scopes: .everything, m)
        let agent = try hook.registerAgent(name: "coder", delegator: "user:a@acme.example", scopes: try ScopeSet(parsing: "claude-code/*"), ttlMs: nil, m)
        let issued = try hook.issueCredential(agentID: agent.id, ttlMs: nil, scopes: nil, instanceID: nil, m)
        let key = CallKey(session: "sess-1", toolUse: "toolu_01")
        let seq = try hook.recordCall(ToolCall(at: t0 + 100, agentID: agent.id, credentialID: issued.credential.id, server: "claude-code",
                                               tool: "Bash", decision: .allow, args: #"{"command":"make"}"#), key: key)

        let loader = SnapshotLoader(store: dashboard)
        _ = try loader.load(now: t0 + 200)
        let before = try #require(try loader.load(now: t0 + 200))
        #expect(before.calls.map(\.seq) == [seq] && before.calls[0].result == nil)

        let updated = try #require(try hook.recordOutcome(key: key, credentialID: issued.credential.id, result: .error, at: t0 + 1_350))
        #expect(updated.seq == seq && updated.durationMs == 1_250)
        let after = try #require(try loader.load(now: t0 + 1_400), "the outcome is a change the loader reports")
        #expect(after.changed.contains(.activity))
        #expect(after.calls.count == 1)
        #expect(after.calls[0].result == .error && after.calls[0].durationMs == 1_250)
    }

    @Test func onlyTheCredentialThatMadeTheCallRecordsItsOutcomeAndOnlyOnce() throws {
        let temp = try TempStore(prefix: "warden-outcome")
        let s = temp.store
        let m = Mutation(operatorName: "t", now: t0)
        _ = try s.addPrincipal(id: "user:a@acme.example", kind: .human, name: "a", scopes: .everything, m)
        let agent = try s.registerAgent(name: "coder", delegator: "user:a@acme.example", scopes: try ScopeSet(parsing: "claude-code/*"), ttlMs: nil, m)
        let mine = try s.issueCredential(agentID: agent.id, ttlMs: nil, scopes: nil, instanceID: nil, m).credential.id
        let other = try s.issueCredential(agentID: agent.id, ttlMs: nil, scopes: nil, instanceID: nil, m).credential.id
        let key = CallKey(session: "s", toolUse: "t")
        _ = try s.recordCall(ToolCall(at: t0, agentID: agent.id, credentialID: mine, server: "claude-code", tool: "Read", decision: .allow), key: key)
        #expect(try s.recordOutcome(key: key, credentialID: other, result: .ok, at: t0 + 5) == nil)
        #expect(try s.recordOutcome(key: key, credentialID: mine, result: .ok, at: t0 + 5)?.durationMs == 5)
        #expect(try s.recordOutcome(key: key, credentialID: mine, result: .error, at: t0 + 9)?.result == .ok, "the first outcome stands")
        let feed = try s.callOutcomes(after: 0, limit: 10)
        #expect(feed.calls.count == 1 && feed.cursor > 0)
        #expect(try s.callOutcomes(after: feed.cursor, limit: 10).calls.isEmpty)
    }
}
