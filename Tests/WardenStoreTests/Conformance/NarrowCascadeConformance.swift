import Foundation
import Testing
import WardenCore
import WardenTestSupport
@testable import WardenStore

/// Rule 6: narrowing an agent narrows its descendants' grants in the same transaction, with
/// one journal record listing each, so no grant names what its delegator lost.
@Suite("Narrowing cascades")
struct NarrowCascadeTests {
    func findings(_ s: any FleetStore, now: Timestamp) throws -> [Finding] {
        FindingsEngine.evaluate(FindingsEngine.Input(principals: try s.principals(), agents: try s.agents(),
                                                     credentials: try s.credentials(agentID: nil), instances: try s.instances(agentID: nil),
                                                     calls: [], usage: [:], now: now, policy: Policy()))
    }

    @Test(arguments: Backends.all)
    func narrowingTheParentCutsDescendantsMemberByMember(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let s = t.store
        let f = try SmallFleet(s)  // planner github/*,slack/* → coder github/* → tester github/get_*
        let change = Narrowing.keep(scopes("github/get_*,slack/*"))
        let preview = try s.narrowingPlan(agentID: f.planner.id, change)
        let before = try StoreContents(s)
        let seen = try s.changedRows(afterVersion: 0).version
        _ = try s.narrowingPlan(agentID: f.planner.id, change)
        #expect(try StoreContents(s) == before, "the plan changes nothing")
        let plan = try s.narrow(agentID: f.planner.id, change, m(t0 + 10, reason: "least privilege"))
        #expect(plan == preview)
        // Readers following the change feed see every narrowed grant, and nothing else.
        let changed = try s.changedRows(afterVersion: seen)
        #expect(Set(changed.agents.map(\.id)) == [f.planner.id, f.coder.id])
        #expect(changed.agents.first { $0.id == f.coder.id }?.grant == scopes("github/get_*"))
        #expect(plan.target == NarrowingPlan.Change(agentID: f.planner.id, name: "planner", before: scopes("github/*,slack/*"),
                                                    after: scopes("github/get_*,slack/*")))
        // github/* under github/get_* becomes github/get_*; tester's github/get_* was already inside.
        #expect(plan.descendants == [NarrowingPlan.Change(agentID: f.coder.id, name: "coder", before: scopes("github/*"), after: scopes("github/get_*"))])
        #expect(try s.agent(f.coder.id)?.grant == scopes("github/get_*"))
        #expect(try s.agent(f.tester.id)?.grant == scopes("github/get_*"))
        #expect(try s.agent(f.reporter.id)?.grant == scopes("slack/post_message"))
        // No escalation appears on the descendants: their grants no longer name what was removed.
        #expect(try findings(s, now: t0 + 11).filter { $0.kind == .escalation }.isEmpty)
        #expect(try s.authorize(secret: f.coderToken.secret, serverTool: "github/create_issue", now: t0 + 11).decision == .deny(.outOfScope))

        // One journal record with every change before and after.
        let head = try #require(try s.auditHead())
        let record = try #require(try s.auditRecords(afterSeq: head.seq - 1, limit: 1).first)
        #expect(record.action == "agent.narrow" && record.target == f.planner.id && record.reason == "least privilege")
        let b = try JSONParser.parse(try #require(record.before)), a = try JSONParser.parse(try #require(record.after))
        #expect(b["scopes"]?.array?.compactMap(\.string) == ["github/*", "slack/*"])
        #expect(a["scopes"]?.array?.compactMap(\.string) == ["github/get_*", "slack/*"])
        #expect(b["descendants"]?[f.coder.id]?.array?.compactMap(\.string) == ["github/*"])
        #expect(a["descendants"]?[f.coder.id]?.array?.compactMap(\.string) == ["github/get_*"])
        #expect(try s.verifyAudit(expectedHead: nil).isIntact)
    }

    /// A descendant whose grant loses everything keeps an empty grant (it can do nothing), and
    /// the plan lists it.
    @Test(arguments: Backends.all)
    func aDescendantLeftWithNothingKeepsAnEmptyGrant(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let s = t.store
        let f = try SmallFleet(s)
        let plan = try s.narrow(agentID: f.planner.id, .drop(scopes("github/*")), m(t0 + 10))
        #expect(plan.emptied.map(\.agentID) == [f.coder.id, f.tester.id])
        #expect(try s.agent(f.coder.id)?.grant.isEmpty == true)
        #expect(try s.agent(f.tester.id)?.grant.isEmpty == true)
        #expect(try s.authorize(secret: f.testerToken.secret, serverTool: "github/get_repo", now: t0 + 11).decision == .deny(.outOfScope))
        // Read back as empty after a reopen too, and nothing further to narrow below it.
        let reopened = try t.open()
        #expect(try reopened.agent(f.coder.id)?.grant == ScopeSet.none)
        #expect(try findings(reopened, now: t0 + 11).filter { $0.kind == .escalation }.isEmpty)
    }

    /// Revoked descendants are final: a narrow passes them by and leaves their rows as they are.
    @Test(arguments: Backends.all)
    func revokedDescendantsAreLeftAlone(_ backend: BackendUnderTest) throws {
        let t = try backend.makeStore()
        let s = t.store
        let f = try SmallFleet(s)
        _ = try s.revokeAgent(f.tester.id, m(t0 + 5))
        let plan = try s.narrow(agentID: f.planner.id, .keep(scopes("slack/*")), m(t0 + 10))
        #expect(plan.descendants.map(\.agentID) == [f.coder.id])
        #expect(try s.agent(f.tester.id)?.grant == scopes("github/get_*"))
    }
}
