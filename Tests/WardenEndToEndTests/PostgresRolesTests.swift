import Foundation
import Testing
import WardenCore

/// Least privilege on PostgreSQL: `warden store roles` applied with psql, then each role's login
/// drives the real binary (and straight SQL behind its back) to show what it may and may not do.
/// Each test has its own database and logins with random names (roles are cluster-wide).
@Suite("PostgreSQL roles", .enabled(if: testPostgresServer != nil, "WARDEN_TEST_POSTGRES is not set"))
struct PostgresRolesTests {
    /// A store made by the server's user (its owner), the roles applied, and logins to play them.
    final class RoleStore {
        let db: TestDatabase
        let sandbox: Sandbox
        private var logins: [String] = []

        /// `beforeRoles`: SQL the owner runs on the new store before the roles are applied.
        init(beforeRoles: String? = nil) throws {
            db = try TestDatabase(server: testPostgresServer!)
            sandbox = try Sandbox()
            let created = try sandbox.run(["init", "--trust-domain", "acme.example"], environment: ["WARDEN_DB": db.uri()], useDB: false)
            #expect(created.status == 0, "\(created)")
            if let beforeRoles { try TestDatabase.psql(db.uri(), beforeRoles) }
            let sql = try sandbox.run(["store", "roles"], environment: ["WARDEN_DB": db.uri()], useDB: false)
            #expect(sql.status == 0 && sql.stdout.contains("CREATE ROLE warden_gate NOLOGIN"), "\(sql)")
            try Self.psql(db.uri(), stdin: sql.stdout)
            // Idempotent: a second run changes nothing and does not fail.
            try Self.psql(db.uri(), stdin: sql.stdout)
        }

        deinit {
            for login in logins { try? TestDatabase.psql(db.server, "DROP ROLE IF EXISTS \(login)") }
        }

        /// A new login in `role`; returns the URI that connects as it.
        func login(_ role: String) throws -> (name: String, uri: String) {
            let name = "wl_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
            try TestDatabase.psql(db.uri(), "CREATE ROLE \(name) LOGIN IN ROLE \(role)")
            logins.append(name)
            return (name, Self.withUser(db.uri(), name))
        }

        func run(_ uri: String, _ args: [String], stdin: String? = nil, env: [String: String] = [:]) throws -> RunResult {
            try sandbox.run(args, environment: env.merging(["WARDEN_DB": uri]) { $1 }, stdin: stdin, useDB: false)
        }

        /// Whether straight SQL as that login succeeds.
        func sqlSucceeds(_ uri: String, _ sql: String) -> Bool {
            (try? TestDatabase.psql(uri, sql)) != nil
        }

        static func withUser(_ uri: String, _ user: String) -> String {
            if let r = uri.range(of: #"user=[^&]*"#, options: .regularExpression) {
                return uri.replacingCharacters(in: r, with: "user=\(user)")
            }
            return uri + (uri.contains("?") ? "&" : "?") + "user=\(user)"
        }

