import Foundation
import WardenCore
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

let t0: Timestamp = 1_800_000_000_000
func m(_ now: Timestamp = t0, reason: String? = nil) -> Mutation { mutation(at: now, reason: reason) }

/// A small fleet: alice → planner → coder → tester, plus alice → reporter.
struct SmallFleet {
    let planner: Agent, coder: Agent, tester: Agent, reporter: Agent
    let plannerToken: IssuedCredential, coderToken: IssuedCredential, testerToken: IssuedCredential, reporterToken: IssuedCredential

    init(_ s: any FleetStore) throws {
        _ = try s.addPrincipal(id: "user:alice@acme.example", kind: .human, name: "Alice", scopes: .everything, m())
        planner = try s.registerAgent(name: "planner", delegator: "user:alice@acme.example", scopes: scopes("github/*,slack/*"), ttlMs: 86_400_000, m())
        coder = try s.registerAgent(name: "coder", delegator: planner.id, scopes: scopes("github/*"), ttlMs: nil, m())
        tester = try s.registerAgent(name: "tester", delegator: coder.id, scopes: scopes("github/get_*"), ttlMs: 3_600_000, m())
        reporter = try s.registerAgent(name: "reporter", delegator: "user:alice@acme.example", scopes: scopes("slack/post_message"), ttlMs: nil, m())
        plannerToken = try s.issueCredential(agentID: planner.id, ttlMs: nil, scopes: nil, instanceID: nil, m())
        coderToken = try s.issueCredential(agentID: coder.id, ttlMs: nil, scopes: nil, instanceID: nil, m())
        testerToken = try s.issueCredential(agentID: tester.id, ttlMs: 600_000, scopes: nil, instanceID: nil, m())
        reporterToken = try s.issueCredential(agentID: reporter.id, ttlMs: nil, scopes: nil, instanceID: nil, m())
    }
}

/// Takes a store back to the schema before call outcomes (`Migrations.callOutcomes`).
func rollBackCallOutcomes(_ s: SQLiteStore) throws {
    try s.db.exec("DROP INDEX tool_calls_outcome; ALTER TABLE tool_calls DROP COLUMN outcome_seq; DROP TABLE call_keys;")
}

/// Takes a store back to the schema before the state digest (for migration tests that roll an
/// older migration back): its triggers, columns and table go, the version triggers as schema 2
/// made them come back.
func rollBackStateDigest(_ s: SQLiteStore) throws {
    var sql = ""
    for t in ["principals", "agents", "credentials"] {
        sql += """
            DROP TRIGGER IF EXISTS \(t)_digest_insert; DROP TRIGGER IF EXISTS \(t)_digest_update; DROP TRIGGER IF EXISTS \(t)_digest_delete;
            DROP TRIGGER IF EXISTS \(t)_version_update;
            CREATE TRIGGER \(t)_version_update AFTER UPDATE ON \(t) WHEN NEW.version = OLD.version BEGIN
                UPDATE row_version SET v = v + 1;
                UPDATE \(t) SET version = (SELECT v FROM row_version) WHERE id = NEW.id;
            END;
            ALTER TABLE \(t) DROP COLUMN digest;

            """
    }
    sql += "ALTER TABLE audit DROP COLUMN state_digest; DROP TABLE governed_state;"
    try rollBackRetention(s)
    try s.db.exec(sql)
}

/// Takes a store back to the schema before renewal and retention (`renewed_from`, its indexes,
/// `tool_last_used`), so older migrations can be rolled back past them.
func rollBackRetention(_ s: SQLiteStore) throws {
    try s.db.exec("""
        DROP TABLE IF EXISTS tool_servers; DROP TABLE IF EXISTS tool_settings; DROP TABLE IF EXISTS tool_pins;
        DROP TABLE IF EXISTS tool_definitions; DROP TABLE IF EXISTS tool_decisions;
        DROP TABLE IF EXISTS tool_last_used;
        DROP TABLE IF EXISTS gate_credentials; DROP TABLE IF EXISTS gates;
        DROP INDEX IF EXISTS credentials_renewed_from;
        DROP INDEX IF EXISTS credentials_instance;
        DROP TRIGGER IF EXISTS credentials_digest_insert; DROP TRIGGER IF EXISTS credentials_digest_update;
        DROP TRIGGER IF EXISTS credentials_digest_delete;
        ALTER TABLE credentials DROP COLUMN renewed_from;
        """)
}
