import Foundation
import WardenCore
import WardenStore
import WardenSystem

/// `authorize` in-process (the gate connection a proxy opens) and through the CLI (`warden authorize`).
enum AuthorizeBench {
    static func inProcess(path: String, fleet: SyntheticFleet, calls: Int) throws -> [Metric] {
        let store = try BenchStore.backend(path).open(for: .gate)  // as the proxy opens it
        var rng = SeededRandom(seed: 1234)
        let creds = fleet.credentials
        let tools = SyntheticFleet.tools.map { "\($0.0)/\($0.1)" }
        let depthOf = Dictionary(uniqueKeysWithValues: fleet.agents.map { ($0.id, $0.depth) })
        // The deepest credentials (depth ≥ 6), so chains are well represented.
        let deep = creds.indices.filter { (depthOf[creds[$0].credential.agentID] ?? 0) >= 6 }
        var all = Samples(), deepS = Samples(), cpu = Samples(), allowed = 0
        // Warm the statement cache and the page cache.
        for i in 0..<min(200, creds.count) { _ = try store.authorize(secret: creds[i].secret, serverTool: tools[0], now: WallClock.now()) }
        for n in 0..<calls {
            let useDeep = !deep.isEmpty && n % 4 == 0
            let c = useDeep ? creds[deep[rng.int(deep.count)]] : creds[rng.int(creds.count)]
            // One in 20 presents an unknown secret.
            let secret = n % 20 == 19 ? "wdn_" + String(repeating: "A", count: 43) : c.secret
            let tool = tools[rng.int(tools.count)]
            let now = WallClock.now()
            let c0 = CPUClock.threadNanos()
            let t0 = MonotonicClock.nanos()
            let out = try store.authorize(secret: secret, serverTool: tool, now: now)
            let us = Double(MonotonicClock.nanos() - t0) / 1e3
            cpu.add(Double(CPUClock.threadNanos() - c0) / 1e3)
            all.add(us)
            if useDeep { deepS.add(us) }
            if out.decision == .allow { allowed += 1 }
        }
        let cached = try DecisionCacheBench.run(gate: store, secrets: creds.map(\.secret), tools: tools, calls: calls)
        return [
            .dist("authorize_us", "authorize in-process (random credentials, ≥ 25 % depth ≥ 6)", "µs", all,
                  targets: [.atMost(100, .p99)], note: "\(calls) calls, \(allowed) allowed, max depth \(fleet.maxDepthSeen)"),
            .dist("authorize_deep_us", "  credentials at depth ≥ 6", "µs", deepS, targets: [.atMost(100, .p99)]),
            .dist("authorize_cpu_us", "  same calls, thread CPU time (without preemption)", "µs", cpu),
        ] + cached
    }

    /// Authorize at the bottom of a chain `depth` deep (the worst case for the chain walk).
    static func deepChain(folder: String, depth: Int, calls: Int) throws -> [Metric] {
        let path = folder + "/chain-auth.db"
        let (_, secret) = try SyntheticFleet.buildChain(at: path, depth: depth, now: WallClock.now())
        defer { removeStore(path) }
        let store = try BenchStore.backend(path).open(for: .gate)  // as the proxy opens it
        var s = Samples()
        _ = try store.authorize(secret: secret, serverTool: "github/get_issue", now: WallClock.now())
        for _ in 0..<calls {
            let (out, ms) = try timed { try store.authorize(secret: secret, serverTool: "github/get_issue", now: WallClock.now()) }
            guard out.decision == .allow else { throw BenchFailure("chain authorize denied: \(out.decision)") }
            s.add(ms * 1000)
        }
        return [.dist("authorize_chain_\(depth)_us", "authorize at the bottom of a \(depth)-deep chain", "µs", s)]
            + (try DecisionCacheBench.deepRepeat(gate: store, secret: secret, depth: depth, calls: calls * 10))
    }

    /// `warden --db STORE authorize --token … --tool …`, the whole process, spawned `runs` times.
    static func cli(warden: String, path: String, fleet: SyntheticFleet, runs: Int) throws -> [Metric] {
        var rng = SeededRandom(seed: 77)
        var s = Samples()
        let tools = SyntheticFleet.tools.map { "\($0.0)/\($0.1)" }
        for n in 0..<(runs + 2) {
            let c = fleet.credentials[rng.int(fleet.credentials.count)]
            let args = ["--db", path, "authorize", "--token", c.secret, "--tool", tools[rng.int(tools.count)]]
            let (status, ms) = try timed { try spawnAndWait(warden, args) }
            guard status == 0 || status == 3 else { throw BenchFailure("warden authorize exited \(status)") }
            if n >= 2 { s.add(ms) }  // the first two warm the page cache
        }
        return [.dist("authorize_cli_ms", "warden authorize (whole process)", "ms", s, note: "\(runs) runs")]
    }
}

/// Runs a program with stdout/stderr discarded; returns its exit status. posix_spawn and
/// waitpid, not Foundation's Process: its `waitUntilExit` polls a run loop, which added ~40 ms
/// to every `warden authorize` this bench timed (52 ms at L for a 9 ms process).
func spawnAndWait(_ path: String, _ args: [String], environment: [String: String]? = nil) throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let env = environment.map { $0.map { "\($0.key)=\($0.value)" } } ?? ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
    let argv = ([path] + args).map { strdup($0) } + [nil]
    let envp = env.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
    guard rc == 0 else { throw BenchFailure("posix_spawn \(path): \(String(cString: strerror(rc)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 { guard errno == EINTR else { throw BenchFailure("waitpid: \(errno)") } }
    // WIFEXITED / WEXITSTATUS are macros: exited when the low 7 bits are 0.
    return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}

func removeStore(_ path: String) {
    for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
}
