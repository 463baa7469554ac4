import Foundation
import Glibc
import WardenCore
import WardenDashboard
import WardenPostgres
import WardenSQLite
import WardenStore
import WardenSystem

/// Two hosts sharing one PostgreSQL store, played by separate processes on this machine: an
/// operator (this process) revokes an agent, and a child process sees it as a dashboard does
/// (woken by the change feed's announcement, then an incremental snapshot reload) or as a proxy
/// does (its gate connection deciding the agent's calls). Times are CLOCK_MONOTONIC, which both
/// processes share: from the start of the revoke to the moment the child saw it.
enum CrossHostBench {
    /// A child process speaking lines: the parent writes the store's URI first (never in argv,
    /// where other users can read it), then commands; the child answers one line each.
    final class Child {
        let process = Process()
        private let input = Pipe(), output = Pipe()
        private var buffer: [UInt8] = []

        init(mode: String, uri: String) throws {
            process.executableURL = URL(fileURLWithPath: Siblings.selfPath)
            process.arguments = [mode]
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            try send(uri)
            try expect("ready")
        }

        deinit {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }

        func send(_ line: String) throws { try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8)) }

        /// The next line, blocking; an error when the child ends.
        func line() throws -> String {
            while true {
                if let nl = buffer.firstIndex(of: 10) {
                    let text = String(decoding: buffer[..<nl], as: UTF8.self)
                    buffer.removeSubrange(...nl)
                    return text
                }
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { throw BenchFailure("the child process ended") }
                buffer += chunk
            }
        }

        func expect(_ word: String) throws {
            let l = try line()
            guard l == word else { throw BenchFailure("child: expected '\(word)', got '\(l)'") }
        }
    }

    /// `warden-bench --feed-child`: a dashboard's store use. Reads the URI, loads the fleet, then
    /// for each `watch AGENT_ID` answers `ready` and, once a reload shows the agent revoked,
    /// `seen NANOS RELOAD_NANOS` (the time that last reload took).
    static func feedChild() -> Int32 {
        guard let uri = readLine() else { return 1 }
        do {
            let backend = PostgresBackend(uri: uri)
            // Two connections, as the dashboard has: the listener's and the runner's.
            let listener = try backend.open(for: .dashboard(readOnly: true))
            let loader = SnapshotLoader(store: try backend.open(for: .dashboard(readOnly: true)))
            _ = try listener.waitForChange(timeoutMs: 0)  // LISTEN from now on
            guard var snap = try loader.load(now: WallClock.now(), force: true) else { return 1 }
            while !snap.pending.isEmpty { snap = try loader.load(now: WallClock.now()) ?? snap }
            reply("ready")
            while let command = readLine() {
                guard command.hasPrefix("watch ") else { return 1 }
                let id = String(command.dropFirst(6))
                if let next = try loader.load(now: WallClock.now()) { snap = next }
                guard let agent = snap.agents.first(where: { $0.id == id }), agent.revokedAt == nil else { return 1 }
                reply("ready")
                var reloadNanos: UInt64 = 0
                while true {
                    // The dashboard's listener wakes its runner, which reloads by cursor.
                    _ = try listener.waitForChange(timeoutMs: 1_000)
                    let t0 = MonotonicClock.nanos()
                    if let next = try loader.load(now: WallClock.now()) { snap = next }
                    reloadNanos = MonotonicClock.nanos() - t0
                    if snap.agents.first(where: { $0.id == id })?.revokedAt != nil { break }
                }
                reply("seen \(MonotonicClock.nanos()) \(reloadNanos)")
            }
            return 0
        } catch {
            FileHandle.standardError.write(Data("feed child: \(error)\n".utf8))
            return 1
        }
    }

    /// `warden-bench --gate-child`: a proxy's gate connection. Reads the URI, then for each
    /// `watch SECRET` checks the credential is allowed, answers `ready`, and decides its calls
    /// one every millisecond until one is denied: `denied NANOS DECISIONS REASON`.
    static func gateChild() -> Int32 {
        guard let uri = readLine() else { return 1 }
        do {
            let gate = try PostgresBackend(uri: uri).open(for: .gate)
            reply("ready")
            var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            while let command = readLine() {
                guard command.hasPrefix("watch ") else { return 1 }
                let secret = String(command.dropFirst(6))
                guard try gate.authorize(secret: secret, serverTool: "github/get_issue", now: WallClock.now()).decision == .allow else { return 1 }
                reply("ready")
                var decisions = 0
                while true {
                    let out = try gate.authorize(secret: secret, serverTool: "github/get_issue", now: WallClock.now())
                    decisions += 1
                    if case .deny(let reason) = out.decision {
                        reply("denied \(MonotonicClock.nanos()) \(decisions) \(reason.rawValue)")
                        break
                    }
                    nanosleep(&pause, nil)
                }
            }
            return 0
        } catch {
            FileHandle.standardError.write(Data("gate child: \(error)\n".utf8))
            return 1
        }
    }

    /// Unbuffered: the parent times what it reads.
    private static func reply(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Loads `fleet` plus `trials` probe agents (one credential each) into a fresh database,
    /// then revokes one probe per trial while a child watches: first a dashboard, then a gate.
    static func run(server: String, fleet: SyntheticFleet, trials: Int) throws -> [Metric] {
        let db = try PostgresBench.Database(server: server)
        let now = WallClock.now()
        let owner = Principal(id: "user:probes@bench.example", kind: .human, name: "Probes", createdAt: now - 60_000)
        let grant = try ScopeSet(parsing: "github/*")
        var rng = SeededRandom(seed: 77)
        var probes: [Agent] = [], probeCredentials: [(credential: Credential, secret: String)] = []
        for i in 0..<2 * trials {
            let a = Agent(id: Identity.agentID(trustDomain: SyntheticFleet.trustDomain, name: "probe-\(i)", suffix: String(format: "%06x", i)),
                          name: "probe-\(i)", principalID: owner.id, parentID: nil, depth: 1, grant: grant, createdAt: now - 60_000,
                          expiresAt: now + 86_400_000)
            probes.append(a)
            probeCredentials.append((Credential(id: "tok_probe_\(i)", agentID: a.id, scopes: grant, issuedAt: now - 60_000,
                                                expiresAt: now + 86_400_000), SQLiteStore.credentialSecret(from: rng.bytes(32))))
        }
        try PostgresBench.load(fleet, into: db, extraPrincipals: [owner], extraAgents: probes, extraCredentials: probeCredentials)
        let uri = PostgresBench.uri(server, database: db.name)
        let op = try db.backend.open(for: .operations(readOnly: false))
        func revoke(_ i: Int) throws -> (start: UInt64, ms: Double) {
            let t0 = MonotonicClock.nanos()
            _ = try op.revokeAgent(probes[i].id, Mutation(operatorName: "bench", now: WallClock.now(), reason: "bench"))
            return (t0, Double(MonotonicClock.nanos() - t0) / 1e6)
        }
        func nanos(_ word: String, _ line: String) throws -> (UInt64, [Substring]) {
            let parts = line.split(separator: " ")
            guard parts.first.map(String.init) == word, parts.count >= 2, let t = UInt64(parts[1]) else { throw BenchFailure("child said '\(line)'") }
            return (t, parts)
        }

        var seen = Samples(), reload = Samples(), commit = Samples()
        do {
            let dashboard = try Child(mode: "--feed-child", uri: uri)
            for i in 0..<trials {
                try dashboard.send("watch \(probes[i].id)")
                try dashboard.expect("ready")
                let r = try revoke(i)
                let (t, parts) = try nanos("seen", try dashboard.line())
                seen.add(Double(t - r.start) / 1e6)
                reload.add(Double(parts.count > 2 ? UInt64(parts[2]) ?? 0 : 0) / 1e6)
                commit.add(r.ms)
            }
        }
        var denied = Samples(), decisions = 0
        do {
            let gate = try Child(mode: "--gate-child", uri: uri)
            for i in trials..<2 * trials {
                try gate.send("watch \(probeCredentials[i].secret)")
                try gate.expect("ready")
                let r = try revoke(i)
                let (t, parts) = try nanos("denied", try gate.line())
                guard parts.count == 4, parts[3] == "agent_revoked" else { throw BenchFailure("the gate denied for another reason: \(parts)") }
                decisions += Int(parts[2]) ?? 0
                denied.add(Double(t - r.start) / 1e6)
                commit.add(r.ms)
            }
        }
        return [
            .dist("pg_commit_seen_by_dashboard_ms", "revoke on one host → a dashboard on another shows it", "ms", seen,
                  targets: [.atMost(500, .p99)],
                  note: "\(trials) trials; a child process: LISTEN wake, then the dashboard's incremental reload (\(fleet.agents.count + probes.count) agents)"),
            .dist("pg_commit_seen_reload_ms", "  of which: the dashboard's reload that showed it (read + reindex)", "ms", reload),
            .dist("pg_revoke_to_denial_ms", "revoke on one host → first agent_revoked at a gate on another", "ms", denied,
                  targets: [.atMost(1_000, .p99)],
                  note: "\(trials) trials; a child process deciding one call per ms (\(decisions) decisions in all)"),
            .dist("pg_revoke_one_agent_ms", "  of which: the revoke itself (one agent + credential, to commit)", "ms", commit),
        ]
    }
}
