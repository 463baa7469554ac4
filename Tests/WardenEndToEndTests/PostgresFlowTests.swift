import Foundation
import Testing

/// What only a PostgreSQL store has: a URI that can carry a password. The core flows run on
/// both backends in their own suites (`TestBackend.all`).
@Suite("PostgreSQL store through the CLI",
       .enabled(if: testPostgresServer != nil, "WARDEN_TEST_POSTGRES is not set"))
struct PostgresFlowTests {
    @Test func aPasswordInTheURIIsNeverPrinted() throws {
        let db = try TestDatabase(server: testPostgresServer!)
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
