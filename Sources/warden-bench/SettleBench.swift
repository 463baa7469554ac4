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
        var shown = Samples(), refound = Samples(), runnerCPU = Samples(), verified = Samples()
        var shape = ""
        for _ in 0..<repeats {
            let t0 = MonotonicClock.nanos()
            let ms = { Double(MonotonicClock.nanos() - t0) / 1e6 }
            var state = DashboardState(now: WallClock.now(), width: DashboardHarness.width, height: DashboardHarness.height,
                                       readOnly: false, operatorName: "bench", storeLocation: location, theme: .builtin)
            let runner = EffectRunner(store: backend, readOnly: false, operatorName: "bench", refreshMs: DashboardConfig().refreshMs,
                                      policy: .standard, themeSearch: [])
            let cpuBefore = processCPUms(), ownBefore = CPUClock.threadNanos()
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
            // The runner's threads: the process's CPU since the start less this (the UI) thread's.
            runnerCPU.add(processCPUms() - cpuBefore - Double(CPUClock.threadNanos() - ownBefore) / 1e6)
            // The journal and the state are verified after the first findings: the revocation
            // below is measured on a dashboard that has finished, not one still checking.
            while state.snapshot.auditState == nil || state.snapshot.stateCheck == nil {
                for msg in runner.messages(waitMs: 100) { _ = Update.update(&state, msg) }
                if ms() > 600_000 { throw BenchFailure("the state was not verified in 10 minutes") }
            }
            verified.add(ms())
            // Then a revocation committed on another connection, as another operator or host
            // would: until the dashboard shows it, and until its findings are recomputed.
            let op = try backend.open(for: .operations(readOnly: false))
            guard let target = state.snapshot.agents.last(where: { !$0.isRevoked }) else { throw BenchFailure("no agent to revoke") }
            let r0 = MonotonicClock.nanos()
            let since = { Double(MonotonicClock.nanos() - r0) / 1e6 }
            _ = try op.revokeAgent(target.id, Mutation(operatorName: "bench", now: WallClock.now(), reason: "bench"))
            var shownAt: Double?
            while true {
                for msg in runner.messages(waitMs: 100) {
                    _ = Update.update(&state, msg)
                    if shownAt == nil, case .snapshot(let snap, _) = msg, snap.agents.contains(where: { $0.id == target.id && $0.isRevoked }) {
                        shownAt = since()
                    } else if shownAt != nil, case .findings = msg {
                        refound.add(since())
                    }
                }
                if refound.count == shown.count + 1 { break }
                if since() > 600_000 { throw BenchFailure("the revocation did not show in 10 minutes") }
            }
            shown.add(shownAt ?? .nan)
            first.add(firstAt ?? .nan)
            loaded.add(loadedAt ?? .nan)
            ui.add(uiMs)
            shape = "\(state.findings.count) findings, \(state.snapshot.agents.count) agents, \(state.snapshot.credentials.count) credentials"
        }
        return [
            .dist("settle_ms", "dashboard start → everything loaded and findings shown (real runner)", "ms", settled,
                  targets: [.atMost(2_000, .median)], note: shape),
            .dist("settle_first_snapshot_ms", "  of which: until the first snapshot (the tree; above 20,000 agents the first screen's) reaches the UI thread", "ms", first),
            .dist("settle_loaded_ms", "  of which: until every part is loaded (credentials, instances, activity, journal)", "ms", loaded),
            .dist("settle_verified_ms", "then the journal and the state verified (a whole state check, after the findings)", "ms", verified),
            .dist("settle_runner_cpu_ms", "  the runner's threads' CPU until then (steadier than wall time under load)", "ms", runnerCPU),
            .dist("settle_ui_ms", "  of which: the UI thread applying messages and drawing", "ms", ui),
            .dist("settle_revoke_shown_ms", "then a revoke on another connection → the dashboard shows it (default refresh_ms)", "ms", shown),
            .dist("settle_revoke_findings_ms", "  → its findings recomputed and shown", "ms", refound),
        ]
    }
}
