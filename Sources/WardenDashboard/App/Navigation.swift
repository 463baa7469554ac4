import TerminalUI
import WardenCore
import WardenStore

/// Moving around: selection, paging, the tree's expand and collapse, the mouse.
enum Navigation {
    static func move(_ s: inout DashboardState, _ a: Action) {
        if s.focus == .detail && s.detailOpen {
            switch a {
            case .up: s.detailScroll = max(0, s.detailScroll - 1)
            case .down: s.detailScroll += 1
            case .pageUp: s.detailScroll = max(0, s.detailScroll - s.pageSize)
            case .pageDown: s.detailScroll += s.pageSize
            case .top: s.detailScroll = 0
            default: s.detailScroll += s.pageSize * 4
            }
            return
        }
        let v = s.view
        let count = s.rows.count(v)
        var list = s.list(v)
        switch a {
        case .up: list.previous(count: count)
        case .down: list.next(count: count)
        case .pageUp: list.pageUp(count: count, pageSize: s.pageSize)
        case .pageDown: list.pageDown(count: count, pageSize: s.pageSize)
        case .top: list.first(count: count)
        default: list.last(count: count)
        }
        s.lists[v] = list
        s.selectedKeys[v] = list.selected.flatMap { Identity.key(s, v, $0) }
        s.detailScroll = 0
        // Moving off the newest call stops following, as `tail -f` viewers do.
        if v == .calls && list.selected != 0 { s.follow = false }
    }

    /// ← collapses (or goes to the parent), → expands (or goes to the first child), space toggles.
    static func tree(_ s: inout DashboardState, _ a: Action) {
        guard s.view == .tree, let row = s.list(.tree).selected, row < s.rows.tree.count else { return }
        let r = s.rows.tree[row]
        guard let id = Identity.key(s, .tree, row) else { return }
        let depth: Int
        switch r.id {
        case .principal: depth = 0
        case .agent(let i): depth = s.snapshot.agents[i].depth
        }
        switch a {
        case .collapse:
            if r.isExpanded {
                s.setOpen(id, depth: depth, false)
            } else if let parent = r.parentRow {
                Update.select(&s, .tree, row: parent)
                return
            }
        case .expand:
            if r.hasChildren && !r.isExpanded {
                s.setOpen(id, depth: depth, true)
            } else if r.isExpanded {
                Update.select(&s, .tree, row: row + 1)
                return
            }
        default:
            guard r.hasChildren else { return }
            s.setOpen(id, depth: depth, !r.isExpanded)
        }
        RowBuilder.toggleTree(&s, row: row)
    }

    /// Clicks select the row under the pointer; the wheel scrolls.
    static func mouse(_ s: inout DashboardState, _ m: MouseEvent) -> [Effect] {
        guard case .normal = s.mode else { return [] }
        switch m {
        case .wheelUp: move(&s, .up); move(&s, .up); move(&s, .up)
        case .wheelDown: move(&s, .down); move(&s, .down); move(&s, .down)
        case .click(_, let x, let y):
            let layout = ScreenLayout(s)
            if layout.list.contains(x: x, y: y) {
                let first = layout.listBody.y
                guard y >= first else { return [] }
                s.focus = .list
                Update.select(&s, s.view, row: s.list(s.view).offset + (y - first))
            } else if let d = layout.detail, d.contains(x: x, y: y) {
                s.focus = .detail
            } else if y == layout.tabs.y {
                // Tabs are laid out in order; find the one under the pointer.
                var cx = layout.tabs.x
                for v in ViewKind.allCases {
                    let w = Tabs.label(v).count
                    if x >= cx && x < cx + w { Update.switchView(&s, v); break }
                    cx += w
                }
            }
        }
        return []
    }
}

/// What the selection is, as something a dialog or the detail pane can act on.
enum Selection {
    static func entity(_ s: DashboardState) -> EntityRef? {
        let snap = s.snapshot
        guard let row = s.currentList.selected else { return nil }
        switch s.view {
        case .tree:
            guard row < s.rows.tree.count else { return nil }
            switch s.rows.tree[row].id {
            case .principal(let i): return .principal(snap.principals[i].id)
            case .agent(let i): return .agent(snap.agents[i].id)
            }
        case .agents: return row < s.rows.agents.count ? .agent(snap.agents[s.rows.agents[row]].id) : nil
        case .credentials: return row < s.rows.credentials.count ? .credential(snap.credentials[s.rows.credentials[row]].id) : nil
        case .calls:
            guard row < s.rows.calls.count else { return nil }
            let c = snap.calls[s.rows.calls[row]]
            return snap.index.forest.agent(c.agentID) != nil ? .agent(c.agentID) : nil
        case .findings:
            guard let f = Update.selectedFinding(s) else { return nil }
            switch f.subject {
            case .agent(let id): return snap.index.forest.agent(id) != nil ? .agent(id) : nil
            case .credential(let id): return .credential(id)
            case .instance: return f.agentID.map { .agent($0) }
            case .store: return nil
            }
        case .audit:
            guard row < s.rows.audit.count else { return nil }
            let target = snap.audit[s.rows.audit[row]].target
            if snap.index.forest.agent(target) != nil { return .agent(target) }
            if snap.index.credentialIndex[target] != nil { return .credential(target) }
            if snap.index.principalIndex[target] != nil { return .principal(target) }
            return nil
        }
    }
}
