import Foundation
import Testing

/// The operator's core loop through the real binary: delegate, issue, authorize, revoke.
@Suite("delegation flow")
struct DelegationFlowTests {
    /// The cascade, on every backend: revoking a parent denies its sub-agent's credentials
    /// with ancestor_revoked, and the journal that recorded it verifies.
    @Test(arguments: TestBackend.all)
    func initRegisterIssueAuthorizeRevoke(backend: TestBackend) throws {
        let s = try Sandbox(backend)
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:alice@acme.example", "--name", "Alice")
        let parent = try s.ok("agent", "register", "triage-bot", "--by", "user:alice@acme.example",
                              "--scopes", "github/*,slack/post_message", "--ttl", "8h")
        let parentID = parent.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(parentID.hasPrefix("spiffe://acme.example/agent/triage-bot/"))
        let child = try s.ok("agent", "register", "issue-labeler", "--by", "triage-bot",
                             "--scopes", "github/get_*,github/add_labels", "--ttl", "1h")
        #expect(child.stdout.hasPrefix("spiffe://acme.example/agent/issue-labeler/"))

        // The secret from --json, and from plain output (alone on stdout).
        let issued = try s.ok("token", "issue", "issue-labeler", "--ttl", "30m", "--json").jsonObject()
        let secret = try #require(issued["secret"] as? String)
        #expect(secret.hasPrefix("wdn_") && secret.count == 47)
        #expect((issued["id"] as? String)?.hasPrefix("tok_") == true)
        let plain = try s.ok("token", "issue", "issue-labeler")
        let plainSecret = plain.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(plainSecret.hasPrefix("wdn_") && !plainSecret.contains("\n"))
        #expect(plain.stderr.contains("shown once"))
        #expect(plain.stderr.contains("tok_"))

        let allowed = try s.run("authorize", "--token", secret, "--tool", "github/get_issue")
        #expect(allowed.status == 0, "\(allowed)")
        #expect(allowed.stdout == "allow\n")

        let outOfScope = try s.run("authorize", "--token", secret, "--tool", "github/delete_repo")
        #expect(outOfScope.status == 3)
        #expect(outOfScope.stdout == "deny: out_of_scope\n")

        let revoked = try s.ok("revoke", "triage-bot", "--reason", "compromised")
        #expect(revoked.stdout.contains("2 agents and 2 credentials revoked"), "\(revoked)")
        #expect(revoked.stdout.contains(parentID))

        // The cascade revoked the sub-agent's credentials in the same transaction; the denial
        // names where the cascade started.
        let denied = try s.run("authorize", "--token", secret, "--tool", "github/get_issue")
        #expect(denied.status == 3, "\(denied)")
        #expect(denied.stdout == "deny: ancestor_revoked\n")

        let json = try s.run("authorize", "--token", secret, "--tool", "github/get_issue", "--json")
        #expect(json.status == 3)
        let decision = try json.jsonObject()
        #expect(decision["decision"] as? String == "deny")
        #expect(decision["reason"] as? String == "ancestor_revoked")
        #expect(decision["agent_id"] as? String == child.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let audit = try s.run("audit", "--verify")
        #expect(audit.status == 0 && audit.stdout.hasPrefix("intact"), "\(audit)")
    }

