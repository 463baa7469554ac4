import Foundation
import Testing
import TerminalUI
import WardenCore
import WardenSQLite
import WardenStore
import WardenTestSupport
@testable import WardenDashboard

/// Renewal chains in the credential detail pane, and the hourly prune of a long-running dashboard.
@Suite("Renewal and retention in the dashboard")
struct RenewalViewTests {
    func text(_ lines: [Line]) -> String { lines.map { $0.spans.map(\.text).joined() }.joined(separator: "\n") }

    @Test func credentialDetailShowsTheRenewalChain() {
        var credentials = Fixture.credentials
        let base = credentials.first { $0.id == "tok_label01" }!
        var first = base
        first.id = "tok_renew01"
        first.renewedFrom = "tok_label01"
        var second = base
        second.id = "tok_renew02"
        second.renewedFrom = "tok_renew01"
        credentials += [first, second]
        let snap = FleetSnapshot(trustDomain: "acme.example", principals: Fixture.principals, agents: Fixture.agents,
                                 credentials: credentials, instances: Fixture.instances, calls: [], minutes: [], audit: [],
                                 auditState: Fixture.snapshot().auditState, counter: 1, loadedAt: Fixture.now)
        var s = Fixture.state()
        _ = Update.update(&s, .snapshot(snap, findings: []))
        #expect(text(DetailPane.credential(s, "tok_renew01")).contains("renewed from tok_label01"))
        #expect(text(DetailPane.credential(s, "tok_renew02")).contains("renewed from tok_renew01 (renewal 2 of a chain)"))
        #expect(!text(DetailPane.credential(s, "tok_label01")).contains("renewed from"))
    }

    @Test func retentionRunsOnceAnHourByTheInjectedClock() throws {
        let temp = try TempStore()
        let store = temp.store
        let start: Timestamp = 1_800_000_000_000
        let day: Int64 = 86_400_000
        let m = Mutation(operatorName: "t", now: start - 60 * day)
        _ = try store.addPrincipal(id: "user:a@acme.example", kind: .human, name: "A", scopes: .everything, m)
        let a = try store.registerAgent(name: "a", delegator: "user:a@acme.example", scopes: try ScopeSet(parsing: "github/*"), ttlMs: nil, m)
        try store.recordCalls([40, 20, 1].map { d in
            ToolCall(at: start - Int64(d) * day, agentID: a.id, server: "github", tool: "get_issue", decision: .allow)
        })
        var schedule = RetentionSchedule(startedAt: start)
        let policy = Policy.standard
        #expect(try schedule.runIfDue(store, policy: policy, now: start + 3_599_999) == nil)
        #expect(try store.calls(CallQuery(limit: 10)).count == 3, "a dashboard open under an hour prunes nothing")
        let ran = try #require(try schedule.runIfDue(store, policy: policy, now: start + 3_600_000))
        #expect(ran.calls == 1)
        #expect(try store.calls(CallQuery(limit: 10)).count == 2)
        #expect(try schedule.runIfDue(store, policy: policy, now: start + 3_600_000 + 59 * 60_000) == nil)
        #expect(try schedule.runIfDue(store, policy: policy, now: start + 7_200_000) == PruneCounts())
        // A read-only dashboard never prunes.
        let reader = try SQLiteBackend(path: temp.path).open(for: .operations(readOnly: true))
        var readOnly = RetentionSchedule(startedAt: start)
        #expect(try readOnly.runIfDue(reader, policy: policy, now: start + 100 * day) == nil)
    }
}
