import TerminalUI
import WardenDashboard
import WardenSystem

/// Keystroke to frame (update + view + diff) on a loaded store: move, filter, sort, expand.
enum KeystrokeBench {
    static func run(path: String, repeats: Int) throws -> [Metric] {
        let h = try DashboardHarness(path: path, now: WallClock.now())
        var move = Samples(), moveAgents = Samples(), filter = Samples(), filterClear = Samples(), sort = Samples()
        var expand = Samples(), collapse = Samples(), page = Samples()
        // Tree: j down, and collapse/expand the selected node.
        h.frame(.key(.char("1")))
        for _ in 0..<repeats { move.add(h.frame(.key(.char("j")))) }
        for _ in 0..<repeats / 4 { page.add(h.frame(.key(.pageDown))) }
        h.frame(.key(.char("g")))
        for _ in 0..<repeats {
            collapse.add(h.frame(.key(.char("h"))))
            expand.add(h.frame(.key(.char("l"))))
        }
        // Agents: the largest flat list.
        h.frame(.key(.char("2")))
        for _ in 0..<repeats { moveAgents.add(h.frame(.key(.char("j")))) }
        let text = "bot-1"
        for _ in 0..<max(3, repeats / 5) {
            filter.add(h.frame(.key(.char("/"))))
            for c in text { filter.add(h.frame(.key(.char(c)))) }
            filter.add(h.frame(.key(.enter)))
            filterClear.add(h.frame(.key(.char("/"))) + h.frame(.key(.escape)))
        }
        for _ in 0..<max(6, repeats / 2) { sort.add(h.frame(.key(.char(">")))) }
        let all = Samples(values: move.values + moveAgents.values + filter.values + sort.values + expand.values + collapse.values)
        let t: [Target] = [.atMost(16, .p99)]
        return [
            .dist("key_to_frame_ms", "keystroke → frame, all keys below", "ms", all, targets: t),
            .dist("key_move_tree_ms", "  j (move) in Tree", "ms", move, targets: t),
            .dist("key_page_tree_ms", "  PgDn in Tree", "ms", page, targets: t),
            .dist("key_move_agents_ms", "  j (move) in Agents", "ms", moveAgents, targets: t),
            .dist("key_filter_ms", "  / + typing a filter in Agents (per key)", "ms", filter, targets: t),
            .dist("key_filter_clear_ms", "  / Esc (clear the filter)", "ms", filterClear, targets: t),
            .dist("key_sort_ms", "  > (next sort column) in Agents", "ms", sort, targets: t),
            .dist("key_collapse_ms", "  h (collapse) in Tree", "ms", collapse, targets: t),
            .dist("key_expand_ms", "  l (expand) in Tree", "ms", expand, targets: t),
        ]
    }
}
