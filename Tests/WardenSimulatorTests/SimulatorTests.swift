import Foundation
import Testing
import WardenCore
import WardenSimulator
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

let t0: Timestamp = 1_795_900_000_000

@Suite("Simulated fleet")
struct SimulatorTests {
    /// What a run looks like with IDs (random in the store) replaced by names.
    func transcript(seed: UInt64, seconds: Int) throws -> (lines: [String], total: TickSummary, temp: TempStore) {
        let s = try TempStore()
        let sim = FleetSimulator(store: s.store, seed: seed, rate: 20, agents: 15)
        let boot = try sim.bootstrap(now: t0)
        #expect(boot.createdAgents == 15 && boot.principalCreated && boot.credentialsIssued == 15 && boot.instancesStarted == 15)
        var total = TickSummary()
        for step in 1...(seconds * 10) { total += try sim.tick(now: t0 + Int64(step) * 100) }
        let names = Dictionary(uniqueKeysWithValues: try s.store.agents().map { ($0.id, $0.name) })
        let calls = try s.store.calls(CallQuery(limit: 1_000_000)).reversed()
        let lines = calls.map { c in
            "\(c.at) \(names[c.agentID]!) \(c.server)/\(c.tool) \(c.decision.rawValue) \(c.reason ?? "-") \(c.durationMs ?? -1) \(c.result?.rawValue ?? "-") \(c.args ?? "")"
        }
        return (lines, total, s)
    }

