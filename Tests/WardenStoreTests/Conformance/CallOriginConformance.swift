import Testing
import WardenCore
import WardenStore
import WardenTestSupport

/// Where each call came from (`via`, the gateway's session, the client) and the services'
/// heartbeat rows, the same on every backend.
@Suite("Conformance: call origin and services")
struct CallOriginConformance {
    @Test(arguments: Backends.all)
    func callsKeepTheirPathSessionAndClient(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let f = try SmallFleet(t.store)
        let longClient = "claude-code " + String(repeating: "v", count: 400) + " wdn_" + String(repeating: "A", count: 43)
        try t.store.recordCalls([
            ToolCall(at: t0, agentID: f.coder.id, server: "github", tool: "get_repo", decision: .allow, via: .proxy),
            ToolCall(at: t0 + 1, agentID: f.coder.id, server: "github", tool: "get_issue", decision: .allow, via: .gateway,
                     session: "4f1c2d3e-aaaa-bbbb-cccc-0123456789ab", client: "mcp-python 1.2.3"),
            ToolCall(at: t0 + 2, agentID: f.coder.id, server: "github", tool: "get_pr", decision: .deny, reason: "out_of_scope",
                     via: .gateway, session: "s-2", client: longClient),
            ToolCall(at: t0 + 3, agentID: f.coder.id, server: "github", tool: "list", decision: .allow),
        ])
        // Another connection reads them back, newest first.
        let other = try t.open(readOnly: true)
        let calls = try other.calls(CallQuery(limit: 10))
        #expect(calls.map(\.via) == [nil, .gateway, .gateway, .proxy])
        #expect(calls[2].session == "4f1c2d3e-aaaa-bbbb-cccc-0123456789ab" && calls[2].client == "mcp-python 1.2.3")
        // The client names itself: capped, and a credential pasted there is redacted.
        let capped = try #require(calls[1].client)
        #expect(capped.count <= RecordLimits.client && !capped.contains("wdn_AAAA"), "\(capped)")
        #expect(try other.calls(CallQuery(via: .gateway)).map(\.tool) == ["get_pr", "get_issue"])
        #expect(try other.calls(CallQuery(via: .proxy)).map(\.tool) == ["get_repo"])
        #expect(try other.calls(CallQuery(deniedOnly: true, via: .gateway)).map(\.tool) == ["get_pr"])
        #expect(try other.calls(CallQuery(via: .hook)).isEmpty)
    }

    @Test(arguments: Backends.all)
    func telemetryIsRecordedViaIngestWhateverItSays(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let f = try SmallFleet(t.store)
        let claimed = ToolCall(at: t0, agentID: "", server: "github", tool: "get_issue", decision: .allow,
                               via: .gateway, session: "forged", client: "forged")
        let out = try t.store.applyTelemetry([TelemetryEvent(at: t0, agent: f.planner.id, source: 1, body: .toolCall(claimed))],
                                             session: TelemetrySession(operatorName: "ingest"), atomically: true)
        #expect(out.applied == 1)
        let call = try #require(try t.store.calls(CallQuery()).first)
        #expect(call.via == .ingest)
    }

    @Test(arguments: Backends.all)
    func outcomesCarryTheOrigin(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let f = try SmallFleet(t.store)
        let key = CallKey(session: "sess", toolUse: "tu-1")
        _ = try t.store.recordCall(ToolCall(at: t0, agentID: f.coder.id, credentialID: f.coderToken.credential.id, server: "github",
                                            tool: "get_repo", decision: .allow, via: .hook), key: key)
        _ = try t.store.recordOutcome(key: key, credentialID: f.coderToken.credential.id, result: .ok, at: t0 + 40)
        let outcomes = try t.store.callOutcomes(after: 0, limit: 10)
        #expect(outcomes.calls.map(\.via) == [.hook] && outcomes.calls.first?.durationMs == 40)
        #expect(outcomes.cursor > 0)
    }

    @Test(arguments: Backends.all)
    func servicesKeepOneRowPerAddress(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let s = t.store
        #expect(try s.services().isEmpty)
        var a = ServiceRecord(host: "gw1", listen: "127.0.0.1:8443", pid: 10, version: "0.1.0", startedAt: t0,
                              lastHeartbeat: t0, sessions: 0)
        try s.recordService(a)
        a.lastHeartbeat = t0 + 5_000
        a.sessions = 3
        try s.recordService(a)
        // A heartbeat arriving late never moves the row back.
        var late = a
        late.lastHeartbeat = t0 + 1_000
        late.sessions = 1
        try s.recordService(late)
        let b = ServiceRecord(host: "gw2", listen: "10.0.0.2:8443", pid: 11, version: "0.1.0", startedAt: t0,
                              lastHeartbeat: t0 + 7_000, sessions: 1)
        try s.recordService(b)
        let other = try t.open(readOnly: true)
        #expect(try other.services() == [b, a])

        // Stopped: a heartbeat of the same run after it changes nothing; a new start takes over.
        var stopped = a
        stopped.lastHeartbeat = t0 + 9_000
        stopped.stoppedAt = t0 + 9_000
        stopped.sessions = 0
        try s.recordService(stopped)
        var after = a
        after.lastHeartbeat = t0 + 10_000
        try s.recordService(after)
        #expect(try other.services().first { $0.host == "gw1" } == stopped)
        let restarted = ServiceRecord(host: "gw1", listen: "127.0.0.1:8443", pid: 12, version: "0.2.0", startedAt: t0 + 20_000,
                                      lastHeartbeat: t0 + 20_000, sessions: 0)
        try s.recordService(restarted)
        #expect(try other.services().first == restarted)
        #expect(try other.services().count == 2)
    }
}
