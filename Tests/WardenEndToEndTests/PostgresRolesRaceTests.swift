import Foundation
import Testing

/// Roles are the cluster's, not a database's: `warden store roles` applied to two stores of one
/// cluster at once may both find a role missing. CI's fresh cluster did exactly that (several
/// stores' roles applied in parallel) and the second CREATE ROLE failed on the role's name.
extension PostgresRolesTests {
    @Test func rolesApplyWhileAnotherSessionIsCreatingOneOfThem() throws {
        let db = try TestDatabase(server: testPostgresServer!)
        let sandbox = try Sandbox()
        #expect(try sandbox.run(["init", "--trust-domain", "acme.example"], environment: ["WARDEN_DB": db.uri()], useDB: false).status == 0)
        let sql = try sandbox.run(["store", "roles"], environment: ["WARDEN_DB": db.uri()], useDB: false).stdout
        // Fresh role names: the cluster already has Warden's own from the other tests.
        let tag = "wr" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let roles = ["gate", "operator", "ingest", "viewer"]
        let renamed = roles.reduce(sql) {
            $0.replacingOccurrences(of: "\\bwarden_\($1)\\b", with: "\(tag)_\($1)", options: .regularExpression)
        }
        #expect(renamed.contains("CREATE ROLE \(tag)_gate NOLOGIN"))
        defer {
            try? TestDatabase.psql(db.server, "DROP DATABASE IF EXISTS \(db.name) WITH (FORCE)")
            try? TestDatabase.psql(db.server, "DROP ROLE IF EXISTS " + roles.map { "\(tag)_\($0)" }.joined(separator: ", "))
        }

        // Another session creates one of the roles and holds it uncommitted for a while.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        holder.arguments = ["-qX", db.server, "-c", "BEGIN; CREATE ROLE \(tag)_gate NOLOGIN; SELECT pg_sleep(3); COMMIT;"]
        holder.standardOutput = FileHandle.nullDevice
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        defer { holder.waitUntilExit() }
        try eventually("the other session holding \(tag)_gate", seconds: 30) {
            try Self.value(db.server, "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE '%\(tag)_gate%'") == "1"
        }
        // Applied now, the script waits for that session, finds the role made, and goes on.
        try RoleStore.psql(db.uri(), stdin: renamed)
        #expect(try Self.value(db.server, "SELECT count(*) FROM pg_roles WHERE rolname LIKE '\(tag)\\_%'") == "4")
    }
}
