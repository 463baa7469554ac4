import Foundation
import Testing

/// Tool pinning under least privilege: `mcp-proxy` logged in as a gate records the tool lists
/// it sees (pending, journaled as its login) and nothing that would approve a tool, whether it
/// asks through the binary or straight SQL; trust at first sight is the store's decision.
extension PostgresRolesTests {
    /// One value from straight SQL as that login (`psql -tA`).
    static func value(_ uri: String, _ sql: String) throws -> String {
        try toolOutput("/usr/bin/psql", ["-qXtA", "-v", "ON_ERROR_STOP=1", uri, "-c", sql]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func theProxyAsAGateRecordsToolListsAsPendingAndApprovesNothing() throws {
        let store = try RoleStore()
        let (op, secret) = try seed(store)
        let gate = try store.login("warden_gate")
        let owner = store.db.uri()
        let proxy = try MCPProxyClient(store.sandbox, token: secret, host: "gate-host", store: gate.uri)
        try proxy.initialize()
        let listed = try proxy.request("tools/list", [:])
        #expect(((listed["result"] as? [String: Any])?["tools"] as? [Any])?.isEmpty == true, "\(listed) \(proxy.stderrText)")
        let denied = try proxy.call("add", ["a": 1, "b": 2])
        #expect(MCPProxyClient.deniedReason(denied) == "tool_unapproved", "\(denied)")
        #expect(proxy.finish() == 0, "\(proxy.stderrText)")
        #expect(!proxy.stderrText.contains("permission denied") && !proxy.stderrText.contains("could not check"), "\(proxy.stderrText)")
        #expect(proxy.executed.isEmpty, "\(proxy.executed)")

        #expect(try Self.value(owner, "SELECT count(*) FROM tool_pins WHERE server = 'github'") == "15")
        #expect(try Self.value(owner, "SELECT count(*) FROM tool_decisions") == "0")
        let observed = try #require(try store.run(op.uri, ["audit", "--json"]).jsonArray().last)
        #expect(observed["action"] as? String == "tools.observe" && observed["operator"] as? String == gate.name
                && (observed["claimed_by"] as? String)?.hasPrefix("mcp-proxy for tok_") == true, "\(observed)")

        // Nothing straight SQL as the gate tries approves a tool or changes a policy.
        let hash = try Self.value(owner, "SELECT hash FROM tool_pins WHERE tool = 'add'")
        for sql in [
            "INSERT INTO tool_decisions(id, server, tool, hash, verdict, decided_at, decided_by) VALUES ('github/add#\(hash)', 'github', 'add', '\(hash)', 'approved', 0, 'x')",
            "INSERT INTO tool_pins(id, server, tool, hash, first_seen_at, changed_at) VALUES ('github/x', 'github', 'x', '\(hash)', 0, 0)",
            "UPDATE tool_pins SET hash = 'x'",
            "UPDATE tool_servers SET policy = 'trust'",
            "INSERT INTO tool_settings(id, value) VALUES ('default_policy', 'trust')",
            "SELECT warden_trust_tool('github', 'add', '\(hash)', 0, 'warden', 'x')",
            "SELECT warden_pin_named_tool('github', 'add', '\(hash)', 0, 'x')",
            "SELECT warden_observe_tool_definition('\(String(repeating: "0", count: 64))', '{\"name\":\"add\"}', 0)",
            "SELECT warden_observe_tool_pin('github', 'add', '\(String(repeating: "0", count: 64))', 0, 0, NULL)",
            // A new server's first sight, its pin and the policy's approval in one transaction:
            // refused, as the stored policy is review.
            """
            SELECT warden_observe_tool_server('other', 1);
            SELECT warden_observe_tool_definition(encode(sha256('{"name":"x"}'::bytea), 'hex'), '{"name":"x"}', 1);
            SELECT warden_observe_tool_pin('other', 'x', encode(sha256('{"name":"x"}'::bytea), 'hex'), 1, 1, NULL);
            SELECT warden_trust_tool('other', 'x', encode(sha256('{"name":"x"}'::bytea), 'hex'), 1, 'warden', 'x');
            """,
        ] {
            #expect(!store.sqlSucceeds(gate.uri, sql), "\(sql)")
        }
        #expect(try Self.value(owner, "SELECT count(*) FROM tool_decisions") == "0")
        #expect(try Self.value(owner, "SELECT count(*) FROM tool_servers WHERE id = 'other'") == "0")
        let verify = try store.run(op.uri, ["audit", "--verify"])
        #expect(verify.status == 0 && verify.stdout.contains("state matches the journal"), "\(verify)")
    }

    /// A server whose stored policy is trust: the gate's first listing approves its tools (the
    /// definer function decides from that policy), and the calls pass.
    @Test func aGateSeesATrustedServerApprovedAtFirstSight() throws {
        let store = try RoleStore()
        let (op, secret) = try seed(store)
        let gate = try store.login("warden_gate")
        // Set by the owner behind the journal's back: the gate's next record journals the drift first.
        try TestDatabase.psql(store.db.uri(), "INSERT INTO tool_servers(id, policy) VALUES ('github', 'trust')")
        let proxy = try MCPProxyClient(store.sandbox, token: secret, host: "gate-host", store: gate.uri)
        try proxy.initialize()
        let listed = try proxy.request("tools/list", [:])
        let names = ((listed["result"] as? [String: Any])?["tools"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names.count == 15 && names.contains("add"), "\(names) \(proxy.stderrText)")
        #expect(MCPProxyClient.text(try proxy.call("add", ["a": 2, "b": 40])) == "42")
        #expect(proxy.finish() == 0, "\(proxy.stderrText)")
        #expect(try Self.value(store.db.uri(), "SELECT count(*) FROM tool_decisions WHERE verdict = 'approved' AND decided_by = 'warden'") == "15")
        let actions = try store.run(op.uri, ["audit", "--json"]).jsonArray().suffix(2).map { $0["action"] as? String ?? "" }
        #expect(actions == ["state.drift_detected", "tools.observe"], "\(actions)")
    }
}
