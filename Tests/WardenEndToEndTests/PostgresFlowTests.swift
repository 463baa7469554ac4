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

    /// A decision on a store whose tables another session holds locked (a migration's ALTER, a
    /// long transaction) denies `store_unavailable` after `store_timeout` while the lock is
    /// still held, as a failing store does: it used to wait as long as the lock.
    @Test func aDecisionOnALockedStoreDeniesAfterStoreTimeoutWhileTheLockIsHeld() throws {
        let db = try TestDatabase(server: testPostgresServer!)
        let s = try Sandbox()
        let env = ["WARDEN_DB": db.uri()]
        for args in [["init", "--trust-domain", "acme.example"], ["principal", "add", "user:ann@acme.example"],
                     ["agent", "register", "bot", "--by", "user:ann@acme.example", "--scopes", "github/*"]] {
            let r = try s.run(args, environment: env, useDB: false)
            #expect(r.status == 0, "\(args): \(r)")
        }
        let token = try s.run(["token", "issue", "bot"], environment: env, useDB: false).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let folder = s.folder.appendingPathComponent(".config/warden")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "store_timeout = 500ms\n".write(to: folder.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        #expect(try s.run(["authorize", "--token-env", "T", "--tool", "github/get_issue"], environment: env.merging(["T": token]) { $1 },
                          useDB: false).stdout == "allow\n")

        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        locker.arguments = ["-qX", db.uri(), "-c", "BEGIN; LOCK TABLE meta, principals, agents, credentials IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;"]
        locker.standardOutput = FileHandle.nullDevice
        locker.standardError = FileHandle.nullDevice
        try locker.run()
        defer {
            locker.terminate()
            try? TestDatabase.psql(db.uri(), "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE relation = 'agents'::regclass AND mode = 'AccessExclusiveLock'")
        }
        #expect(eventually("the lock to be taken", seconds: 30) {
            (try? psqlValue(db.uri(), "SELECT count(*) FROM pg_locks WHERE relation = 'agents'::regclass AND mode = 'AccessExclusiveLock' AND granted")) == "1"
        })
        for extra in [[], ["--record"]] {
            let r = try s.run(["authorize", "--token-env", "T", "--tool", "github/get_issue"] + extra, environment: env.merging(["T": token]) { $1 },
                              useDB: false)
            #expect(r.status == 3 && r.stdout == "deny: store_unavailable\n", "\(extra): \(r)")
            #expect(r.stderr.contains("did not answer within 500ms"), "\(extra): \(r)")
            #expect(locker.isRunning, "answered while the lock was still held")
        }
    }
}
