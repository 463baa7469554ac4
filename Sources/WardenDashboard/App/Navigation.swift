import TerminalUI
import WardenCore

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
        let count = s.rowCount(v)
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
        s.selectedKeys[v] = list.selected.flatMap { s.rowKey(v, $0) }
        s.detailScroll = 0
        // Moving off the newest row stops following, as `tail -f` viewers do.
        if v.descriptor.followsNewest && list.selected != 0 { s.follow = false }
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
        guard let row = s.currentList.selected else { return nil }
        return s.view.descriptor.entity(s, row: row)
    }
}
