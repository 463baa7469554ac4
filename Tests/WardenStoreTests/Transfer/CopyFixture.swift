import WardenCore
import WardenStore
import WardenTestSupport

/// A store with rows in every table: two principals (one disabled, its tree revoked with it),
/// a delegation tree with a revoked subtree and a narrowed grant, credentials renewed, revoked
/// and bound to an instance, instances running and stopped, calls allowed and denied with
/// outcomes under a runtime's keys, and a journal of every kind of action.
enum CopyFixture {
    static func fill(_ s: any FleetStore) throws {
        _ = try s.addPrincipal(id: "user:alice@acme.example", kind: .human, name: "Alice", scopes: .everything, m())
        _ = try s.addPrincipal(id: "workload:ci", kind: .workload, name: "CI", scopes: scopes("github/*"), m())
        let planner = try s.registerAgent(name: "planner", delegator: "user:alice@acme.example", scopes: scopes("github/*,slack/*"), ttlMs: 86_400_000, m())
        let coder = try s.registerAgent(name: "coder", delegator: planner.id, scopes: scopes("github/*"), ttlMs: nil, m())
        let tester = try s.registerAgent(name: "tester", delegator: coder.id, scopes: scopes("github/get_*"), ttlMs: 3_600_000, m())
        let reporter = try s.registerAgent(name: "reporter", delegator: "user:alice@acme.example", scopes: scopes("slack/post_message"), ttlMs: nil, m())
        let builder = try s.registerAgent(name: "builder", delegator: "workload:ci", scopes: scopes("github/get_*"), ttlMs: nil, m())
        // Gates: one live with a credential, one revoked with its own.
        _ = try s.addGate(name: "envoy", m())
        _ = try s.issueGateCredential(gate: "envoy", ttlMs: nil, m())
        _ = try s.addGate(name: "kong", m())
        _ = try s.issueGateCredential(gate: "kong", ttlMs: 7_200_000, m())
        _ = try s.revokeGate(name: "kong", m(t0 + 5, reason: "trial over"))

        try s.recordInstanceEvents([
            .started(Instance(id: "inst-planner", agentID: planner.id, host: "h1", pid: 41, startedAt: t0, lastHeartbeat: t0)),
            .started(Instance(id: "inst-coder", agentID: coder.id, host: "h2", pid: nil, startedAt: t0 + 1, lastHeartbeat: t0 + 1)),
            .heartbeat(instanceID: "inst-planner", at: t0 + 20_000),
        ])
        try s.recordInstanceEvents([.stopped(instanceID: "inst-coder", at: t0 + 30_000)])

        let plannerToken = try s.issueCredential(agentID: planner.id, ttlMs: 3_600_000, scopes: nil, instanceID: "inst-planner", m())
        _ = try s.issueCredential(agentID: coder.id, ttlMs: nil, scopes: nil, instanceID: nil, m())
        _ = try s.issueCredential(agentID: tester.id, ttlMs: 600_000, scopes: nil, instanceID: nil, m())
        let reporterToken = try s.issueCredential(agentID: reporter.id, ttlMs: nil, scopes: nil, instanceID: nil, m())
        _ = try s.issueCredential(agentID: builder.id, ttlMs: nil, scopes: nil, instanceID: nil, m())
        let renewed = try s.renewCredential(secret: plannerToken.secret, scopes: nil, ttlMs: nil, policy: .standard, now: t0 + 60_000, reason: "rotation")

        _ = try s.recordCalls([
            ToolCall(at: t0 + 100, agentID: planner.id, instanceID: "inst-planner", credentialID: plannerToken.credential.id,
                     server: "github", tool: "get_issue", decision: .allow, durationMs: 12, result: .ok, args: "{\"n\":1}"),
            ToolCall(at: t0 + 200, agentID: coder.id, server: "jira", tool: "create", decision: .deny, reason: "out_of_scope"),
            ToolCall(at: t0 + 61_000, agentID: reporter.id, server: "slack", tool: "post_message", decision: .allow),
        ])
        let key = CallKey(session: "session-1", toolUse: "toolu_1")
        _ = try s.recordCall(ToolCall(at: t0 + 62_000, agentID: planner.id, credentialID: renewed.issued.credential.id,
                                      server: "github", tool: "create_issue", decision: .allow, args: ""), key: key)
        _ = try s.recordOutcome(key: key, credentialID: renewed.issued.credential.id, result: .error, at: t0 + 62_500)
        _ = try s.recordCall(ToolCall(at: t0 + 63_000, agentID: planner.id, credentialID: renewed.issued.credential.id,
                                      server: "github", tool: "get_repo", decision: .allow),
                             key: CallKey(session: "session-1", toolUse: "toolu_2"))

        // Tool pins: a server seen (one tool approved, one changed, one gone), a policy, settings.
        func tool(_ name: String, _ text: String) throws -> ObservedTool {
            try ToolHash.observe(.object([("name", .string(name)), ("description", .string(text))]))
        }
        try s.setToolPolicy(.trust, server: "slack", m(t0 + 64_000))
        try s.setUnknownServers(.deny, m(t0 + 64_100))
        _ = try s.observeTools(server: "github", tools: [try tool("get_issue", "Reads an issue."), try tool("get_repo", "Reads."),
                                                         try tool("old", "Gone soon.")], observer: "mcp-proxy", at: t0 + 65_000)
        _ = try s.approveTool(server: "github", tool: "get_repo", hash: nil, m(t0 + 66_000, reason: "reviewed"))
        _ = try s.observeTools(server: "github", tools: [try tool("get_issue", "Reads an issue."), try tool("get_repo", "Reads. ~/.ssh")],
                               observer: "mcp-proxy", at: t0 + 67_000)
        _ = try s.rejectTool(server: "github", tool: "get_issue", hash: nil, m(t0 + 68_000, reason: "not needed"))

        _ = try s.narrow(agentID: planner.id, .drop(scopes("slack/*")), m(t0 + 70_000, reason: "least privilege"))
        _ = try s.revokeAgent(coder.id, m(t0 + 80_000, reason: "compromised"))
        _ = try s.revokeCredential(reporterToken.credential.id, m(t0 + 81_000))
        _ = try s.disablePrincipal("workload:ci", m(t0 + 82_000, reason: "retired"))
    }

    /// Every row of every table as the copy carries it, read in small pages.
    static func rows(_ s: any FleetStore) throws -> [String: [TransferRow]] {
        try s.withExportSnapshot { () throws(StoreError) -> [String: [TransferRow]] in
            var out: [String: [TransferRow]] = [:]
            for table in TransferSchema.tables {
                var all: [TransferRow] = []
                while true {
                    let page = try s.exportRows(table, after: all.last.map { table.key(of: $0) }, limit: 2)
                    all += page
                    if page.count < 2 { break }
                }
                out[table.name] = all
            }
            return out
        }
    }
}
