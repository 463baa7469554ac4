import TerminalUI
import WardenDashboard
import WardenStore
import WardenSystem

/// Open the store and draw the first frame (tree), then the first frame of every other view.
enum FirstFrameBench {
    static func run(path: String, repeats: Int, targetMs: Double = 500) throws -> [Metric] {
        try run(backend: BenchStore.backend(path), location: path, repeats: repeats, targetMs: targetMs)
    }

    /// The same through any backend (`--backend postgres` opens a PostgreSQL store, whose
    /// target at L is 1 s: the issue's).
    static func run(backend: any StoreBackend, location: String, repeats: Int, targetMs: Double = 500) throws -> [Metric] {
        var total = Samples(), open = Samples(), usage = Samples(), load = Samples(), findings = Samples()
        var update = Samples(), render = Samples(), rest = Samples(), restUpdate = Samples()
        var wholeTree = Samples(), tree = Samples(), treeUI = Samples()
        var views: [ViewKind: Samples] = [:]
        var shape = ""
        for _ in 0..<repeats {
            let h = try DashboardHarness(backend: backend, location: location, now: WallClock.now())
            let kinds = Dictionary(grouping: h.state.findings, by: { $0.kind.rawValue }).map { "\($0.key) \($0.value.count)" }.sorted()
            shape = "\(h.state.findings.count) findings (\(kinds.joined(separator: ", "))), \(h.state.rows.tree.count) tree rows (other views' rows are built when first shown)"
            let f = h.firstFrame
            total.add(f.total); open.add(f.open); usage.add(f.usage); load.add(f.load); findings.add(f.findings)
            update.add(f.update); render.add(f.render + f.diff); rest.add(f.rest); restUpdate.add(f.restUpdate)
            wholeTree.add(f.wholeTree); tree.add(f.tree); treeUI.add(f.treeUpdate + f.treeRender)
            for v in ViewKind.allCases where v != .tree {
                let key = Character(String(v.rawValue + 1))
                views[v, default: Samples()].add(h.frame(.key(.char(key))))
            }
        }
        var out: [Metric] = [
            .dist("first_frame_ms", "open store → first frame (tree)", "ms", total, targets: [.atMost(targetMs, .median)]),
            .dist("first_frame_open_ms", "  of which: open + migrate check", "ms", open),
            .dist("first_frame_snapshot_ms", "  of which: first snapshot (principals + agents: the tree; above 20,000 agents the first screen's)", "ms", load),
            .dist("first_frame_whole_tree_ms", "… the whole tree shown (every principal's agents; = the first frame below 20,000 agents)", "ms", wholeTree),
            .dist("first_frame_whole_tree_load_ms", "  of which: the whole tree's read + index (runner thread)", "ms", tree),
            .dist("first_frame_whole_tree_update_ms", "  of which: its update(.snapshot) + view + diff (UI thread)", "ms", treeUI),
            .dist("first_frame_rest_ms", "  after it: the rest (credentials, instances, activity, journal)", "ms", rest),
            .dist("first_frame_rest_update_ms", "  after it: update(.snapshot) with the rest (UI thread)", "ms", restUpdate),
            .dist("first_frame_tool_usage_ms", "  after it: tool usage query (unused-scope findings)", "ms", usage),
            .dist("first_frame_findings_ms", "  after it: findings (runner thread)", "ms", findings, note: shape),
            .dist("first_frame_update_ms", "  of which: update(.snapshot) (rows, tree)", "ms", update),
            .dist("first_frame_render_ms", "  of which: view + diff", "ms", render),
        ]
        for v in ViewKind.allCases where v != .tree {
            out.append(.dist("first_frame_view_\(v.title.lowercased())_ms", "first frame of \(v.title) (key \(v.rawValue + 1))", "ms",
                             views[v]!, targets: [.atMost(16, .p99)]))
        }
        return out
    }
}
