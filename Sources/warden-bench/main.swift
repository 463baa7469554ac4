import Foundation
import Glibc
import WardenSystem

// warden-bench: builds a deterministic synthetic store and measures the figures BENCHMARKS.md reports.
// `warden-bench [--size S|M|L|XL] [--json] [--out FILE] [--quick] [--seed N] [--only a,b] [--keep]`
// `warden-bench --backend postgres --pg URI [--size S|M] …`: the PostgreSQL figures

let usage = """
    usage: warden-bench [--size S|M|L|XL] [--json] [--out FILE] [--quick] [--seed N] [--only SECTIONS] [--keep] [--store PATH] [--prune-rows N]
      --size     S = 1k agents / 10k calls, M = 10k / 100k, L = 100k / 1M (default S);
                 XL = 1M / 10M (not in CI: ~1 h; without --only it runs the sections whose cost
                 depends on the fleet's size: dashboard, first, keys, authorize, cli, live, terminal, ingest)
      --json     print the figures as JSON (stable keys) instead of the table
      --out FILE also write the JSON to FILE
      --quick    fewer repetitions and smaller side shapes (CI smoke test)
      --only     comma-separated sections: \(Section.allCases.map(\.rawValue).joined(separator: ","))
      --keep     keep the synthetic store and print where it is
      --store P  use the store at P if it exists (built earlier with the same size and seed), else
                 build it there and keep it: for iterating on one section without a rebuild
      --prune-rows N  old calls the prune section deletes (default 1,000,000; 20,000 with --quick)
      --backend sqlite|postgres  the store to measure (default sqlite); postgres measures
                 first (and settle), authorize, revoke, ingest and hosts on fresh databases it creates on the --pg server
      --pg URI   the PostgreSQL server (libpq URI) whose user may create databases
    """

enum Section: String, CaseIterable {
    case first, settle, keys, authorize, live, cli, dashboard, terminal, revoke, ingest, proxy, decide, serve, pins, prune, hosts, authzen, nowindow
    var title: String {
        switch self {
        case .first: return "First frame (open the store, first snapshot, first frame of each view; 120×40)"
        case .settle: return "Dashboard settled (the real effect runner: everything loaded, findings shown)"
        case .keys: return "Keystroke to frame (update + view + diff)"
        case .authorize: return "authorize in-process (the proxy's gate connection)"
        case .live: return "Frame time while a writer appends 500 calls/s and heartbeats"
        case .cli: return "authorize through the CLI"
        case .dashboard: return "The dashboard process (warden --db STORE on a pty)"
        case .terminal: return "Bytes written to the terminal (real ncurses backend on a pty, xterm-256color)"
        case .revoke: return "Cascade revocation (fresh store each run)"
        case .ingest: return "NDJSON ingest (warden ingest end to end, and the store alone)"
        case .proxy: return "MCP proxy added latency (echo server, direct and through the proxy)"
        case .decide: return "mcp-proxy --decide through warden serve vs the local-store proxy (echo server, loopback HTTP)"
        case .serve: return "warden serve: tools/call through the gateway (release binary on loopback, stdio test server upstream, SQLite store)"
        case .pins: return "Tool pinning on the proxy's gate connection (a 500-tool list checked; the pin lookup on a call)"
        case .prune: return "Decisions during `store prune` (own store of old calls; pruner on its own thread)"
        case .authzen: return "AuthZEN evaluations at `warden serve` over loopback (a gate asking, one in flight)"
        case .nowindow: return "No window: revokes committed on another connection, each seen by the next reused decision"
        case .hosts: return "Across hosts: a revoke seen by a dashboard and by a gate in other processes (PostgreSQL)"
        }
    }
}

var args = Array(CommandLine.arguments.dropFirst())
if args.first == "--pty-child", args.count == 2 { exit(TerminalBytesBench.child(path: args[1])) }
if args == ["--feed-child"] { exit(CrossHostBench.feedChild()) }
if args == ["--gate-child"] { exit(CrossHostBench.gateChild()) }

