import Foundation
import WardenCore
import WardenPostgres
import WardenStore
import WardenSystem

/// `--backend postgres --pg URI`: first frame, authorize, a subtree revoke and ingest on
/// PostgreSQL. Each store is a fresh database the bench creates on that server and drops
/// afterwards: the first frame's fleet and the revoke's subtree are SQLite's synthetic shapes,
/// bulk-loaded; authorize's fleet is built through the store API one operator action at a time.
enum PostgresBench {
    /// A database made for one measurement, dropped when released.
    final class Database {
        let name = "warden_bench_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let server: String

        /// With `template`, a copy of that database (which no session may be using).
        init(server: String, template: String? = nil) throws {
            self.server = server
            try PostgresAdmin.createDatabase(name, server: server, template: template)
        }

        deinit { try? PostgresAdmin.dropDatabase(name, server: server) }

        var backend: PostgresBackend { PostgresBackend(uri: PostgresBench.uri(server, database: name)) }
    }

    /// `server` with its database (the URI's path) replaced by `database`.
    static func uri(_ server: String, database: String) -> String {
        guard let scheme = server.range(of: "://") else { return server }
        let rest = server[scheme.upperBound...]
        let pathStart = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let query = rest[pathStart...].firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
        return String(server[..<scheme.upperBound]) + String(rest[..<pathStart]) + "/" + database + query
    }

    static let grant = try! ScopeSet(parsing: "github/*,slack/*")
    /// Two tools in the agents' grant and one outside it (denied out_of_scope).
    static let tools = ["github/get_issue", "slack/post_message", "k8s/delete_namespace"]

    /// A tree of `agents` agents under `principals` principals, one credential each, every agent
    /// at most `SyntheticFleet.maxDepth` deep; returns the secrets and the build time.
    static func buildFleet(_ store: any FleetStore, principals: Int, agents: Int, seed: UInt64) throws -> (secrets: [String], ms: Double) {
        var rng = SeededRandom(seed: seed)
        let m = Mutation(operatorName: "warden-bench", now: WallClock.now())
        return try timed {
            var parents: [(id: String, depth: Int)] = []
            for p in 0..<principals {
                let id = "user:p\(p)@bench.example"
                _ = try store.addPrincipal(id: id, kind: .human, name: "P\(p)", scopes: .everything, m)
                parents.append((id, 0))
            }
            var secrets: [String] = []
            for i in 0..<agents {
                var parent = parents[rng.int(parents.count)]
                while parent.depth >= SyntheticFleet.maxDepth { parent = parents[rng.int(parents.count)] }
                let agent = try store.registerAgent(name: "agent-\(i)", delegator: parent.id, scopes: grant, ttlMs: nil, m)
                parents.append((agent.id, parent.depth + 1))
                secrets.append(try store.issueCredential(agentID: agent.id, ttlMs: 86_400_000, scopes: nil, instanceID: nil, m).secret)
            }
            return secrets
        }
    }

    /// `authorize` on the gate connection a proxy opens, random credentials and tools.
    static func authorize(server: String, agents: Int, principals: Int, calls: Int) throws -> [Metric] {
        let db = try Database(server: server)
        let (secrets, buildMs) = try buildFleet(try db.backend.create(trustDomain: SyntheticFleet.trustDomain),
                                                principals: principals, agents: agents, seed: 42)
        let gate = try db.backend.open(for: .gate)
        var rng = SeededRandom(seed: 1234)
        var s = Samples(), allowed = 0
        for i in 0..<min(200, secrets.count) { _ = try gate.authorize(secret: secrets[i], serverTool: tools[0], now: WallClock.now()) }
        for n in 0..<calls {
            // One in 20 presents an unknown secret.
            let secret = n % 20 == 19 ? "wdn_" + String(repeating: "A", count: 43) : secrets[rng.int(secrets.count)]
            let (out, ms) = try timed { try gate.authorize(secret: secret, serverTool: tools[rng.int(tools.count)], now: WallClock.now()) }
            s.add(ms * 1000)
            if out.decision == .allow { allowed += 1 }
        }
        return [
            .value("pg_fleet_build_s", "build the fleet through the store API (\(agents) agents + credentials)", "s", buildMs / 1000),
            .dist("pg_authorize_us", "authorize in-process (gate connection, random credentials)", "µs", s,
                  targets: [.atMost(1_000, .p99)], note: "\(calls) calls, \(allowed) allowed"),
        ] + (try DecisionCacheBench.run(gate: gate, secrets: secrets, tools: tools, calls: calls, prefix: "pg_", withTargets: false))
    }

