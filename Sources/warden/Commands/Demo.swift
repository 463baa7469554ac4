import Glibc
import WardenCore
import WardenSystem
import WardenIngest
import WardenSimulator
import WardenStore

/// `warden demo`: a fresh store built from Samples/, a live simulated fleet writing to it, and
/// the dashboard on top. Everything is real: the simulator's calls are authorized by the store,
/// so a revoke in the dashboard turns its next calls into denials. The catalog's tools are
/// approved from Samples/tool-manifest.json, and `browser/get_text` changes to a poisoned
/// definition `toolChangeMs` in: quarantined, its calls denied, until approved or rejected in
/// the Tools view.
enum DemoCommand {
    /// When the demo's browser server changes its tool.
    static let toolChangeMs: Int64 = 15_000

    static func run(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        guard let samples = samplesFolder(ctx) else {
            throw RuntimeError("cannot find the Samples/ folder; run `warden demo` from the Warden repository")
        }
        let keep = inv.has("keep") || ctx.globals.db != nil
        let folder: TemporaryFolder?
        let path: String
        if let db = ctx.globals.db {
            if FileContents.exists(db) {
                throw RuntimeError("\(db) already exists; the demo builds a new store (choose another --db, or omit it)")
            }
            path = db
            folder = nil  // the user's folder: never removed
        } else {
            do { folder = try TemporaryFolder.make(prefix: "warden-demo") } catch {
                throw RuntimeError("cannot create a temporary folder")
            }
            path = folder!.path + "/warden.db"
        }
        // Only the folder the demo made is removed, and only when not kept.
        let cleanUp = { if !keep { folder?.remove() } }
        let backend = StoreAccess.backend(.sqlite(path: path))
        let surface: ToolSurface

        do {
            let text = try FileContents.text(samples + "/acme-fleet.json")
            let doc = try FleetDocument.decode(text)
            let store = try backend.create(trustDomain: doc.trustDomain ?? "acme.example")
            _ = try store.importFleet(doc, ctx.mutation(reason: "warden demo"))
            // Some history for the Calls view: the sample telemetry, both formats.
            for (file, format) in [("events.ndjson", IngestFormat.ndjson), ("otel-genai-traces.jsonl", .otlp)] {
                var problems = ""
                let rc = IngestCommand.run(store: store, input: samples + "/" + file, format: format,
                                           operatorName: ctx.operatorName, stdout: { _ in }, stderr: { problems += $0 }, progress: false)
                if rc != 0 { ctx.note("warden demo: \(file) did not load cleanly:\n\(problems)") }
            }
            // The servers' tools, reviewed and approved ahead, then listed as a proxy reports them.
            let manifest = samples + "/tool-manifest.json"
            surface = try ToolSurface(manifest: try FileContents.text(manifest), file: manifest)
            try surface.preapprove(store, ctx.mutation(reason: "warden demo: the reviewed tool catalog"))
        } catch {
            cleanUp()
            throw RuntimeError("cannot build the demo store: \(error)")
        }

        let change = ScheduledChange(afterMs: toolChangeMs) { store, now in _ = try surface.change(store, at: now) }
        let simulator = SimulatorThread.start(store: backend, seed: UInt64(ctx.now & 0xFFFF_FFFF), rate: 20, scheduled: change)
        Stdio.flush()
        let code = DashboardCommand.run(globals: ctx.globals, environment: ctx.environment, backend: backend)
        simulator.stop()
        if let e = simulator.error { ctx.note("warden demo: the simulator stopped: \(e)") }
        if keep {
            ctx.line("demo store kept at \(path)")
        } else {
            cleanUp()
        }
        return code
    }

    /// Samples/ in the current folder, or beside the package the binary was built from.
    static func samplesFolder(_ ctx: Context) -> String? {
        var candidates = [ProcessEnvironment.currentDirectory() + "/Samples"]
        var folder = ProcessEnvironment.resolved(PathText.absolute(CommandLine.arguments[0]))
        for _ in 0..<5 {
            folder = PathText.parent(folder)
            candidates.append((folder == "/" ? "" : folder) + "/Samples")
        }
        return candidates.first { FileContents.exists($0 + "/acme-fleet.json") }
    }
}
