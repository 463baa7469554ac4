import Foundation

/// The `--backend postgres` run: the sections PostgreSQL has figures for, reported like the
/// SQLite run's. Uses the globals main.swift parsed.
@MainActor func runPostgres(server: String) -> Int32 {
    note("warden-bench --backend postgres --size \(size.rawValue)\(quick ? " --quick" : ""): stores built through the store API on fresh databases")
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
    measure(.authorize) {
        try PostgresBench.authorize(server: server, agents: size.agents, principals: size.principals, calls: quick ? 2_000 : 10_000)
    }
    measure(.revoke) { try PostgresBench.revoke(server: server, agents: quick ? 2_000 : 10_000, repeats: quick ? 1 : 3) }
    measure(.ingest) { try PostgresBench.ingest(server: server, events: quick ? 5_000 : size.ingestEvents) }
    let sqliteOnly = Section.allCases.filter { only.contains($0) && ![.authorize, .revoke, .ingest].contains($0) }
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
