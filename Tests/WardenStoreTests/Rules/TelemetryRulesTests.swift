import Testing
import WardenCore
import WardenTestSupport
@testable import WardenStore

/// Telemetry's identity rules over `MemoryRuleBackend`: unknown identities become unregistered
/// agents, delegations obey rule 1, refusals are per event or roll the batch back.
@Suite("Telemetry rules over an in-memory backend")
struct TelemetryRulesTests {
    func event(_ agent: String?, _ body: TelemetryEvent.Body, at: Timestamp = t0) -> TelemetryEvent {
        TelemetryEvent(at: at, agent: agent, source: 0, body: body)
    }

    func call(_ tool: String, _ decision: ToolCall.Decision = .allow) -> TelemetryEvent.Body {
        .toolCall(ToolCall(at: t0, agentID: "", server: "github", tool: tool, decision: decision))
    }

    func backendWithPlanner() throws -> (MemoryRuleBackend, Agent) {
        let b = MemoryRuleBackend()
        _ = try b.rules.addPrincipal(id: "user:alice@acme.example", kind: .human, name: "Alice", scopes: .everything, m())
        let planner = try b.rules.registerAgent(name: "planner", delegator: "user:alice@acme.example", scopes: scopes("github/*"), ttlMs: nil, m())
        return (b, planner)
    }

    @Test func unknownIdentitiesBecomeUnregisteredAgentsOnce() throws {
        let (b, planner) = try backendWithPlanner()
        let session = TelemetrySession(operatorName: "ingest")
        let out = try b.rules.applyTelemetry([
            event("planner", call("get_issue")), event("ghost", call("get_issue", .deny)), event("ghost", call("push")),
        ], session: session, atomically: false)
        #expect(out.applied == 3 && out.unregisteredAgents == ["spiffe://acme.example/agent/ghost/unregistered"])
        let ghost = try #require(b.rows.agents.first { $0.name == "ghost" })
        #expect(!ghost.registered && ghost.principalID == RuleDefaults.unregisteredPrincipalID && ghost.grant.isEmpty)
        #expect(b.rows.journal.last?.action == "agent.observe" && b.rows.journal.last?.operatorName == "ingest")
        #expect(b.rows.calls.map(\.agentID) == [planner.id, ghost.id, ghost.id])
        let minute = t0 / 60_000
        #expect(b.rows.callMinutes[.init(agent: ghost.id, minute: minute)]! == (2, 1))
        #expect(b.rows.toolUse.count == 2)  // planner's and ghost's allowed calls; the denied one is no use
    }

    @Test func delegationsObeyRuleOne() throws {
        let (b, planner) = try backendWithPlanner()
        let out = try b.rules.applyTelemetry([
            event("planner", .delegate(name: "helper", id: nil, scopes: scopes("github/get_*"), ttlMs: nil)),
            event("planner", .delegate(name: "wider", id: nil, scopes: scopes("k8s/*"), ttlMs: nil)),
            event("nobody", .delegate(name: "x", id: nil, scopes: scopes("github/*"), ttlMs: nil)),
        ], session: TelemetrySession(operatorName: "ingest"), atomically: false)
        #expect(out.applied == 1 && out.rejected.map(\.index) == [1, 2])
        let helper = try #require(b.rows.agents.first { $0.name == "helper" })
        #expect(helper.parentID == planner.id && helper.registered)
        #expect(b.rows.journal.last?.after?.contains(#""source":"telemetry""#) == true)
    }

    @Test func atomicBatchesRollBackOnTheFirstRefusal() throws {
        let (b, _) = try backendWithPlanner()
        let rows = (b.rows.agents.count, b.rows.calls.count, b.rows.journal.count)
        let out = try b.rules.applyTelemetry([
            event("ghost", call("get_issue")), event(nil, .heartbeat(instanceID: "unknown", host: nil, pid: nil)),
        ], session: TelemetrySession(operatorName: "ingest"), atomically: true)
        #expect(out.applied == 0 && out.rejected.count == 1 && out.rejected[0].index == 1)
        #expect((b.rows.agents.count, b.rows.calls.count, b.rows.journal.count) == rows)
    }

    @Test func instancesFollowTheirLifecycle() throws {
        let (b, planner) = try backendWithPlanner()
        let out = try b.rules.applyTelemetry([
            event("planner", .instanceStarted(instanceID: "p-1", host: "h", pid: 7)),
            event(nil, .heartbeat(instanceID: "p-1", host: nil, pid: nil), at: t0 + 5),
            event(nil, .instanceStopped(instanceID: "p-1"), at: t0 + 9),
            event(nil, .instanceStopped(instanceID: "p-1"), at: t0 + 10),
            event("ghost", .instanceStarted(instanceID: "p-1", host: "h", pid: 7)),
        ], session: TelemetrySession(operatorName: "ingest"), atomically: false)
        #expect(out.applied == 3 && out.skipped == [3] && out.rejected.map(\.index) == [4])
        #expect(b.rows.instances == [Instance(id: "p-1", agentID: planner.id, host: "h", pid: 7, startedAt: t0, lastHeartbeat: t0 + 9, stoppedAt: t0 + 9)])
    }
}