    @Test func sameSeedSameRun() throws {
        let a = try transcript(seed: 7, seconds: 90)
        let b = try transcript(seed: 7, seconds: 90)
        #expect(a.lines == b.lines)
        #expect(a.total == b.total)
        let c = try transcript(seed: 8, seconds: 10)
        #expect(Array(a.lines.prefix(50)) != Array(c.lines.prefix(50)))
        // About 20 calls a second, with the kinds of denial the demo shows.
        #expect(a.total.calls >= 90 * 20 - 5 && a.total.calls <= 90 * 20 + 5)
        #expect(a.total.allowed > a.total.denied && a.total.denied > 0)
        #expect(a.lines.contains { $0.contains(" deny out_of_scope ") })
        #expect(a.lines.contains { $0.contains(" deny credential_expired ") })
        #expect(a.total.heartbeats > 15 * 10)
        #expect(a.total.delegations >= 1 && a.total.instancesStarted >= 1 && a.total.instancesStopped >= 1)
        #expect(a.total.credentialsIssued >= 1)
        // Some credentials expire within the first minute.
        let creds = try a.temp.store.credentials(agentID: nil)
        #expect(creds.contains { ($0.expiresAt ?? .max) <= t0 + 60_000 })
        // The tree has depth: delegated agents under agents.
        #expect(try a.temp.store.agents().contains { $0.depth >= 2 })
        #expect(try a.temp.store.verifyAudit().isIntact)
        // Operator actions are the simulator's; renewals are the agents' own.
        #expect(try a.temp.store.auditRecords(afterSeq: 0, limit: 10_000).allSatisfy {
            $0.operatorName == "simulator" || ($0.action == "credential.renew" && $0.operatorName.hasPrefix("spiffe://"))
        })
    }

    /// Agents renew their own credentials through the store before they expire, as
    /// `warden token renew` does, so the demo shows renewal chains (and no renewal storm).
    @Test func agentsRenewTheirOwnCredentials() throws {
        let s = try TempStore()
        let sim = FleetSimulator(store: s.store, seed: 11, rate: 2, agents: 6)
        try sim.bootstrap(now: t0)
        var total = TickSummary()
        var now = t0
        for _ in 0..<(40 * 60) { now += 1_000; total += try sim.tick(now: now) }
        #expect(total.credentialsRenewed > 0, "\(total)")
        let creds = try s.store.credentials(agentID: nil)
        let renewed = creds.filter { $0.renewedFrom != nil }
        #expect(renewed.count == total.credentialsRenewed)
        let byID = Dictionary(uniqueKeysWithValues: creds.map { ($0.id, $0) })
        for c in renewed {
            let old = try #require(byID[c.renewedFrom!])
            #expect(old.agentID == c.agentID && old.instanceID == c.instanceID)
            #expect(c.scopes == old.scopes)
        }
        let renewals = try s.store.auditRecords(afterSeq: 0, limit: 100_000).filter { $0.action == "credential.renew" }
        #expect(renewals.count == total.credentialsRenewed)
        #expect(renewals.allSatisfy { r in renewed.contains { $0.id == r.target && $0.agentID == r.operatorName } })
        let findings = FindingsEngine.evaluate(FindingsEngine.Input(
            principals: try s.store.principals(), agents: try s.store.agents(), credentials: creds,
            instances: try s.store.instances(agentID: nil), calls: [], usage: [:], now: now, policy: .standard))
        #expect(!findings.contains { $0.kind == .renewalStorm })
        #expect(try s.store.verifyAudit().isIntact)
    }

    /// An operator's revoke in another connection turns the agent's next calls into denials.
    @Test func revokeDeniesTheNextCalls() throws {
        let s = try TempStore()
        let sim = FleetSimulator(store: s.store, seed: 3, rate: 50, agents: 4)
        try sim.bootstrap(now: t0)
        // A leaf, so that others stay healthy.
        let all = try s.store.agents()
        let victim = try #require(all.first { a in !all.contains { $0.parentID == a.id } }?.id)
        var now = t0
        for _ in 0..<10 { now += 100; try sim.tick(now: now) }
        let operatorStore = try SQLiteBackend(path: s.path).open(for: .operations(readOnly: false))
        let plan = try operatorStore.revokeAgent(victim, Mutation(operatorName: "alice", now: now, reason: "compromised"))
        let cut = Set(plan.agents)
        let seq = try s.store.calls(CallQuery(limit: 1)).first?.seq ?? 0
        for _ in 0..<50 { now += 100; try sim.tick(now: now) }
        let after = try s.store.calls(CallQuery(afterSeq: seq, limit: 100_000))
        let theirs = after.filter { cut.contains($0.agentID) }
        #expect(!theirs.isEmpty)
        #expect(theirs.allSatisfy { $0.decision == .deny && ($0.reason == "agent_revoked" || $0.reason == "ancestor_revoked" || $0.reason == "credential_revoked") })
        #expect(after.contains { !cut.contains($0.agentID) && $0.decision == .allow })
        // After a while the revoked agents give up and their instances stop.
        for _ in 0..<300 { now += 100; try sim.tick(now: now) }
        let live = try s.store.instances(agentID: nil).filter { cut.contains($0.agentID) && $0.stoppedAt == nil }
        #expect(live.isEmpty)
        let last = try s.store.calls(CallQuery(limit: 50))
        #expect(!last.contains { cut.contains($0.agentID) })
    }

    /// A coding agent allowed some of its own tools uses them, and reaches for the others (the
    /// shell, edits), which the store denies: the Calls view shows both beside its MCP calls.
    @Test func aCodingAgentCallsItsOwnToolsAndIsDeniedTheShell() throws {
        let s = try TempStore()
        let m = Mutation(operatorName: "alice", now: t0)
        _ = try s.store.addPrincipal(id: "user:alice@acme.example", kind: .human, name: "Alice", scopes: .everything, m)
        _ = try s.store.registerAgent(name: "dev-assistant", delegator: "user:alice@acme.example",
                                      scopes: try ScopeSet(parsing: "claude-code/Read,claude-code/Grep,github/get_*"), ttlMs: nil, m)
        let sim = FleetSimulator(store: s.store, seed: 5, rate: 50)
        _ = try sim.bootstrap(now: t0)
        for step in 1...200 { try sim.tick(now: t0 + Int64(step) * 100) }
        let calls = try s.store.calls(CallQuery(limit: 10_000))
        let allowed = Set(calls.filter { $0.decision == .allow }.map { "\($0.server)/\($0.tool)" })
        let denied = calls.filter { $0.decision == .deny }
        #expect(allowed.contains("claude-code/Read") && allowed.contains("claude-code/Grep"), "\(allowed)")
        #expect(allowed.allSatisfy { ["claude-code/Read", "claude-code/Grep"].contains($0) || $0.hasPrefix("github/get_") }, "\(allowed)")
        #expect(!denied.isEmpty && denied.allSatisfy { $0.server == "claude-code" && $0.reason == "out_of_scope" }, "\(denied.map(\.tool))")
    }

    /// On a store that already has a fleet, the simulator drives it and grows it only when asked.
    @Test func adoptsAnExistingFleet() throws {
        let s = try TempStore()
        let m = Mutation(operatorName: "alice", now: t0)
        _ = try s.store.addPrincipal(id: "user:alice@acme.example", kind: .human, name: "Alice", scopes: .everything, m)
        let triage = try s.store.registerAgent(name: "triage-bot", delegator: "user:alice@acme.example",
                                               scopes: try ScopeSet(parsing: "github/get_*,slack/post_message"), ttlMs: nil, m)
        _ = try s.store.registerAgent(name: "labeler", delegator: triage.id, scopes: try ScopeSet(parsing: "github/get_issue"), ttlMs: nil, m)
        let sim = FleetSimulator(store: s.store, seed: 1, rate: 20)
        let boot = try sim.bootstrap(now: t0)
        #expect(boot.existingAgents == 2 && boot.createdAgents == 0 && !boot.principalCreated)
        for step in 1...100 { try sim.tick(now: t0 + Int64(step) * 100) }
        let calls = try s.store.calls(CallQuery(limit: 10_000))
        #expect(Set(calls.map(\.agentID)).isSubset(of: Set(sim.agentIDs)))
        #expect(calls.filter { $0.decision == .allow }.allSatisfy { ["github", "slack"].contains($0.server) })

        let grown = FleetSimulator(store: try SQLiteBackend(path: s.path).open(for: .operations(readOnly: false)), seed: 2, rate: 20, agents: 6)
        let boot2 = try grown.bootstrap(now: t0 + 20_000)
        #expect(boot2.existingAgents >= 2 && boot2.existingAgents + boot2.createdAgents == 6)
    }

    /// Simulators on several hosts share one store: each runs its instances on its own host and
    /// adopts only those, so every host's processes show under their host.
    @Test func aSimulatorWithAHostRunsAndAdoptsOnlyThatHostsInstances() throws {
        let s = try TempStore()
        let a = FleetSimulator(store: s.store, seed: 3, rate: 20, agents: 4, host: "host-a")
        try a.bootstrap(now: t0)
        for step in 1...10 { try a.tick(now: t0 + Int64(step) * 100) }
        let afterA = try s.store.instances(agentID: nil)
        #expect(afterA.count >= 4)
        #expect(afterA.allSatisfy { $0.host == "host-a" }, "\(afterA.map(\.host))")

        let b = FleetSimulator(store: try SQLiteBackend(path: s.path).open(for: .operations(readOnly: false)),
                               seed: 4, rate: 20, host: "host-b")
        let boot = try b.bootstrap(now: t0 + 2_000)
        #expect(boot.instancesStarted == b.agentIDs.count, "host-a's running instances are not host-b's to adopt")
        let running = try s.store.instances(agentID: nil).filter { $0.stoppedAt == nil }
        for agent in b.agentIDs {
            #expect(running.filter { $0.agentID == agent && $0.host == "host-b" }.count == 1)
        }
        #expect(Set(running.map(\.host)) == ["host-a", "host-b"])
    }

    @Test func simulateCommandRunsForADuration() throws {
        let s = try TempStore()
        let out = StringBox()
        let code = SimulateCommand.run(store: s.store, agents: 3, rate: 40, durationMs: 600, seed: 5,
                                       stdout: out.append, stderr: out.append)
        #expect(code == 0)
        #expect(out.text.hasPrefix("simulating 3 agents (3 registered by the simulator)"), "\(out.text)")
        #expect(out.text.contains("simulated "))
        #expect(try s.store.calls(CallQuery(limit: 1000)).count > 5)
    }

    @Test func backgroundThreadStops() throws {
        let s = try TempStore()
        let sim = SimulatorThread.start(store: s.backend, seed: 9, rate: 100, agents: 3, tickMs: 20)
        let deadline = Date().addingTimeInterval(10)
        while sim.totals.calls < 5 && Date() < deadline && sim.error == nil { usleep(20_000) }
        sim.stop()
        #expect(sim.error == nil)
        #expect(sim.totals.calls >= 5)
        #expect(sim.bootstrap?.createdAgents == 3)
    }
}

final class StringBox: @unchecked Sendable {
    var text = ""
    func append(_ s: String) { text += s }
}
