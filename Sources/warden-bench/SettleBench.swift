import TerminalUI
import WardenCore
import WardenDashboard
import WardenStore
import WardenSystem

/// From dashboard start to settled: the real effect runner (its own thread and connection, as
/// `DashboardApp` starts it) and this thread as the UI thread, applying each message with
/// `update` and drawing the frame. Settled: every part of the store loaded and the findings shown.
enum SettleBench {
    static func run(path: String, repeats: Int) throws -> [Metric] {
        try run(backend: BenchStore.backend(path), location: path, repeats: repeats)
    }

    static func run(backend: any StoreBackend, location: String, repeats: Int) throws -> [Metric] {
        var first = Samples(), loaded = Samples(), settled = Samples(), ui = Samples()
        var shape = ""
        for _ in 0..<repeats {
            let t0 = MonotonicClock.nanos()
            let ms = { Double(MonotonicClock.nanos() - t0) / 1e6 }
            var state = DashboardState(now: WallClock.now(), width: DashboardHarness.width, height: DashboardHarness.height,
                                       readOnly: false, operatorName: "bench", storeLocation: location, theme: .builtin)
            let runner = EffectRunner(store: backend, readOnly: false, operatorName: "bench", refreshMs: 1_000,
                                      policy: .standard, themeSearch: [])
            runner.start()
            defer { runner.stop() }
            var firstAt: Double?, loadedAt: Double?, uiMs = 0.0
            while true {
                let msgs = runner.messages(waitMs: 100)
                let t = MonotonicClock.nanos()
                for msg in msgs {
                    if case .storeFailed(let why) = msg { throw BenchFailure(why) }
                    if case .storeUnreachable(let why) = msg { throw BenchFailure(why) }
                    _ = Update.update(&state, msg)
                }
                if !msgs.isEmpty { _ = Screen.render(&state) }
                uiMs += Double(MonotonicClock.nanos() - t) / 1e6
                if firstAt == nil, state.snapshot.counter >= 0 { firstAt = ms() }
                if loadedAt == nil, state.snapshot.counter >= 0, state.snapshot.pending.isEmpty { loadedAt = ms() }
                if loadedAt != nil, state.findingsLoaded { break }
                if ms() > 600_000 { throw BenchFailure("the dashboard did not settle in 10 minutes") }
            }
            settled.add(ms())
            first.add(firstAt ?? .nan)
            loaded.add(loadedAt ?? .nan)
            ui.add(uiMs)
            shape = "\(state.findings.count) findings, \(state.snapshot.agents.count) agents, \(state.snapshot.credentials.count) credentials"
        }
        return [
            .dist("settle_ms", "dashboard start → everything loaded and findings shown (real runner)", "ms", settled,
                  targets: [.atMost(2_000, .median)], note: shape),
            .dist("settle_first_snapshot_ms", "  of which: until the first snapshot (the tree) reaches the UI thread", "ms", first),
            .dist("settle_loaded_ms", "  of which: until every part is loaded (credentials, instances, activity, journal)", "ms", loaded),
            .dist("settle_ui_ms", "  of which: the UI thread applying messages and drawing", "ms", ui),
        ]
    }
}