    /// Loads a synthetic fleet (and any extra rows) into `db` with the PostgreSQL bulk loader,
    /// in one transaction, as SQLite's synthetic stores are written.
    static func load(_ fleet: SyntheticFleet, into db: Database, extraPrincipals: [Principal] = [], extraAgents: [Agent] = [],
                     extraCredentials: [(credential: Credential, secret: String)] = []) throws {
        let store = try PostgresStore.create(uri: uri(db.server, database: db.name), trustDomain: SyntheticFleet.trustDomain)
        try store.bulkLoad(principals: fleet.principals + extraPrincipals, agents: fleet.agents + extraAgents,
                           credentials: fleet.credentials.map { ($0.credential, $0.secret) } + extraCredentials,
                           instances: fleet.instances, callCount: fleet.callCount, call: { fleet.call($0) },
                           operatorName: "warden-bench", now: fleet.now)
    }

    /// Revoke SQLite's subtree shape (`SyntheticFleet.subtreeShape`: `agents` agents, 2
    /// credentials and a live instance each), and the same with 1 credential per agent (the
    /// shape of this bench's earlier PostgreSQL figure), on a fresh copy of the database each
    /// run: revocation is final.
    static func revoke(server: String, agents: Int, repeats: Int) throws -> [Metric] {
        var out: [Metric] = []
        for perAgent in [2, 1] {
            let template = try Database(server: server)
            let shape = SyntheticFleet.subtreeShape(agents: agents, now: WallClock.now(), credentialsPerAgent: perAgent)
            let (_, buildMs) = try timed {
                let store = try PostgresStore.create(uri: uri(server, database: template.name), trustDomain: SyntheticFleet.trustDomain)
                try store.bulkLoad(principals: [shape.principal], agents: shape.agents,
                                   credentials: shape.credentials.map { ($0.credential, $0.secret) }, instances: shape.instances,
                                   callCount: 0, call: { _ in fatalError() }, operatorName: "warden-bench", now: shape.now)
            }  // the loading connection is closed here: the template can be copied
            let root = shape.agents[0].id
            var s = Samples()
            for _ in 0..<repeats {
                let copy = try Database(server: server, template: template.name)
                let store = try copy.backend.open(for: .operations(readOnly: false))
                let (plan, ms) = try timed { try store.revokeAgent(root, Mutation(operatorName: "bench", now: WallClock.now(), reason: "bench")) }
                guard plan.agents.count == agents, plan.credentials.count == perAgent * agents else {
                    throw BenchFailure("revoked \(plan.agents.count) agents and \(plan.credentials.count) credentials, expected \(agents) and \(perAgent * agents)")
                }
                s.add(ms)
            }
            let key = perAgent == 2 ? "" : "_\(perAgent)cred"
            out += [
                .value("pg_subtree_build\(key)_s", "bulk-load the subtree (one transaction)", "s", buildMs / 1000),
                .dist("pg_revoke_subtree\(key)_ms", "revoke a \(agents)-agent subtree (+\(perAgent * agents) credentials)", "ms", s,
                      targets: [.atMost(500, .median)],
                      note: "\(repeats) runs, each on a fresh copy of the database; \(perAgent == 2 ? "SQLite's shape" : "1 credential per agent")"),
            ]
        }
        return out
    }

    /// The dashboard's first frame on a bulk-loaded fleet of the run's size (SQLite's shape).
    /// With `settle`, also the dashboard settling on the same database (saves a second bulk load).
    static func firstFrame(server: String, fleet: SyntheticFleet, repeats: Int, settle: Bool) throws -> [Metric] {
        let db = try Database(server: server)
        let (_, buildMs) = try timed { try load(fleet, into: db) }
        let backend = db.backend
        return [.value("pg_fleet_load_s", "bulk-load the fleet (one transaction)", "s", buildMs / 1000,
                       note: "\(fleet.agents.count) agents, \(fleet.credentials.count) credentials, \(fleet.instances.count) instances, \(fleet.callCount) calls")]
            + (try FirstFrameBench.run(backend: backend, location: backend.location.description, repeats: repeats, targetMs: 1_000))
            + (settle ? try SettleBench.run(backend: backend, location: backend.location.description, repeats: max(1, repeats / 2)) : [])
    }

    /// The ingest pipeline into two fresh databases (see `IngestBench`).
    static func ingest(server: String, events: Int) throws -> [Metric] {
        var databases: [Database] = []
        defer { databases.removeAll() }
        return try IngestBench.run(events: events, target: 50_000) { _ in
            let db = try Database(server: server)
            databases.append(db)
            return db.backend
        }
    }
}