        static func psql(_ uri: String, stdin: String) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
            p.arguments = ["-qX", "-v", "ON_ERROR_STOP=1", uri]
            let input = Pipe(), errors = Pipe()
            p.standardInput = input
            p.standardOutput = FileHandle.nullDevice
            p.standardError = errors
            try p.run()
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
            let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "psql applying the roles failed: \(said)")
        }
    }

    /// An operator login registers planner and issues it a token; returns the operator's URI and the secret.
    func seed(_ store: RoleStore) throws -> (op: (name: String, uri: String), secret: String) {
        let op = try store.login("warden_operator")
        #expect(try store.run(op.uri, ["--operator", "alice", "principal", "add", "user:ann@acme.example", "--name", "Ann"]).status == 0)
        #expect(try store.run(op.uri, ["agent", "register", "planner", "--by", "user:ann@acme.example", "--scopes", "github/*"]).status == 0)
        let issued = try store.run(op.uri, ["token", "issue", "planner", "--ttl", "1h"])
        #expect(issued.status == 0, "\(issued)")
        return (op, issued.stdout.split(separator: "\n").first.map(String.init) ?? "")
    }

    @Test func gateDecidesAndRecordsButCannotGovern() throws {
        let store = try RoleStore()
        let (op, secret) = try seed(store)
        let gate = try store.login("warden_gate")
        let allowed = try store.run(gate.uri, ["authorize", "--token-env", "TOKEN", "--tool", "github/get_issue", "--record"],
                                    env: ["TOKEN": secret])
        #expect(allowed.status == 0 && allowed.stdout.hasPrefix("allow"), "\(allowed)")
        let head = try store.run(op.uri, ["audit", "head"]).stdout

        let revoke = try store.run(gate.uri, ["revoke", "planner", "--yes"])
        #expect(revoke.status != 0 && revoke.stderr.contains("\(gate.name) (warden_gate) may not revoke (permission denied"), "\(revoke)")
        let widen = try store.run(gate.uri, ["narrow", "planner", "--keep", "github/get_issue", "--yes"])
        #expect(widen.status != 0 && widen.stderr.contains("warden_gate) may not change an agent's scopes"), "\(widen)")
        let issue = try store.run(gate.uri, ["token", "issue", "planner"])
        #expect(issue.status != 0 && issue.stderr.contains("warden_gate) may not issue credentials"), "\(issue)")
        #expect(!issue.stdout.contains("wdn_") && !issue.stdout.contains("tok_"), "no secret shown for a refused issue")

        #expect(!store.sqlSucceeds(gate.uri, "UPDATE agents SET scopes = '*'"))
        #expect(!store.sqlSucceeds(gate.uri, "INSERT INTO credentials(id, agent_id, secret_hash, scopes, issued_at) SELECT 'tok_x', id, '\\x00', '*', 0 FROM agents LIMIT 1"))
        #expect(!store.sqlSucceeds(gate.uri, "UPDATE audit SET reason = 'x'"))
        #expect(!store.sqlSucceeds(gate.uri, "DELETE FROM audit"))
        #expect(!store.sqlSucceeds(gate.uri, "UPDATE cursors SET value = 0"))
        #expect(!store.sqlSucceeds(gate.uri, "UPDATE governed_state SET digest = 0"))
        #expect(!store.sqlSucceeds(gate.uri, "SELECT warden_observe_agent('x', 'x', 'workload:unregistered', NULL, 0)"))
        // What a gate records: instances start, heartbeat and stop.
        #expect(store.sqlSucceeds(gate.uri, """
            INSERT INTO instances(id, agent_id, host, pid, started_at, last_heartbeat) SELECT 'i-1', id, 'h', 1, 0, 0 FROM agents LIMIT 1;
            UPDATE instances SET last_heartbeat = 5 WHERE id = 'i-1'; UPDATE instances SET stopped_at = 6 WHERE id = 'i-1'
            """))
        // A row version is the store's to give: one the gate brings is stamped over, or it could
        // put a row beyond every reader's cursor and hide it from the dashboards.
        #expect(store.sqlSucceeds(gate.uri, """
            INSERT INTO instances(id, agent_id, host, pid, started_at, last_heartbeat, version) SELECT 'i-2', id, 'h', 2, 0, 0, 999999999 FROM agents LIMIT 1
            """))
        #expect(try psqlValue(store.db.uri(), "SELECT version FROM instances WHERE id = 'i-2'") != "999999999")
        #expect(try psqlValue(store.db.uri(), "SELECT version <= (SELECT value FROM cursors WHERE name = 'row_version') FROM instances WHERE id = 'i-2'") == "t")

        // Nothing the gate tried changed the governed state or the journal.
        #expect(try store.run(op.uri, ["audit", "head"]).stdout == head)
        let verify = try store.run(op.uri, ["audit", "--verify"])
        #expect(verify.status == 0 && verify.stdout.contains("state matches the journal"), "\(verify)")
        let still = try store.run(gate.uri, ["authorize", "--token-env", "TOKEN", "--tool", "github/get_issue"], env: ["TOKEN": secret])
        #expect(still.status == 0 && still.stdout.hasPrefix("allow"), "\(still)")
    }

    /// What a governed agent's host runs: `mcp-proxy` logged in as a gate. It decides, forwards,
    /// records its calls and its instance, and a revoke by an operator bites on the next call.
    @Test func theProxyRunsAsAGate() throws {
        let store = try RoleStore()
        let (op, secret) = try seed(store)
        let gate = try store.login("warden_gate")
        let proxy = try MCPProxyClient(store.sandbox, token: secret, host: "gate-host", store: gate.uri)
        try proxy.initialize()
        let added = try proxy.call("add", ["a": 2, "b": 40])
        #expect(MCPProxyClient.text(added) == "42", "\(added) \(proxy.stderrText)")
        func hosts() throws -> [String] {
            (try store.run(op.uri, ["agent", "show", "planner", "--json"]).jsonObject()["instances"] as? [[String: Any]] ?? [])
                .compactMap { $0["host"] as? String }
        }
        try eventually("the proxy's instance") { try !hosts().isEmpty }
        #expect(try hosts() == ["gate-host (github)"])
        #expect(try store.run(op.uri, ["revoke", "planner", "--yes"]).status == 0)
        let revoked = try proxy.call("echo", ["text": "after the revoke"])
        #expect(MCPProxyClient.deniedReason(revoked) == "agent_revoked", "\(revoked)")
        #expect(proxy.finish() == 0, "\(proxy.stderrText)")
        #expect(!proxy.stderrText.contains("permission denied") && !proxy.stderrText.contains("may not"), "\(proxy.stderrText)")
        #expect(proxy.executed.count == 1, "\(proxy.executed)")
        let calls = try store.run(op.uri, ["calls", "--agent", "planner", "--json"]).jsonArray()
        #expect(calls.map { "\($0["tool"] ?? "") \($0["decision"] ?? "")" } == ["echo deny", "add allow"], "\(calls)")
    }

    @Test func viewerReadsAndCannotWrite() throws {
        let store = try RoleStore()
        _ = try seed(store)
        let viewer = try store.login("warden_viewer")
        let agents = try store.run(viewer.uri, ["agent", "ls", "--json"])
        #expect(agents.status == 0 && agents.stdout.contains("planner"), "\(agents)")
        let verify = try store.run(viewer.uri, ["audit", "--verify"])
        #expect(verify.status == 0 && verify.stdout.contains("intact"), "\(verify)")
        let add = try store.run(viewer.uri, ["principal", "add", "user:eve@acme.example", "--name", "Eve"])
        #expect(add.status != 0 && add.stderr.contains("warden_viewer) may not add principals"), "\(add)")
        let revoke = try store.run(viewer.uri, ["revoke", "planner", "--yes"])
        #expect(revoke.status != 0 && revoke.stderr.contains("may not revoke"), "\(revoke)")
        for sql in ["INSERT INTO principals(id, kind, name, scopes, status, created_at) VALUES ('user:e', 'human', 'e', '*', 'active', 0)",
                    "UPDATE agents SET revoked_at = 1", "DELETE FROM tool_calls", "INSERT INTO meta VALUES ('k', 'v')",
                    "SELECT warden_take_cursor('row_version', 1)"] {
            #expect(!store.sqlSucceeds(viewer.uri, sql), "\(sql)")
        }
    }

    /// An ingester observes agents by their SPIFFE IDs only, named as the ID names them: an
    /// "agent" carrying a principal's or a credential's ID would make `principal disable` and
    /// `revoke` refuse that full ID as ambiguous, blocking the kill switch.
    @Test func anIngesterCannotObserveAnAgentUnderAPrincipalsOrACredentialsID() throws {
        let store = try RoleStore()
        let (op, secret) = try seed(store)
        let ingest = try store.login("warden_ingest")
        let credential = try #require(try store.run(op.uri, ["token", "ls", "--json"]).jsonArray().first?["id"] as? String)
        _ = secret
        #expect(store.sqlSucceeds(ingest.uri, "SELECT warden_observe_principal('workload:unregistered', 'unregistered', 0)"))
        for (id, name) in [("user:ann@acme.example", "x"), (credential, "victim"), ("spiffe://acme.example/agent/bad name/1", "bad name"),
                           ("spiffe://acme.example/agent/.hidden/1", ".hidden"), ("spiffe://acme.example/agent/ok/1", "other-name"),
                           ("spiffe://acme.example/agent/ok/1\u{1b}[2J", "ok")] {
            #expect(!store.sqlSucceeds(ingest.uri, "SELECT warden_observe_agent('\(id)', '\(name)', 'workload:unregistered', NULL, 0)"), "\(id)")
        }
        #expect(store.sqlSucceeds(ingest.uri, "SELECT warden_observe_agent('spiffe://acme.example/agent/seen-bot/1', 'seen-bot', 'workload:unregistered', NULL, 0)"))
        let revoked = try store.run(op.uri, ["--operator", "alice", "revoke", credential])
        #expect(revoked.status == 0, "\(revoked)")
        let disabled = try store.run(op.uri, ["--operator", "alice", "principal", "disable", "user:ann@acme.example", "--reason", "leaving", "--yes"])
        #expect(disabled.status == 0, "\(disabled)")
    }

    /// The ingester's SQL function and the telemetry rules read an observed agent's ID the same
    /// way (`Identity.isObservedAgentID`): every sample is accepted by both or refused by both.
    @Test func theObservedAgentIDRuleIsTheSameInSQLAndInSwift() throws {
        let store = try RoleStore()
        let ingest = try store.login("warden_ingest")
        #expect(store.sqlSucceeds(ingest.uri, "SELECT warden_observe_principal('workload:unregistered', 'unregistered', 0)"))
        let name64 = String(repeating: "n", count: 64)
        let samples = ["spiffe://acme.example/agent/bot/1", "spiffe://other.example/agent/bot/a/b", "spiffe://td//agent/bot/1",
                       "spiffe://td/agent/bot/", "spiffe://td/agent/bot", "spiffe:///agent/bot/1", "SPIFFE://td/agent/bot/1",
                       "spiffe://td/agent/.bot/1", "spiffe://td/agent/b@t/1", "spiffe://td/agent/\(name64)/1",
                       "spiffe://td/agent/\(name64)n/1", "spiffe://td/agent/bot/1\u{85}", "spiffe://td/agent/bot/1\u{a0}",
                       "spiffe://td/agent/bot/1\t", "spiffe://t d/agent/bot/1", "spiffe://td/agent/bot/1\u{7f}",
                       "spiffe://td/agent/bot/" + String(repeating: "x", count: 500), "user:ann@acme.example", "tok_0123456789abcdef",
                       "spiffe://td/agent/bot/é"]
        for (i, id) in samples.enumerated() {
            let hex = Array(id.utf8).map { String(format: "%02x", $0) }.joined()
            let name = Identity.agentName(fromID: id) ?? "x"
            let sql = "SELECT warden_observe_agent(convert_from(decode('\(hex)', 'hex'), 'UTF8'), '\(name)', 'workload:unregistered', NULL, \(i))"
            #expect(store.sqlSucceeds(ingest.uri, sql) == Identity.isObservedAgentID(id), "\(id.debugDescription)")
        }
        #expect(Identity.isObservedAgentID(samples[0]) && !Identity.isObservedAgentID(samples[2]), "the samples hold both answers")
    }

    @Test func ingesterRecordsUnregisteredAgentsButNoGrant() throws {
        let store = try RoleStore()
        let (op, _) = try seed(store)
        let ingest = try store.login("warden_ingest")
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let lines = """
            {"type":"tool_call","time":\(now),"agent":"triage-bot","server":"github","tool":"get_issue","decision":"allow"}
            {"type":"tool_call","time":\(now),"agent":"planner","server":"github","tool":"get_issue","decision":"allow"}

            """
        let ingested = try store.run(ingest.uri, ["ingest", "-"], stdin: lines)
        #expect(ingested.status == 0 && ingested.stdout.contains("1 unregistered agent recorded"), "\(ingested)")
        let audit = try store.run(op.uri, ["audit", "--json"]).jsonArray()
        let observed = try #require(audit.last)
        #expect(observed["action"] as? String == "agent.observe" && observed["operator"] as? String == ingest.name, "\(observed)")
        let calls = try store.run(op.uri, ["calls", "--json"]).jsonArray()
        #expect(calls.count == 2)
        #expect(calls.allSatisfy { $0["via"] as? String == "ingest" }, "\(calls)")
        // An ingester records telemetry as telemetry: never as a call the gateway or a proxy decided.
        for via in ["gateway", "proxy", "hook", "cli"] {
            #expect(!store.sqlSucceeds(ingest.uri, """
                INSERT INTO tool_calls(seq, at, agent_id, server, tool, decision, via)
                SELECT warden_take_cursor('tool_call', 1), 0, id, 'github', 'get_issue', 'allow', '\(via)' FROM agents LIMIT 1
                """), "\(via)")
        }
        #expect(store.sqlSucceeds(ingest.uri, """
            INSERT INTO tool_calls(seq, at, agent_id, server, tool, decision, via)
            SELECT warden_take_cursor('tool_call', 1), 0, id, 'github', 'get_issue', 'allow', 'ingest' FROM agents LIMIT 1
            """))
        // `warden serve`'s heartbeat row is written by a gate (or an operator), not an ingester.
        let serviceRow = "INSERT INTO services VALUES ('h 127.0.0.1:1', 'h', '127.0.0.1:1', 1, 'v', 0, 0, 0, NULL)"
        #expect(!store.sqlSucceeds(ingest.uri, serviceRow))
        #expect(store.sqlSucceeds(try store.login("warden_gate").uri, serviceRow))

        #expect(!store.sqlSucceeds(ingest.uri, "UPDATE agents SET scopes = '*' WHERE registered"))
        #expect(!store.sqlSucceeds(ingest.uri, "INSERT INTO credentials(id, agent_id, secret_hash, scopes, issued_at) SELECT 'tok_x', id, '\\x00', '*', 0 FROM agents LIMIT 1"))
        #expect(!store.sqlSucceeds(ingest.uri, "INSERT INTO agents(id, name, principal_id, depth, scopes, created_at) VALUES ('a', 'a', 'workload:unregistered', 1, '*', 0)"))
        // The owner's functions write only what an observation is: a second principal, a
        // journal record for an agent not observed now, or one off the chain are refused.
        #expect(!store.sqlSucceeds(ingest.uri, "SELECT warden_observe_principal('user:mallory', 'M', 0)"))
        #expect(!store.sqlSucceeds(ingest.uri, """
            SELECT warden_journal_observation(h.seq + 1, 0, 'agent.revoke', 'x', NULL, NULL, NULL, h.hash, 'x', NULL, NULL)
            FROM (SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1) h
            """))
        #expect(!store.sqlSucceeds(ingest.uri, """
            SELECT warden_journal_observation(h.seq + 1, 0, 'agent.observe', a.id, NULL, NULL, NULL, h.hash, 'x', NULL, NULL)
            FROM (SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1) h, agents a WHERE NOT a.registered
            """))
        let verify = try store.run(op.uri, ["audit", "--verify"])
        #expect(verify.status == 0 && verify.stdout.contains("state matches the journal"), "\(verify)")
    }

    /// On a server where everyone may create in `public` (PostgreSQL before 15, or a cluster
    /// upgraded from one), a gate that made `convert_to(text, text)` there had it run as the
    /// owner inside a definer function (it beats the built-in for a 'UTF8' literal) and widened
    /// an agent's scopes. The roles take CREATE on the store's schema away from everyone.
    @Test func noRoleCreatesWhereTheOwnersFunctionsLook() throws {
        let store = try RoleStore(beforeRoles: "GRANT CREATE ON SCHEMA public TO PUBLIC")
        _ = try seed(store)
        let gate = try store.login("warden_gate")
        #expect(!store.sqlSucceeds(gate.uri, """
            CREATE FUNCTION public.convert_to(t text, enc text) RETURNS bytea LANGUAGE plpgsql AS $f$
            BEGIN
                IF coalesce(current_setting('attack.done', true), '') = '' THEN
                    PERFORM set_config('attack.done', '1', false);
                    UPDATE agents SET scopes = '*' WHERE name = 'planner';
                END IF;
                RETURN pg_catalog.convert_to(t, enc::name);
            END $f$
            """))
        _ = store.sqlSucceeds(gate.uri, "SELECT warden_observe_tool_definition(encode(sha256('x'::bytea), 'hex'), 'x', 0)")
        #expect(try psqlValue(store.db.uri(), "SELECT scopes FROM agents WHERE name = 'planner'") == "github/*")
        #expect(try psqlValue(store.db.uri(), "SELECT has_schema_privilege('public', 'public', 'CREATE')") == "f")
    }

    /// A call's number and its outcome's come from their cursors: one numbered far beyond would
    /// carry every reader's cursor past the calls recorded after it, hiding them.
    @Test func callNumbersStayWithinTheirCursors() throws {
        let store = try RoleStore()
        _ = try seed(store)
        let gate = try store.login("warden_gate")
        #expect(!store.sqlSucceeds(gate.uri, """
            INSERT INTO tool_calls(seq, at, agent_id, server, tool, decision) VALUES (9000000000000000000, 0, 'planner', 's', 't', 'allow')
            """))
        // Numbered from the cursor it is recorded, and its outcome too; an outcome beyond is not.
        #expect(store.sqlSucceeds(gate.uri, """
            INSERT INTO tool_calls(seq, at, agent_id, server, tool, decision)
                VALUES (warden_take_cursor('tool_call', 1), 0, 'planner', 's', 't', 'allow')
            """))
        #expect(!store.sqlSucceeds(gate.uri, "UPDATE tool_calls SET result = 'ok', outcome_seq = 9000000000000000000"))
        #expect(store.sqlSucceeds(gate.uri, "UPDATE tool_calls SET result = 'ok', outcome_seq = warden_take_cursor('call_outcome', 1)"))
        #expect(try psqlValue(store.db.uri(), "SELECT max(seq)::text || ' ' || max(outcome_seq)::text FROM tool_calls") == "1 1")
    }

    /// Every function that runs as the owner, after all migrations (later ones replace some).
    @Test func everyDefinerFunctionIsPinned() throws {
        let store = try RoleStore()
        let unpinned = try psqlValue(store.db.uri(), """
            SELECT count(*) FROM pg_proc WHERE pronamespace = current_schema()::regnamespace AND prosecdef
                AND NOT coalesce(proconfig @> ARRAY['search_path=' || current_schema() || ', pg_temp'], false)
            """)
        #expect(unpinned == "0")
        let definers = try psqlValue(store.db.uri(), """
            SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc WHERE pronamespace = current_schema()::regnamespace
                AND prosecdef AND proname IN ('warden_stamp_version', 'warden_take_cursor', 'warden_bound_call_seqs',
                    'warden_journal_observation', 'agents_sum_update', 'credentials_sum_update', 'principals_sum_update',
                    'tool_pins_sum_update')
            """)
        #expect(definers == "agents_sum_update,credentials_sum_update,principals_sum_update,tool_pins_sum_update,warden_bound_call_seqs,warden_journal_observation,warden_stamp_version,warden_take_cursor")
    }

    /// The operator prunes: old calls, instances and the heartbeat rows of services silent
    /// since the instances' limit (a crashed `warden serve` on a host that is gone). A gate
    /// writes its own service row but may not delete any.
    @Test func theOperatorPrunesOldServiceRowsAndAGateMayNot() throws {
        let store = try RoleStore()
        let op = try store.login("warden_operator"), gate = try store.login("warden_gate")
        try TestDatabase.psql(store.db.uri(), """
            INSERT INTO services(id, host, listen, pid, version, started_at, last_heartbeat, sessions)
            VALUES ('gone 127.0.0.1:8443', 'gone', '127.0.0.1:8443', 1, 'test', 1000, 2000, 0)
            """)
        #expect(!store.sqlSucceeds(gate.uri, "DELETE FROM services"))
        // Roles applied before this grant existed: refused, saying what to run.
        try TestDatabase.psql(store.db.uri(), "REVOKE DELETE ON services FROM warden_operator")
        let refused = try store.run(op.uri, ["store", "prune"])
        #expect(refused.status != 0 && refused.stderr.contains("run `warden store roles` again"), "\(refused)")
        let roles = try store.run(store.db.uri(), ["store", "roles"])
        try RoleStore.psql(store.db.uri(), stdin: roles.stdout)
        let pruned = try store.run(op.uri, ["store", "prune", "--json"])
        #expect(pruned.status == 0, "\(pruned)")
        #expect(try pruned.jsonObject()["services"] as? Int == 1, "\(pruned)")
        #expect(try psqlValue(store.db.uri(), "SELECT count(*) FROM services") == "0")
    }

    /// What a gate login may change in activity already recorded: a call's outcome only while
    /// it has none; per-minute counts only up; an instance stays its agent's and its heartbeat
    /// never goes back. Straight SQL rewriting another agent's evidence is refused.
    @Test func aGateCannotRewriteRecordedActivity() throws {
        let store = try RoleStore()
        let (op, secret) = try seed(store)
        let gate = try store.login("warden_gate")
        for tool in ["github/get_issue", "slack/post"] {
            let r = try store.run(gate.uri, ["authorize", "--token-env", "TOKEN", "--tool", tool, "--record"], env: ["TOKEN": secret])
            #expect(r.status == (tool.hasPrefix("github") ? 0 : 3), "\(r)")
        }
        let owner = store.db.uri()
        try TestDatabase.psql(owner, """
            INSERT INTO instances(id, agent_id, host, pid, started_at, last_heartbeat)
            SELECT 'mcp-1@vhost', id, 'vhost', 1, 1000, 5000 FROM agents WHERE name = 'planner'
            """)
        for sql in ["UPDATE tool_calls SET result = 'ok', duration_ms = 1",
                    "UPDATE tool_calls SET reason = NULL, decision = 'allow'",
                    "UPDATE call_minutes SET denied = 0",
                    "UPDATE instances SET last_heartbeat = 1",
                    "UPDATE instances SET agent_id = 'spiffe://acme.example/agent/other/1'"] {
            #expect(!store.sqlSucceeds(gate.uri, sql), "\(sql)")
        }
        #expect(store.sqlSucceeds(gate.uri, "UPDATE instances SET last_heartbeat = 9000 WHERE id = 'mcp-1@vhost'"), "a heartbeat goes on")
        #expect(try psqlValue(owner, "SELECT sum(denied) FROM call_minutes") == "1")
        #expect(store.sqlSucceeds(op.uri, "UPDATE call_minutes SET denied = 0"), "an operator may correct anything")
    }

    /// `doctor` on an agent's host (a gate login) checks what it can and says the journal is
    /// for a viewer or operator to check, rather than report the role's missing read as a
    /// problem of the store; the schema is checked once.
    @Test func doctorAsAGateSaysWhatItCannotCheck() throws {
        let store = try RoleStore()
        let gate = try store.login("warden_gate")
        let r = try store.run(gate.uri, ["doctor"])
        #expect(r.status == 0 && r.stdout.contains("not checked: this login may not read the journal"), "\(r)")
        #expect(r.stdout.components(separatedBy: " schema ").count == 2, "one schema line: \(r.stdout)")
    }

    /// A gate journals a drift only as Warden writes it (target store, the two digests, no
    /// reason): a forged one with its own target, before/after and reason text is refused, and
    /// the journal stays intact.
    @Test func aGateCannotJournalADriftRecordOfItsOwnWording() throws {
        let store = try RoleStore()
        let (op, _) = try seed(store)
        let gate = try store.login("warden_gate")
        #expect(!store.sqlSucceeds(gate.uri, """
            DO $$
            DECLARE hs bigint; hh text; d text := repeat('ab', 32); at bigint := 1; enc bytea;
              bf text := '{"note":"routine"}'; af text := '{"approved_by":"alice"}'; rs text := 'approved by alice';
            BEGIN
              SELECT seq, hash INTO hs, hh FROM audit ORDER BY seq DESC LIMIT 1;
              enc := convert_to(hh,'UTF8') || warden_journal_field((hs+1)::text) || warden_journal_field(at::text)
                  || warden_journal_field(session_user::text) || warden_journal_field('state.drift_detected')
                  || warden_journal_field('user:alice@acme.example') || warden_journal_field(bf) || warden_journal_field(af)
                  || warden_journal_field(rs) || warden_journal_field(d) || warden_journal_field('alice');
              PERFORM warden_journal_observation(hs+1, at, 'state.drift_detected', 'user:alice@acme.example', bf, af, rs, hh,
                                                 encode(sha256(enc),'hex'), d, 'alice');
            END $$;
            """))
        let verify = try store.run(op.uri, ["audit", "--verify"])
        #expect(verify.status == 0 && verify.stdout.contains("intact"), "\(verify)")
    }

    @Test func operatorJournalNamesTheLoginAndStaysAppendOnly() throws {
        let store = try RoleStore()
        let (op, _) = try seed(store)
        let records = try store.run(op.uri, ["audit", "--json"]).jsonArray()
        let first = try #require(records.first)
        #expect(first["operator"] as? String == op.name && first["claimed_by"] as? String == "alice", "\(first)")
        let text = try store.run(op.uri, ["audit"]).stdout
        #expect(text.contains("\(op.name) (as alice)"), "\(text)")
        #expect(!store.sqlSucceeds(op.uri, "UPDATE audit SET reason = 'x'"))
        #expect(!store.sqlSucceeds(op.uri, "DELETE FROM audit"))
        #expect(!store.sqlSucceeds(op.uri, "TRUNCATE audit"))
        #expect(!store.sqlSucceeds(op.uri, "UPDATE cursors SET value = 0"))
        // A record naming anyone but the login is refused by the schema.
        #expect(!store.sqlSucceeds(op.uri, """
            INSERT INTO audit(seq, at, operator, action, target, prev_hash, hash)
            SELECT seq + 1, 0, 'alice', 'x', 'x', hash, 'x' FROM audit ORDER BY seq DESC LIMIT 1
            """))
        // Nor one off the chain: numbered past the head (2^63-1 would leave no number to follow
        // it, stopping every write), or not carrying the head's hash.
        #expect(!store.sqlSucceeds(op.uri, """
            INSERT INTO audit(seq, at, operator, action, target, prev_hash, hash)
            VALUES (9223372036854775807, 0, '\(op.name)', 'note', 'x', 'x', 'x')
            """))
        #expect(!store.sqlSucceeds(op.uri, """
            INSERT INTO audit(seq, at, operator, action, target, prev_hash, hash)
            SELECT seq + 1, 0, '\(op.name)', 'note', 'x', 'not-the-head', 'x' FROM audit ORDER BY seq DESC LIMIT 1
            """))
        let verify = try store.run(op.uri, ["audit", "--verify"])
        #expect(verify.status == 0 && verify.stdout.contains("intact"), "\(verify)")
        #expect(try store.run(op.uri, ["--operator", "alice", "principal", "add", "user:bob@acme.example"]).status == 0, "writes go on")
    }
}

@Suite("store roles")
struct StoreRolesTests {
    @Test func aSQLiteStoreHasNoRoles() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        let r = try s.run("store", "roles")
        #expect(r.status != 0 && r.stdout.isEmpty && r.stderr.contains("is for a PostgreSQL store"), "\(r)")
    }
}

/// One value from a query run with psql.
func psqlValue(_ uri: String, _ sql: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
    p.arguments = ["-qXtA", "-v", "ON_ERROR_STOP=1", uri, "-c", sql]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