var size = BenchSize.S
var json = false
var outFile: String?
var quick = false
var seed: UInt64 = 42
var keep = false
var reusePath: String?
var pruneRows: Int?
var requested: Set<Section>? = nil
var postgresServer: String?
while !args.isEmpty {
    let a = args.removeFirst()
    func value() -> String {
        guard !args.isEmpty else { FileHandle.standardError.write(Data("\(a) needs a value\n\(usage)\n".utf8)); exit(1) }
        return args.removeFirst()
    }
    switch a {
    case "--size":
        guard let s = BenchSize(rawValue: value().uppercased()) else { FileHandle.standardError.write(Data("--size is S, M, L or XL\n".utf8)); exit(1) }
        size = s
    case "--json": json = true
    case "--out": outFile = value()
    case "--quick": quick = true
    case "--keep": keep = true
    case "--store": reusePath = value()
    case "--prune-rows":
        guard let n = Int(value()), n > 0 else { FileHandle.standardError.write(Data("--prune-rows takes a positive number\n".utf8)); exit(1) }
        pruneRows = n
    case "--seed":
        guard let s = UInt64(value()) else { FileHandle.standardError.write(Data("--seed takes a number\n".utf8)); exit(1) }
        seed = s
    case "--only":
        var chosen = Set<Section>()
        for name in value().split(separator: ",") {
            guard let s = Section(rawValue: String(name)) else { FileHandle.standardError.write(Data("unknown section \(name)\n\(usage)\n".utf8)); exit(1) }
            chosen.insert(s)
        }
        requested = chosen
    case "--backend":
        switch value() {
        case "sqlite": postgresServer = nil
        case "postgres": postgresServer = postgresServer ?? ""
        default: FileHandle.standardError.write(Data("--backend is sqlite or postgres\n".utf8)); exit(1)
        }
    case "--pg": postgresServer = value()
    case "--help", "-h": print(usage); exit(0)
    default: FileHandle.standardError.write(Data("unknown option \(a)\n\(usage)\n".utf8)); exit(1)
    }
}

let fixedSections: Set<Section> = [.revoke, .proxy, .decide, .pins, .prune, .hosts, .authzen, .serve, .nowindow]
let only = requested ?? (size.runsFixedSections ? Set(Section.allCases) : Set(Section.allCases).subtracting(fixedSections))
let loadAtStart = loadAverage()
if let postgresServer {
    guard !postgresServer.isEmpty else { FileHandle.standardError.write(Data("--backend postgres needs --pg URI\n".utf8)); exit(1) }
    exit(runPostgres(server: postgresServer))
}
let folder = NSTemporaryDirectory() + "warden-bench-\(getpid())"
try? FileManager.default.createDirectory(atPath: folder + "/home/.config", withIntermediateDirectories: true)
let storePath = reusePath ?? folder + "/fleet.db"
let reusing = reusePath.map { FileManager.default.fileExists(atPath: $0) } ?? false
defer { if !keep { try? FileManager.default.removeItem(atPath: folder) } }

var results: [(Section, [Metric])] = []
var failures: [(Section, String)] = []
var skipped: [(Section, String)] = []

// Sections that build their own stores (and ingest, its own) never read the synthetic fleet:
// run alone they skip it (at XL its store takes many minutes to build).
let needsFleet = !only.isSubset(of: fixedSections.union([.ingest]))
if needsFleet {
    note("warden-bench --size \(size.rawValue)\(quick ? " --quick" : ""): building the synthetic store (\(size.agents) agents, \(size.calls) calls, seed \(seed))")
}
let buildNow = WallClock.now()
let (fleet, genMs) = timed {
    SyntheticFleet(agents: needsFleet ? size.agents : 0, calls: needsFleet ? size.calls : 0, principals: size.principals, seed: seed, now: buildNow)
}
let buildMs: Double
do {
    (_, buildMs) = reusing || !needsFleet ? ((), 0) : try timed { try fleet.build(at: storePath) }
} catch {
    FileHandle.standardError.write(Data("cannot build the store: \(error)\n".utf8))
    exit(2)
}
let storeBytes = (try? FileManager.default.attributesOfItem(atPath: storePath)[.size] as? Int) ?? 0
// What the bench itself held to build it (the fleet in memory, the bulk load's page cache).
let benchPeakMB = (DashboardProcessBench.statusField(getpid(), "VmHWM") ?? .nan) / 1024
let buildMetrics: [Metric] = [
    .value("store_build_s", "build the synthetic store (generate + one bulk transaction)", "s", (genMs + buildMs) / 1000,
           note: "generate \(fmt(genMs / 1000)) s + write \(fmt(buildMs / 1000)) s; \(fleet.principals.count) principals, \(fleet.agents.count) agents (max depth \(fleet.maxDepthSeen)), \(fleet.instances.count) instances, \(fleet.credentials.count) credentials, \(fleet.callCount) calls; \(storeBytes / 1_048_576) MB"),
    .value("store_bytes_mb", "store size on disk (after checkpoint)", "MB", Double(storeBytes) / 1_048_576),
    .value("bench_build_peak_rss_mb", "warden-bench peak resident memory after generating and writing the store", "MB", benchPeakMB),
]
if needsFleet { note(reusing ? "reusing the store at \(storePath)" : "store built in \(fmt((genMs + buildMs) / 1000)) s at \(storePath)") }

let warden = Siblings.path("warden")
let testServer = Siblings.path("warden-test-mcp-server")
let home = folder + "/home"