    @Test func wideningIsRefusedNamingTheScope() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:bob@acme.example", "--scopes", "jira/*,slack/*")
        try s.ok("agent", "register", "support", "--by", "user:bob@acme.example", "--scopes", "jira/get_issue,slack/post_message")

        let wider = try s.run("agent", "register", "escalator", "--by", "support", "--scopes", "jira/get_issue,postgres/query")
        #expect(wider.status == 2, "\(wider)")
        #expect(wider.stderr.hasPrefix("warden: "))
        #expect(wider.stderr.contains("postgres/query"))
        #expect(!wider.stderr.contains("Usage:"))

        let fromPrincipal = try s.run("agent", "register", "dba", "--by", "user:bob@acme.example", "--scopes", "postgres/*")
        #expect(fromPrincipal.status == 2)
        #expect(fromPrincipal.stderr.contains("postgres/*"))

        let keepWider = try s.run("narrow", "support", "--keep", "jira/*")
        #expect(keepWider.status == 2)
        #expect(keepWider.stderr.contains("jira/*"))

        // Nothing was registered by the refusals.
        let agents = try s.ok("agent", "ls", "--json").jsonArray()
        #expect(agents.map { $0["name"] as? String } == ["support"])
    }

    @Test func narrowKeepIsWhatAgentShowReports() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        let narrowed = try s.ok("narrow", "triage-bot", "--keep", "github/get_*,slack/post_message", "--reason", "least privilege")
        #expect(narrowed.stdout.contains("before"))
        #expect(narrowed.stdout.contains("after"))

        let show = try s.ok("agent", "show", "triage-bot", "--json").jsonObject()
        #expect(show["grant"] as? [String] == ["github/get_*", "slack/post_message"])
        #expect(show["effective_scopes"] as? [String] == ["github/get_*", "slack/post_message"])

        // The subtree's grants are narrowed with it (rule 6): issue-labeler's grant keeps only
        // what is still held above, so nothing is left narrowed away, and the output names it.
        #expect(narrowed.stdout.contains("narrowed with it: 2 descendants"), "\(narrowed.stdout)")
        #expect(narrowed.stdout.contains("/agent/issue-labeler/a1c2  github/add_labels,github/get_issue → github/get_issue"), "\(narrowed.stdout)")
        let labeler = try s.ok("agent", "show", "issue-labeler", "--json").jsonObject()
        #expect(labeler["grant"] as? [String] == ["github/get_issue"])
        #expect(labeler["effective_scopes"] as? [String] == ["github/get_issue"])
        #expect(labeler["narrowed_away"] as? [String] == [])

        let dropped = try s.ok("narrow", "triage-bot", "--drop", "slack/post_message", "--json").jsonObject()
        #expect(dropped["before"] as? [String] == ["github/get_*", "slack/post_message"])
        #expect(dropped["after"] as? [String] == ["github/get_*"])

        let audit = try s.ok("audit", "--json").jsonArray()
        let narrows = audit.filter { ($0["action"] as? String)?.contains("narrow") == true }
        #expect(narrows.count == 2)
        #expect(narrows.first?["reason"] as? String == "least privilege")
        #expect(narrows.first?["operator"] as? String == "e2e-tester")
    }

    @Test func revokeCredentialAndDisablePrincipal() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        let one = try s.ok("revoke", "tok_sqlreader_71b5")
        #expect(one.stdout.contains("0 agents and 1 credential revoked"), "\(one)")

        let disabled = try s.ok("principal", "disable", "workload:ci/deploy", "--reason", "pipeline retired", "--json").jsonObject()
        #expect(disabled["action"] as? String == "disable")
        #expect((disabled["agents"] as? [String])?.count == 3)
        #expect(Set(disabled["credentials"] as? [String] ?? []) == ["tok_sre_e1b2", "tok_ci_deploy_static"])
        let principals = try s.ok("principal", "ls", "--json").jsonArray()
        #expect(principals.first { $0["id"] as? String == "workload:ci/deploy" }?["status"] as? String == "disabled")

        // A static key imported with its value: denied after the cascade, naming its cause.
        let staticKey = try s.run("authorize", "--token", "acme-ci-deploy-token-2024-06-rotate-me-0192", "--tool", "github/get_repo")
        #expect(staticKey.status == 3)
        #expect(staticKey.stdout == "deny: principal_disabled\n")
    }

    @Test func recordedCallsAreListedNewestFirst() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:alice@acme.example")
        try s.ok("agent", "register", "reader", "--by", "user:alice@acme.example", "--scopes", "postgres/query")
        let secret = try s.ok("token", "issue", "reader").stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        try s.run(["authorize", "--token-env", "READER_TOKEN", "--tool", "postgres/query", "--record"], environment: ["READER_TOKEN": secret])
        let denied = try s.run(["authorize", "--token-env", "READER_TOKEN", "--tool", "postgres/drop_table", "--record"], environment: ["READER_TOKEN": secret])
        #expect(denied.status == 3)
        let unknown = try s.run("authorize", "--token", "wdn_" + String(repeating: "A", count: 43), "--tool", "postgres/query", "--record")
        #expect(unknown.status == 3)
        #expect(unknown.stdout == "deny: unknown_credential\n")
        #expect(unknown.stderr.contains("not recorded"))
        #expect(!unknown.stderr.contains("wdn_"))

        let calls = try s.ok("calls", "--json").jsonArray()
        #expect(calls.count == 2)
        #expect(calls.map { $0["tool"] as? String } == ["drop_table", "query"])
        #expect(calls.first?["decision"] as? String == "deny")
        #expect(calls.first?["reason"] as? String == "out_of_scope")
        #expect(calls.allSatisfy { $0["via"] as? String == "cli" }, "authorize --record: \(calls)")
        let deniedOnly = try s.ok("calls", "--denied", "--agent", "reader", "--json").jsonArray()
        #expect(deniedOnly.count == 1)
        let limited = try s.ok("calls", "--limit", "1", "--json").jsonArray()
        #expect(limited.count == 1)
        let table = try s.ok("calls")
        #expect(table.stdout.contains("postgres/drop_table"))
        #expect(table.stdout.split(separator: "\n").first?.hasPrefix("TIME") == true)
    }
}
