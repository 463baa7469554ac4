import WardenIngest
import WardenSimulator

/// `warden ingest` and `warden simulate`: flags checked by the table, the work in WardenIngest
/// and WardenSimulator.
enum TelemetryCLI {
    static func ingest(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        guard let format = IngestFormat(rawValue: inv.text("format") ?? "ndjson") else {
            throw UsageError("--format must be ndjson or otlp", command: inv.command)
        }
        let store = try ctx.storeBackend.open(for: .ingest)
        return IngestCommand.run(store: store, input: inv.positional("FILE"), format: format,
                                 follow: inv.has("follow"), strict: inv.has("strict"),
                                 operatorName: ctx.operatorName, json: ctx.json,
                                 stdout: { ctx.out($0) }, stderr: { Stdio.error($0) })
    }

    static func simulate(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let rateText = inv.text("rate") ?? "20"
        guard let rate = Double(rateText), rate > 0, rate <= 100_000 else {
            throw UsageError("--rate must be a number of calls per second above 0 (e.g. 20 or 2.5)", command: inv.command)
        }
        let host = try HostFlag.read(inv)
        let store = try ctx.openStore(readOnly: false)
        return SimulateCommand.run(store: store, agents: inv.count("agents"), rate: rate, host: host,
                                   durationMs: inv.duration("duration"), seed: inv.count("seed").map { UInt64($0) },
                                   operatorName: "simulator",
                                   stdout: { ctx.out($0); Stdio.flush() }, stderr: { Stdio.error($0) })
    }
}