@MainActor func section(_ s: Section, _ body: () throws -> [Metric]) {
    guard only.contains(s) else { return }
    note("measuring: \(s.rawValue)")
    do {
        let (m, ms) = try timed(body)
        results.append((s, m))
        note("  \(s.rawValue) done in \(fmt(ms / 1000)) s")
    } catch {
        failures.append((s, "\(error)"))
        note("  \(s.rawValue) FAILED: \(error)")
    }
}

@MainActor func skip(_ s: Section, _ why: String) {
    guard only.contains(s) else { return }
    skipped.append((s, why))
    note("skipped \(s.rawValue): \(why)")
}

let r = (first: quick ? 3 : [BenchSize.S: 10, .M: 7, .L: 5, .XL: 3][size]!,
         keys: quick ? 20 : [BenchSize.S: 100, .M: 60, .L: 40, .XL: 20][size]!,
         live: quick ? 2.0 : [BenchSize.S: 6.0, .M: 8.0, .L: 10.0, .XL: 10.0][size]!)

// The dashboard process first, on the store as built: its synthetic instances heartbeat
// "now", so minutes later most are stale and each stale one with live credentials becomes a
// finding (several times the findings, and their memory), which is not the shape being measured.
if let warden {
    section(.dashboard) { try DashboardProcessBench.run(warden: warden, path: storePath, home: home, idleSeconds: quick ? 3 : 10,
                                                              rssTargetMB: size.dashboardRSSTargetMB, settleLimit: size == .XL ? 600 : 120) }
} else { skip(.dashboard, "no warden binary next to warden-bench") }
section(.first) { try FirstFrameBench.run(path: storePath, repeats: r.first, targetMs: size.firstFrameTargetMs) }
section(.settle) { try SettleBench.run(path: storePath, repeats: quick ? 2 : [BenchSize.S: 5, .M: 5, .L: 3, .XL: 1][size]!) }
section(.keys) { try KeystrokeBench.run(path: storePath, repeats: r.keys) }
section(.authorize) {
    try AuthorizeBench.inProcess(path: storePath, fleet: fleet, calls: quick ? 2_000 : 10_000)
        + AuthorizeBench.deepChain(folder: folder, depth: quick ? 1_000 : 10_000, calls: quick ? 20 : 200)
}
if let warden {
    section(.cli) { try AuthorizeBench.cli(warden: warden, path: storePath, fleet: fleet, runs: quick ? 5 : 30) }
} else { skip(.cli, "no warden binary next to warden-bench (\(Siblings.folder))") }
// The live writer appends to the store: after the read-only measurements.
section(.live) { try LiveFrameBench.run(path: storePath, fleet: fleet, seconds: r.live, minFrames: quick ? 10 : 20) }
section(.terminal) { try TerminalBytesBench.run(path: storePath, home: home) }
section(.revoke) { try RevokeBench.run(folder: folder, agents: quick ? 2_000 : 10_000, repeats: quick ? 2 : 5) }
section(.ingest) { try IngestBench.run(events: quick ? 5_000 : size.ingestEvents) }
if let testServer {
    section(.proxy) { try ProxyBench.run(server: testServer, calls: quick ? 200 : 2_000) }
} else { skip(.proxy, "no warden-test-mcp-server next to warden-bench") }
if let testServer, let warden {
    section(.decide) { try DecideBench.run(warden: warden, server: testServer, calls: quick ? 200 : 2_000) }
} else { skip(.decide, "no warden or warden-test-mcp-server next to warden-bench") }
if let warden {
    section(.authzen) { try AuthZENBench.run(warden: warden, evaluations: quick ? 200 : 5_000) }
} else { skip(.authzen, "no warden binary next to warden-bench") }
if let warden, let testServer {
    section(.serve) { try ServeBench.run(warden: warden, server: testServer, quick: quick) }
} else { skip(.serve, "no warden and warden-test-mcp-server next to warden-bench") }
section(.nowindow) { try NoWindowBench.run(folder: folder, revokes: quick ? 1_000 : 10_000) }
section(.pins) { try ToolPinBench.run(folder: folder, repeats: quick ? 5 : 50, calls: quick ? 1_000 : 10_000) }
section(.prune) { try PruneBench.run(folder: folder, rows: pruneRows ?? (quick ? 20_000 : 1_000_000)) }

let report = Report(size: size, quick: quick, seed: seed, build: needsFleet ? buildMetrics : [], sections: results,
                    failures: failures, skipped: skipped, loadAtStart: loadAtStart)
if let outFile {
    do { try report.json().write(toFile: outFile, atomically: true, encoding: .utf8) } catch {
        FileHandle.standardError.write(Data("cannot write \(outFile): \(error)\n".utf8))
    }
}
print(json ? report.json() : report.table(), terminator: "")
if keep { note("store kept at \(storePath)") }
exit(failures.isEmpty ? 0 : 2)
