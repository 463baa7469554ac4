import Foundation
import Testing
import WardenHTTPClient

/// `warden serve` needs only the `warden_gate` role: it decides (reads), records (the gate's
/// activity grants) and authenticates AuthZEN callers (it reads gates). An operator adds the
/// gate; the gate's login may not.
@Suite("PostgreSQL: AuthZEN as warden_gate", .enabled(if: testPostgresServer != nil, "WARDEN_TEST_POSTGRES is not set"))
struct PostgresAuthZENTests {
    @Test func aGateLoginServesAuthZENAndCannotAddGates() throws {
        let roles = try PostgresRolesTests.RoleStore()
        let op = try roles.login("warden_operator"), gateLogin = try roles.login("warden_gate")
        for args in [["principal", "add", "user:alice@acme.example"],
                     ["agent", "register", "bot", "--by", "user:alice@acme.example", "--scopes", "github/get_issue"],
                     ["gate", "add", "envoy"]] {
            let r = try roles.run(op.uri, args)
            #expect(r.status == 0, "\(r)")
        }
        let agent = try roles.run(op.uri, ["token", "issue", "bot"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let gate = try roles.run(op.uri, ["token", "issue", "--gate", "envoy"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let refused = try roles.run(gateLogin.uri, ["gate", "add", "rogue"])
        #expect(refused.status != 0 && refused.stderr.contains("may not add gates"), "\(refused)")

        let cfg = try roles.sandbox.write("serve.cfg", "server.github.command = /bin/false\n")
        let serve = try SpawnedWarden(["--db", gateLogin.uri, "serve", "--listen", "127.0.0.1:0", "--config", cfg],
                                      environment: ["PATH": "/usr/bin:/bin", "HOME": roles.sandbox.folder.path, "LANG": "C.UTF-8"],
                                      in: roles.sandbox.folder, processGroup: nil)
        defer { serve.signal(SIGTERM); serve.wait(seconds: 30) }
        let port = ServeHarness.listeningPort(serve)
        try #require(port > 0, "warden serve did not start as warden_gate: \(serve.stderrSoFar)")
        var bytes: [UInt8] = []
        let body = ServeAuthZENTests.question(agent, "github/get_issue")
        let head = try HTTPClient().perform(HTTPClient.Request(method: "POST", url: "http://127.0.0.1:\(port)/access/v1/evaluation",
                                                               headers: [HTTPHeader("Authorization", "Bearer " + gate)], body: Array(body.utf8)),
                                            onHead: { _ in true }, onBody: { bytes += $0; return true })
        let answer = String(decoding: bytes, as: UTF8.self)
        #expect(head.status == 200 && answer.hasPrefix(#"{"decision":true"#), "\(head.status) \(answer)")
    }
}
