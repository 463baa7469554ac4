import Foundation
import Testing

/// The server the PostgreSQL tests may create databases on; nil when there is none.
let testPostgresServer: String? = ProcessInfo.processInfo.environment["WARDEN_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

/// The core flow through the real binary on a PostgreSQL store (a fresh database on the server
/// `$WARDEN_TEST_POSTGRES` names): create, delegate, issue, decide, revoke, verify; and a
/// password given in the URI never appears in anything the commands print.
@Suite("PostgreSQL store through the CLI", .serialized,
       .enabled(if: testPostgresServer != nil, "WARDEN_TEST_POSTGRES is not set"))
struct PostgresFlowTests {
    static var server: String? { testPostgresServer }

    /// A database made with `psql` for one test and dropped after it.
    final class Database {
        let name = "warden_e2e_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let server: String

        init(server: String) throws {
            self.server = server
            try Self.psql(server, "CREATE DATABASE \(name)")
        }

        deinit { try? Self.psql(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }

        /// The server's URI naming this database, with `userInfo` (`user:password@`) when given.
        func uri(userInfo: String = "") -> String {
            guard let scheme = server.range(of: "://") else { return server }
            let rest = server[scheme.upperBound...]
            let pathStart = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            let query = rest[pathStart...].firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
            return String(server[..<scheme.upperBound]) + userInfo + String(rest[..<pathStart]) + "/" + name + query
        }

        static func psql(_ uri: String, _ sql: String) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
            p.arguments = ["-qX", "-v", "ON_ERROR_STOP=1", uri, "-c", sql]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            if p.terminationStatus != 0 { throw CocoaError(.fileWriteUnknown) }
        }
    }

    @Test func delegateIssueAuthorizeRevokeVerify() throws {
        let db = try Database(server: Self.server!)
        let s = try Sandbox()
        let env = ["WARDEN_DB": db.uri()]
        func run(_ args: String...) throws -> RunResult { try s.run(args, environment: env, useDB: false) }

        #expect(try run("init", "--trust-domain", "acme.example").status == 0)
        #expect(try run("principal", "add", "user:ann@acme.example", "--name", "Ann").status == 0)
        #expect(try run("agent", "register", "planner", "--by", "user:ann@acme.example", "--scopes", "github/*").status == 0)
        let issued = try run("token", "issue", "planner", "--ttl", "1h")
        #expect(issued.status == 0, "\(issued)")
        let secret = issued.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let allowed = try s.run(["authorize", "--token-env", "TOKEN", "--tool", "github/get_issue", "--record"],
                                environment: env.merging(["TOKEN": secret]) { $1 }, useDB: false)
        #expect(allowed.status == 0 && allowed.stdout.hasPrefix("allow"), "\(allowed)")
        #expect(try run("revoke", "planner", "--yes").status == 0)
        let denied = try s.run(["authorize", "--token-env", "TOKEN", "--tool", "github/get_issue"],
                               environment: env.merging(["TOKEN": secret]) { $1 }, useDB: false)
        #expect(denied.status == 3 && denied.stdout.contains("agent_revoked"), "\(denied)")
        #expect(try run("calls").stdout.contains("github/get_issue"))
        let audit = try run("audit", "--verify")
        #expect(audit.status == 0 && audit.stdout.contains("intact"), "\(audit)")
    }

    @Test func ingestedCallsAndTheirUnregisteredAgentsShow() throws {
        let db = try Database(server: Self.server!)
        let s = try Sandbox()
        let env = ["WARDEN_DB": db.uri()]
        func run(_ args: [String], stdin: String? = nil) throws -> RunResult { try s.run(args, environment: env, stdin: stdin, useDB: false) }
        #expect(try run(["init", "--trust-domain", "acme.example"]).status == 0)
        var lines = ""
        for n in 1...300 {
            let deny = n % 7 == 0
            lines += "{\"type\":\"tool_call\",\"time\":\(1_795_939_200_000 + n * 10),\"agent\":\"triage-bot\",\"server\":\"github\",\"tool\":\"get_issue\",\"decision\":\"\(deny ? "deny" : "allow")\"\(deny ? ",\"reason\":\"out_of_scope\"" : "")}\n"
        }
        let ingested = try run(["ingest", "-"], stdin: lines)
        #expect(ingested.status == 0, "\(ingested)")
        let agents = try run(["--json", "agent", "ls"])
        #expect(agents.stdout.contains("triage-bot"), "\(agents)")
        let denied = try run(["--json", "calls", "--denied", "--limit", "1000"])
        #expect(denied.stdout.components(separatedBy: "out_of_scope").count - 1 == 300 / 7, "\(denied)")
        #expect(try run(["audit", "--verify"]).status == 0)
    }

    @Test(.enabled(if: TmuxSession.available))
    func dashboardRevokesAndSeesAnotherHostsRevoke() throws {
        let db = try Database(server: Self.server!)
        let s = try Sandbox()
        let env = ["WARDEN_DB": db.uri()]
        func run(_ args: String...) throws -> RunResult { try s.run(args, environment: env, useDB: false) }
        #expect(try run("init", "--trust-domain", "acme.example").status == 0)
        #expect(try run("import", SampleFleet.path).status == 0)
        let line = "cd '\(s.folder.path)' && HOME='\(s.folder.path)' WARDEN_OPERATOR=tmux-op '\(WardenBinary.path)' --db '\(db.uri())'"
        let t = try TmuxSession(line, width: 120, height: 40, folder: s.folder)
        t.waitFor(text: "triage-bot")
        try t.send("j")  // the first agent under alice: triage-bot
        try t.send("x")
        t.waitFor(text: "Blast radius:")
        try t.send("y")
        let screen = t.waitFor(text: "revoked triage-bot")
        #expect(screen.contains("✗ issue-labeler  revoked"), "the subtree is marked too")
        func status(_ name: String) throws -> String? {
            try run("agent", "ls", "--json").jsonArray().first { $0["name"] as? String == name }?["status"] as? String
        }
        #expect(try status("issue-labeler") == "revoked")
        // Another host revokes: the dashboard's change feed brings it in.
        #expect(try run("revoke", "code-review-agent", "--yes").status == 0)
        t.waitFor(text: "✗ code-review-agent  revoked")
        try t.send("q")
        t.waitFor("the process to exit") { _ in t.isDead }
    }

    @Test func aPasswordInTheURIIsNeverPrinted() throws {
        let db = try Database(server: Self.server!)
        let s = try Sandbox()
        // The test cluster trusts local connections, so the password is carried but unused.
        let env = ["WARDEN_DB": db.uri(userInfo: "postgres:hunter2secret@")]
        var said = ""
        for args in [["init", "--trust-domain", "acme.example"], ["--json", "agent", "ls"], ["doctor"], ["--json", "doctor"],
                     ["principal", "add", "user:ann@acme.example"], ["audit"], ["tree"]] {
            let r = try s.run(args, environment: env, useDB: false)
            said += r.stdout + r.stderr
        }
        #expect(said.contains(":***@"), "the location is shown, redacted: \(said)")
        #expect(!said.contains("hunter2"), "\(said)")
    }
}
