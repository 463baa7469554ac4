import Foundation
import WardenSystem

/// The `--backend postgres` run: the sections PostgreSQL has figures for, reported like the
/// SQLite run's. Uses the globals main.swift parsed.
@MainActor func runPostgres(server: String) -> Int32 {
    note("warden-bench --backend postgres --size \(size.rawValue)\(quick ? " --quick" : ""): stores on fresh databases, bulk-loaded or built through the store API")
    var results: [(Section, [Metric])] = []
    var failures: [(Section, String)] = []
    func measure(_ s: Section, _ body: () throws -> [Metric]) {
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
    // `settle` is measured inside `first`, on the same database (`--only first,settle`).
    measure(.first) {
        let fleet = SyntheticFleet(agents: size.agents, calls: size.calls, principals: size.principals, seed: seed, now: WallClock.now())
        return try PostgresBench.firstFrame(server: server, fleet: fleet, repeats: quick ? 3 : 5, settle: only.contains(.settle))
    }
    measure(.authorize) {
        try PostgresBench.authorize(server: server, agents: size.agents, principals: size.principals, calls: quick ? 2_000 : 10_000)
    }
    measure(.revoke) { try PostgresBench.revoke(server: server, agents: quick ? 2_000 : 10_000, repeats: quick ? 1 : 3) }
    measure(.ingest) { try PostgresBench.ingest(server: server, events: quick ? 5_000 : size.ingestEvents) }
    measure(.hosts) {
        // The dashboard reloads a fleet of the run's size, without call history (not what is measured).
        let fleet = SyntheticFleet(agents: size.agents, calls: 0, principals: size.principals, seed: seed, now: WallClock.now())
        return try CrossHostBench.run(server: server, fleet: fleet, trials: quick ? 10 : 100)
    }
    let sqliteOnly = Section.allCases.filter { only.contains($0) && ![.first, .settle, .authorize, .revoke, .ingest, .hosts].contains($0) }
    if !sqliteOnly.isEmpty { note("not measured on PostgreSQL: \(sqliteOnly.map(\.rawValue).joined(separator: ", "))") }
    let report = Report(size: size, quick: quick, seed: seed, build: [], sections: results,
                        failures: failures, skipped: [], loadAtStart: loadAtStart, backend: "postgres")
    if let outFile {
        do { try report.json().write(toFile: outFile, atomically: true, encoding: .utf8) } catch {
            FileHandle.standardError.write(Data("cannot write \(outFile): \(error)\n".utf8))
        }
    }
    print(json ? report.json() : report.table(), terminator: "")
    return failures.isEmpty ? 0 : 2
}
