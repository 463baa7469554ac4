import Testing
import WardenCore
import WardenStore
import WardenTestSupport
@testable import WardenPostgres

/// LISTEN/NOTIFY: a commit on one connection wakes a reader waiting on another, and a reader
/// that misses an announcement still sees the change by polling.
@Suite("PostgreSQL change announcements", .enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
struct PostgresListenTests {
    /// Long enough never to run out on a loaded machine: the wake is what the tests check.
    static let patience = 30_000

    @Test("recorded calls and a revocation committed on another connection wake a waiting reader")
    func commitWakes() throws {
        let f = try PostgresFeedFixture()
        let listener = try f.open(readOnly: true)
        let writer = try f.open()
        #expect(listener.notifiesChanges)
        #expect(try listener.waitForChange(timeoutMs: 0) == false)  // listening from here on
        _ = try writer.recordCalls([PostgresFeedFixture.call(f.agentIDs[0], at: 1)])
        #expect(try listener.waitForChange(timeoutMs: Self.patience))
        #expect(try listener.waitForChange(timeoutMs: 0) == false)  // taken once
        _ = try writer.revokeAgent(f.agentIDs[1], Mutation(operatorName: "ann", now: 2, reason: nil))
        #expect(try listener.waitForChange(timeoutMs: Self.patience))
    }

    @Test("a change that was never announced is still seen by the change signal")
    func lostAnnouncement() throws {
        let f = try PostgresFeedFixture()
        let listener = try f.open(readOnly: true)
        let writer = try f.open()
        #expect(try listener.waitForChange(timeoutMs: 0) == false)
        let before = try listener.changeSignal()
        let version = try listener.changedRows(afterVersion: 0).version
        try writer.connection.execute("UPDATE agents SET name = 'renamed' WHERE id = $1", [f.agentIDs[0]])
        #expect(try listener.waitForChange(timeoutMs: 0) == false)
        #expect(try listener.changeSignal() != before)
        #expect(try listener.changedRows(afterVersion: version).agents.map(\.name) == ["renamed"])
    }

    @Test("a reader whose server session ends reconnects, listens again and is woken")
    func survivesTermination() throws {
        let f = try PostgresFeedFixture()
        let listener = try f.open(readOnly: true)
        let writer = try f.open()
        #expect(try listener.waitForChange(timeoutMs: 0) == false)
        let pid = listener.connection.listeningBackend
        try writer.connection.execute("SELECT pg_terminate_backend($1)", [Int64(pid)])
        var lost = false
        for _ in 0..<3 where !lost {
            do { _ = try listener.waitForChange(timeoutMs: Self.patience) } catch { lost = true }
        }
        #expect(lost)
        #expect(try listener.waitForChange(timeoutMs: 0) == false)  // reconnected and listening
        #expect(listener.connection.listeningBackend != pid)
        #expect(try listener.connection.query("SHOW default_transaction_read_only").first { $0.string(0) } == "on")
        _ = try writer.recordCalls([PostgresFeedFixture.call(f.agentIDs[0], at: 1)])
        #expect(try listener.waitForChange(timeoutMs: Self.patience))
    }
}
