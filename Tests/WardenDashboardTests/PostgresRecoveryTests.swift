import Foundation
import Testing
import WardenCore
import WardenStore
import WardenTestSupport
@testable import WardenDashboard
@testable import WardenPostgres

/// The runner on PostgreSQL: its sessions ended by the server (as a restart does), it says the
/// store is unreachable, reconnects, and catches up with what was committed meanwhile.
@Suite("Dashboard runner on PostgreSQL", .enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
struct PostgresRecoveryTests {
    /// Everything the runner sent, kept in order so a check never loses a message it drained.
    final class Inbox {
        let runner: EffectRunner
        var seen: [Msg] = []
        init(_ runner: EffectRunner) { self.runner = runner }

        /// Reads messages until `done` holds of what was seen; false if the runner stays quiet
        /// for long (a bound on a hang, not a measurement).
        func until(_ done: ([Msg]) -> Bool) -> Bool {
            for _ in 0..<600 {
                if done(seen) { return true }
                seen += runner.outbox.wait(ms: 100)
            }
            return done(seen)
        }
    }

    static func principals(_ m: Msg) -> [String]? {
        if case .snapshot(let snap, _) = m { return snap.principals.map(\.id) } else { return nil }
    }

    @Test func runnerSurvivesItsSessionsBeingTerminated() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let writer = try PostgresStore.create(uri: db.uri, trustDomain: "acme.example")
        let runner = EffectRunner(store: PostgresBackend(uri: db.uri), readOnly: true, operatorName: "ann",
                                  refreshMs: 50, policy: .standard, themeSearch: [])
        runner.start()
        defer { runner.stop() }
        let inbox = Inbox(runner)
        #expect(inbox.until { $0.contains { Self.principals($0) != nil } })

        try writer.connection.execute("""
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
            """)
        #expect(inbox.until { $0.contains { if case .storeUnreachable = $0 { true } else { false } } })
        _ = try writer.addPrincipal(id: "user:bob@acme.example", kind: .human, name: "bob", scopes: try ScopeSet(parsing: "*"),
                                    Mutation(operatorName: "ann", now: 1, reason: nil))
        #expect(inbox.until { seen in
            seen.contains { if case .storeReachable = $0 { true } else { false } }
                && seen.contains { Self.principals($0)?.contains("user:bob@acme.example") == true }
        })
    }
}
