import Testing
import WardenCore
import WardenTestSupport
@testable import WardenStore

@Suite("Conformance: telemetry into the store")
struct TelemetryConformance {
    func call(_ agent: String, at: Timestamp = t0, source: Int = 0, decision: ToolCall.Decision = .allow) -> TelemetryEvent {
        Self.call(agent, at: at, source: source, decision: decision)
    }

    static func call(_ agent: String, at: Timestamp = t0, source: Int = 0, decision: ToolCall.Decision = .allow) -> TelemetryEvent {
        TelemetryEvent(at: at, agent: agent, source: source, body: .toolCall(
            ToolCall(at: at, agentID: "", server: "github", tool: "get_issue", decision: decision,
                     reason: decision == .deny ? "out_of_scope" : nil, durationMs: 5, result: decision == .allow ? .ok : nil)))
    }

    @Test(arguments: Backends.all)
    func batchAppliesWithPerEventRefusals(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let f = try SmallFleet(t.store)
        let session = TelemetrySession(operatorName: "ingest")
        let events = [
            call(f.planner.id, source: 1),
            call("coder", at: t0 + 60_000, source: 2, decision: .deny),
            TelemetryEvent(at: t0, agent: "planner", source: 3, body: .instanceStarted(instanceID: "p-0", host: "h", pid: 1)),
            TelemetryEvent(at: t0, agent: "coder", source: 4, body: .instanceStarted(instanceID: "p-0", host: "h", pid: 1)),
            TelemetryEvent(at: t0 + 5, agent: "coder", source: 5, body: .heartbeat(instanceID: "c-0", host: nil, pid: nil)),
            TelemetryEvent(at: t0 + 6, agent: nil, source: 6, body: .heartbeat(instanceID: "ghost", host: nil, pid: nil)),
            TelemetryEvent(at: t0, agent: "planner", source: 7, body: .delegate(name: "helper", id: nil, scopes: scopes("github/get_*"), ttlMs: 60_000)),
            TelemetryEvent(at: t0, agent: "reporter", source: 8, body: .delegate(name: "wide", id: nil, scopes: scopes("github/*"), ttlMs: nil)),
        ]
        let out = try t.store.applyTelemetry(events, session: session, atomically: false)
        #expect(out.applied == 5)
        #expect(out.rejected.map(\.index) == [3, 5, 7])
        #expect(out.rejected[2].reason.hasPrefix("refused: scope 'github/*' is not covered"))
        #expect(out.rejected[0].reason == "instance 'p-0' belongs to \(f.planner.id), not \(f.coder.id)")
        #expect(out.rejected[1].reason == "heartbeat for unknown instance 'ghost' names no agent")
        #expect(try t.store.instances(agentID: f.coder.id).map(\.id) == ["c-0"])
        #expect(try t.store.agents().contains { $0.name == "helper" && $0.parentID == f.planner.id })
        let minutes = try t.store.callMinutes(since: 0).sorted { $0.minute < $1.minute }
        #expect(minutes.map(\.calls) == [1, 1] && minutes.map(\.denied) == [0, 1])
        #expect(try t.store.verifyAudit(expectedHead: nil).isIntact)
    }

    @Test(arguments: Backends.all)
    func atomicBatchRollsBackEverything(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        _ = try SmallFleet(t.store)
        let before = try StoreContents(t.store)
        let events = [
            call("planner"), call("never-seen-before"),
            TelemetryEvent(at: t0, agent: "reporter", source: 9, body: .delegate(name: "wide", id: nil, scopes: scopes("github/*"), ttlMs: nil)),
        ]
        let out = try t.store.applyTelemetry(events, session: TelemetrySession(operatorName: "x"), atomically: true)
        #expect(out.applied == 0 && out.rejected.count == 1 && out.rejected[0].index == 2)
        #expect(try StoreContents(t.store) == before)
    }

    @Test(arguments: Backends.all)
    func unregisteredIdentitiesAreCreatedOnceAcrossConnections(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        _ = try SmallFleet(t.store)
        let other = try t.open()
        for s in [t.store, other, t.store] {
            _ = try s.applyTelemetry([call("rogue"), call("spiffe://acme.example/agent/ghost/beef")],
                                     session: TelemetrySession(operatorName: "x"), atomically: false)
        }
        let unregistered = try t.store.agents().filter { !$0.registered }
        #expect(unregistered.map(\.id).sorted() == ["spiffe://acme.example/agent/ghost/beef", "spiffe://acme.example/agent/rogue/unregistered"])
        #expect(unregistered.allSatisfy { $0.principalID == "workload:unregistered" && $0.grant.isEmpty })
        #expect(try t.store.calls(CallQuery(limit: 100)).count == 6)
        // They hold nothing: a credential cannot even be issued to one.
        #expect(throws: StoreError.self) {
            _ = try t.store.issueCredential(agentID: unregistered[0].id, ttlMs: nil, scopes: nil, instanceID: nil, m())
        }
        // A registered agent later taking the same name wins name lookups.
        _ = try t.store.registerAgent(name: "rogue", delegator: "user:alice@acme.example", scopes: scopes("slack/*"), ttlMs: nil, m())
        let out = try t.store.applyTelemetry([call("rogue")], session: TelemetrySession(operatorName: "x"), atomically: false)
        #expect(out.rejected.isEmpty)
        let registered = try t.store.agents().first { $0.name == "rogue" && $0.registered }!
        #expect(try t.store.calls(CallQuery(agentID: registered.id)).count == 1)
    }

    @Test(arguments: Backends.all)
    func observedDelegationPlacesTheUnknownChildUnderItsParent(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let f = try SmallFleet(t.store)
        let e = TelemetryEvent(at: t0, agent: "planner", source: 1, body: .observedDelegation(child: "researcher"))
        let out = try t.store.applyTelemetry([e, e], session: TelemetrySession(operatorName: "x"), atomically: false)
        #expect(out.applied == 1 && out.skipped == [1])
        let r = try #require(try t.store.agents().first { $0.name == "researcher" })
        #expect(!r.registered && r.parentID == f.planner.id && r.depth == 2 && r.principalID == "user:alice@acme.example")
        // Revoking the planner takes the observed child with it.
        let plan = try t.store.revokeAgent(f.planner.id, m())
        #expect(plan.agents.contains(r.id))
    }
}
