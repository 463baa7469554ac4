import Foundation
import WardenCore
import WardenStore
import WardenSystem

/// A second connection on its own thread appending tool calls (500/s, in 50 small
/// transactions a second, as proxies do) and heartbeats (every 200 ms) while frames are drawn.
final class BackgroundWriter: @unchecked Sendable {
    private let path: String
    private let agents: [String]
    private let instances: [(id: String, agent: String)]
    private let callsPerSecond: Int
    private let lock = NSLock()
    private var stopped = false
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)
    private(set) var written = 0
    private(set) var failure: String?

    init(path: String, agents: [String], instances: [(id: String, agent: String)], callsPerSecond: Int = 500) {
        self.path = path
        self.agents = agents
        self.instances = instances
        self.callsPerSecond = callsPerSecond
    }

    func start() {
        let t = Thread { [self] in run() }
        t.name = "bench-writer"
        thread = t
        t.start()
    }

    func stop() -> Int {
        lock.lock(); stopped = true; lock.unlock()
        done.wait()
        return written
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    private func run() {
        defer { done.signal() }
        var rng = SeededRandom(seed: 99)
        do {
            let store = try BenchStore.backend(path).open(for: .operations(readOnly: false))
            let tick = 20  // ms
            let perTick = max(1, callsPerSecond * tick / 1000)
            let start = MonotonicClock.nanos()
            var n = 0
            while !isStopped {
                let now = WallClock.now()
                var batch: [ToolCall] = []
                for _ in 0..<perTick {
                    let a = agents[rng.int(agents.count)]
                    batch.append(ToolCall(at: now, agentID: a, server: "github", tool: "get_issue", decision: rng.chance(0.05) ? .deny : .allow,
                                          durationMs: 12, result: .ok, args: "bench live"))
                }
                try store.recordCalls(batch)
                written += batch.count
                n += 1
                if n % 10 == 0, !instances.isEmpty {
                    try store.recordInstanceEvents((0..<20).map { _ in .heartbeat(instanceID: instances[rng.int(instances.count)].id, at: now) })
                }
                // Keep the rate: sleep to the next tick boundary.
                let next = start + UInt64(n * tick) * 1_000_000
                let t = MonotonicClock.nanos()
                if next > t { usleep(UInt32((next - t) / 1000)) }
            }
        } catch {
            failure = "\(error)"
        }
    }
}

/// Frames of the live loop while the writer runs.
enum LiveFrameBench {
    static func run(path: String, fleet: SyntheticFleet, seconds: Double, minFrames: Int) throws -> [Metric] {
        let h = try DashboardHarness(path: path, now: WallClock.now())
        let writer = BackgroundWriter(path: path, agents: fleet.agents.prefix(2_000).map(\.id),
                                      instances: fleet.instances.prefix(5_000).map { ($0.id, $0.agentID) })
        writer.start()
        var ui = Samples(), total = Samples(), reloadFrames = Samples()
        var reload = Samples(), findings = Samples(), update = Samples(), render = Samples(), diff = Samples()
        var changes = Samples()
        let start = MonotonicClock.nanos()
        let cadence: UInt64 = 50_000_000  // a frame at most every 50 ms (the loop's input timeout is 100 ms)
        var frames = 0
        while Double(MonotonicClock.nanos() - start) / 1e9 < seconds || frames < minFrames {
            let t0 = MonotonicClock.nanos()
            let f = try h.liveFrame(now: WallClock.now())
            frames += 1
            ui.add(f.uiThread)
            total.add(f.total)
            if f.reloaded {
                reloadFrames.add(f.total)
                reload.add(f.reload)
                findings.add(f.findings)
                update.add(f.update)
            }
            render.add(f.render)
            diff.add(f.diff)
            changes.add(Double(h.lastChanges))
            let spent = MonotonicClock.nanos() - t0
            if spent < cadence { usleep(UInt32((cadence - spent) / 1000)) }
            if frames > 100_000 { break }
        }
        let elapsed = Double(MonotonicClock.nanos() - start) / 1e9
        let written = writer.stop()
        if let f = writer.failure { throw BenchFailure("writer failed: \(f)") }
        return [
            // The target is the frame (update + view + diff, the UI thread); the reload runs on the
            // runner thread in the dashboard and never holds a frame up, so it is shown beside it.
            .dist("frame_ui_ms", "frame on the UI thread: update + view + diff", "ms", ui,
                  targets: [.atMost(4, .median), .atMost(16, .p99)]),
            .dist("frame_ms", "  reload on the runner thread (when changed) + that frame, in sequence", "ms", total),
            .dist("frame_with_reload_ms", "  frames that reloaded a snapshot", "ms", reloadFrames),
            .dist("frame_reload_ms", "  of which: snapshot reload (runner thread)", "ms", reload),
            .dist("frame_findings_ms", "  of which: findings (runner thread)", "ms", findings),
            .dist("frame_update_ms", "  of which: update(.snapshot)", "ms", update),
            .dist("frame_render_ms", "  of which: view (Screen.render)", "ms", render),
            .dist("frame_diff_ms", "  of which: Buffer.diff", "ms", diff),
            .value("frame_count", "frames drawn / reloads / calls written", "frames", Double(frames),
                   note: "\(reload.count) reloads, \(written) calls written in \(String(format: "%.1f", elapsed)) s (\(Int(Double(written) / elapsed))/s)"),
            .dist("frame_cells_changed", "cells changed per frame", "cells", changes),
        ]
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
