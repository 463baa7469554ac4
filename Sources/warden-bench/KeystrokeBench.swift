import TerminalUI
import WardenDashboard
import WardenSystem

/// Keystroke to frame (update + view + diff) on a loaded store: move, filter, sort, expand.
/// Rows too many for a frame are built off the UI thread (`Effect.buildRows`): here the build
/// runs right after its key, as the dashboard's row worker would, and the frame that shows
/// its rows is timed beside the keystroke's.
enum KeystrokeBench {
    /// What the builds off the UI thread cost, and what the operator waits for them.
    struct OffThread {
        var build = Samples(), landing = Samples(), shown = Samples()
        /// Key → rows shown, by what asked for the rows.
        var filter = Samples(), sort = Samples(), credentials = Samples()
    }

    static func run(path: String, repeats: Int) throws -> [Metric] {
        let h = try DashboardHarness(path: path, now: WallClock.now())
        var off = OffThread()
        /// One key: its frame; then each row build it asked for, and the frame that shows it.
        func key(_ k: Key, _ phase: WritableKeyPath<OffThread, Samples>? = nil) -> Double {
            let ms = h.frame(.key(k))
            for case .buildRows(let job) in h.lastEffects {
                let t0 = MonotonicClock.nanos()
                let msg = job.run()
                let build = Double(MonotonicClock.nanos() - t0) / 1e6
                let landing = h.frame(msg)
                off.build.add(build)
                off.landing.add(landing)
                off.shown.add(ms + build + landing)
                if let phase { off[keyPath: phase].add(ms + build + landing) }
            }
            return ms
        }
        var move = Samples(), moveAgents = Samples(), filter = Samples(), filterClear = Samples(), sort = Samples()
        var expand = Samples(), collapse = Samples(), page = Samples()
        // Tree: j down, and collapse/expand the selected node.
        h.frame(.key(.char("1")))
        for _ in 0..<repeats { move.add(key(.char("j"))) }
        for _ in 0..<repeats / 4 { page.add(key(.pageDown)) }
        h.frame(.key(.char("g")))
        for _ in 0..<repeats {
            collapse.add(key(.char("h")))
            expand.add(key(.char("l")))
        }
        // Agents: the largest flat list.
        h.frame(.key(.char("2")))
        for _ in 0..<repeats { moveAgents.add(key(.char("j"))) }
        let text = "bot-1"
        for _ in 0..<max(3, repeats / 5) {
            filter.add(key(.char("/")))
            for c in text { filter.add(key(.char(c), \.filter)) }
            filter.add(key(.enter))
            filterClear.add(key(.char("/")) + key(.escape))
        }
        for _ in 0..<max(6, repeats / 2) { sort.add(key(.char(">"), \.sort)) }
        // Credentials opened after its rows went stale (as after any change to credentials).
        var credentials = Samples()
        for _ in 0..<max(3, repeats / 4) {
            _ = key(.char("2"))
            h.state.staleViews.insert(.credentials)
            credentials.add(key(.char("3"), \.credentials))
        }
        let all = Samples(values: move.values + moveAgents.values + filter.values + sort.values + expand.values + collapse.values)
        let t: [Target] = [.atMost(16, .p99)]
        var metrics: [Metric] = [
            .dist("key_to_frame_ms", "keystroke → frame, all keys below", "ms", all, targets: t),
            .dist("key_move_tree_ms", "  j (move) in Tree", "ms", move, targets: t),
            .dist("key_page_tree_ms", "  PgDn in Tree", "ms", page, targets: t),
            .dist("key_move_agents_ms", "  j (move) in Agents", "ms", moveAgents, targets: t),
            .dist("key_filter_ms", "  / + typing a filter in Agents (per key)", "ms", filter, targets: t),
            .dist("key_filter_clear_ms", "  / Esc (clear the filter)", "ms", filterClear, targets: t),
            .dist("key_sort_ms", "  > (next sort column) in Agents", "ms", sort, targets: t),
            .dist("key_collapse_ms", "  h (collapse) in Tree", "ms", collapse, targets: t),
            .dist("key_expand_ms", "  l (expand) in Tree", "ms", expand, targets: t),
            .dist("key_credentials_ms", "  3 (Credentials, its rows stale)", "ms", credentials, targets: t),
        ]
        if !off.build.values.isEmpty {
            metrics += [
                .dist("key_rows_build_ms", "rows built off the UI thread (filter, sort, Credentials)", "ms", off.build),
                .dist("key_rows_landing_ms", "  frame showing them", "ms", off.landing, targets: t),
                .dist("key_rows_shown_ms", "  key → those rows shown (key + build + frame)", "ms", off.shown),
                .dist("key_rows_filter_ms", "  · a filter's rows shown (a scan: p99 ≤ 100 ms)", "ms", off.filter,
                      targets: [.atMost(100, .p99)]),
                .dist("key_rows_sort_ms", "  · the next sort column's rows shown", "ms", off.sort),
                .dist("key_rows_credentials_ms", "  · Credentials' rows shown", "ms", off.credentials),
            ]
        }
        return metrics
    }
}
