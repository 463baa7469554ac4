import TerminalUI
import WardenCore

/// The whole behaviour of the dashboard: a pure function of state and message.
public enum Update {
    public static func update(_ s: inout DashboardState, _ msg: Msg) -> [Effect] {
        var effects = step(&s, msg)
        // Row builds too large for a frame, queued by whatever changed a filter, sort or view.
        if !s.rowJobs.isEmpty {
            effects += s.rowJobs.map { .buildRows($0) }
            s.rowJobs = []
        }
        return effects
    }

    static func step(_ s: inout DashboardState, _ msg: Msg) -> [Effect] {
        switch msg {
        case .tick(let now):
            s.now = now
            if let f = s.flash, f.until <= now { s.flash = nil }
            return []
        case .resize(let w, let h):
            s.width = w
            s.height = h
            return []
        case .snapshot(let snap, let findings):
            // An open tool dialog hears of every change, even while the lists are paused.
            if case .tool(var d) = s.mode {
                d.check(against: snap.tools)
                s.mode = .tool(d)
            }
            if s.paused {
                s.pending = snap
                return []
            }
            apply(&s, snap, findings: findings)
            return []
        case .findings(let findings):
            s.findingsLoaded = true
            if findings != s.findings {
                s.findings = findings
                if !s.paused {
                    for v in ViewKind.allCases where v.descriptor.followsFindings { RowBuilder.rebuildOrDefer(&s, v) }
                }
            }
            return []
        case .revocationPlanned(let ref, let plan):
            if case .revoke(var d) = s.mode, d.target == ref {
                d.plan = plan
                if !d.needsTypedName { d.field = .reason }
                s.mode = .revoke(d)
            }
            return []
        case .actionFinished(let text, let failed):
            flash(&s, text, error: failed)
            return [.reload]
        case .themeLoaded(let theme):
            s.theme = theme
            flash(&s, "theme \(theme.name)", error: false)
            return []
        case .themeFailed(let why), .storeFailed(let why):
            flash(&s, why, error: true)
            return []
        case .storeUnreachable(let why):
            // Said once: the header keeps saying it while the runner retries.
            if s.storeLostAt == nil {
                s.storeLostAt = s.now
                flash(&s, why, error: true)
            }
            return []
        case .storeReachable:
            s.storeLostAt = nil
            return []
        case .rowsBuilt(let v, let generation, let rows):
            RowBuilder.landed(&s, v, generation: generation, rows: rows)
            return []
        case .mouse(let m):
            return s.mouse ? Navigation.mouse(&s, m) : []
        case .key(let k):
            return key(&s, k)
        }
    }

    /// Swaps in a new snapshot; rows rebuild and selections stay on their items.
    static func apply(_ s: inout DashboardState, _ snap: FleetSnapshot, findings: [Finding], changed: SnapshotParts? = nil) {
        // Completing a first snapshot that carried the tree alone rebuilds every view.
        let parts = s.snapshot.pending.isEmpty ? (changed ?? snap.changed) : .all
        let findingsChanged = findings != s.findings
        if !findings.isEmpty { s.findingsLoaded = true }
        s.snapshot = snap
        // Assigning findings recomputes the badges (100,000 findings at L): only when they changed.
        if findingsChanged { s.findings = findings }
        // Only the views whose rows depend on what changed are rebuilt.
        for v in ViewKind.allCases where RowBuilder.depends(s, v, on: parts) || (findingsChanged && v.descriptor.followsFindings) {
            RowBuilder.rebuildOrDefer(&s, v, changed: parts)
        }
        if s.follow && s.view.descriptor.followsNewest && s.focus == .list { select(&s, s.view, row: 0) }
    }

    static func key(_ s: inout DashboardState, _ k: Key) -> [Effect] {
        switch s.mode {
        case .help:
            // The help scrolls with the movement keys; any other key closes it.
            switch s.keyMap.action(for: k, readOnly: true) {
            case .down?: s.helpScroll = min(HelpScreen.maxScroll(s), s.helpScroll + 1)
            case .up?: s.helpScroll = max(0, s.helpScroll - 1)
            case .pageDown?: s.helpScroll = min(HelpScreen.maxScroll(s), s.helpScroll + s.pageSize)
            case .pageUp?: s.helpScroll = max(0, s.helpScroll - s.pageSize)
            default:
                s.mode = .normal
                s.helpScroll = 0
                if k == .ctrl("c") {
                    s.quit = true
                    return [.quit]
                }
            }
            return []
        case .filter(var input):
            switch k {
            case .enter:
                s.mode = .normal
            case .escape:
                s.filters[s.view] = nil
                s.mode = .normal
                RowBuilder.refresh(&s, s.view)
            default:
                input.handle(k)
                s.mode = .filter(input)
                s.filters[s.view] = input.text
                RowBuilder.refresh(&s, s.view)
            }
            return []
        case .command(var input):
            switch k {
            case .enter:
                s.mode = .normal
                return ColonCommand.run(&s, input.text)
            case .escape:
                s.mode = .normal
            default:
                input.handle(k)
                s.mode = .command(input)
            }
            return []
        case .revoke(let d):
            return Dialogs.revokeKey(&s, d, k)
        case .narrow(let d):
            return Dialogs.narrowKey(&s, d, k)
        case .tool(let d):
            return ToolDialogs.key(&s, d, k)
        case .normal:
            guard let action = s.keyMap.action(for: k, readOnly: s.readOnly) else { return [] }
            return perform(&s, action)
        }
    }

    static func perform(_ s: inout DashboardState, _ a: Action) -> [Effect] {
        switch a {
        case .quit:
            s.quit = true
            return [.quit]
        case .help:
            s.mode = .help
        case .up, .down, .pageUp, .pageDown, .top, .bottom:
            Navigation.move(&s, a)
        case .collapse, .expand, .toggle:
            s.view.descriptor.perform(a, &s)
        case .open:
            if !s.view.descriptor.open(&s) {
                s.detailOpen = true
                s.detailScroll = 0
            }
        case .back:
            if s.focus == .detail { s.focus = .list } else if s.detailOpen { s.detailOpen = false } else if !s.filter.isEmpty {
                s.filters[s.view] = nil
                RowBuilder.refresh(&s, s.view)
            }
        case .focus:
            if s.detailOpen { s.focus = s.focus == .list ? .detail : .list } else { s.detailOpen = true }
        case .view(let v): switchView(&s, v)
        case .command:
            s.mode = .command(TextInput())
        case .filter:
            s.mode = .filter(TextInput(s.filter))
        case .sortPrevious, .sortNext, .sortInvert:
            guard s.view.descriptor.sortable else { return [] }
            var sort = s.sort(s.view)
            let n = s.view.descriptor.columns.count
            switch a {
            case .sortPrevious: sort.column = (sort.column + n - 1) % n
            case .sortNext: sort.column = (sort.column + 1) % n
            default: sort.ascending.toggle()
            }
            s.sorts[s.view] = sort
            RowBuilder.refresh(&s, s.view)
        case .pause:
            s.paused.toggle()
            if !s.paused, let p = s.pending {
                s.pending = nil
                apply(&s, p, findings: s.findings, changed: .all)
            }
            flash(&s, s.paused ? "paused: live updates held" : "resumed", error: false)
        case .follow:
            s.follow.toggle()
            if s.follow { for v in ViewKind.allCases where v.descriptor.followsNewest { select(&s, v, row: 0) } }
            flash(&s, s.follow ? "following newest calls" : "follow off", error: false)
        case .copy:
            guard let id = selectedID(s) else {
                flash(&s, "nothing selected to copy", error: true)
                return []
            }
            s.copied.removeAll { $0 == id }
            s.copied.append(id)
            flash(&s, "copied \(id) (OSC 52; printed again on quit)", error: false)
            return [.copy(id)]
        case .revoke:
            return Dialogs.openRevoke(&s)
        case .narrow:
            return Dialogs.openNarrow(&s)
        case .approve:
            return ToolDialogs.open(&s, .approved)
        case .reject:
            return ToolDialogs.open(&s, .rejected)
        case .confirm, .decline, .reason:
            break  // keys of the dialogs, never looked up outside them
        }
        return []
    }

    static func switchView(_ s: inout DashboardState, _ v: ViewKind) {
        s.view = v
        if s.staleViews.contains(v) { RowBuilder.refresh(&s, v) }
        s.focus = .list
        s.detailScroll = 0
    }

    static func select(_ s: inout DashboardState, _ v: ViewKind, row: Int) {
        let count = s.rowCount(v)
        var list = s.list(v)
        list.selected = count == 0 ? nil : min(max(row, 0), count - 1)
        s.lists[v] = list
        s.selectedKeys[v] = list.selected.flatMap { s.rowKey(v, $0) }
    }

    static func flash(_ s: inout DashboardState, _ text: String, error: Bool) {
        s.flash = Flash(text: text, isError: error, until: s.now + (error ? 8_000 : 4_000))
    }

    /// The Agents view, unfiltered, with the agent selected.
    static func jumpToAgent(_ s: inout DashboardState, _ agentID: String) {
        switchView(&s, .agents)
        s.filters[.agents] = nil
        RowBuilder.rebuild(&s, .agents)
        if let row = s.rows[.agents].firstIndex(where: { s.snapshot.agents[$0].id == agentID }) { select(&s, .agents, row: row) }
    }

    /// The ID `c` copies: the selected agent, principal or credential; a call's agent; a
    /// finding's subject; a journal record's target.
    static func selectedID(_ s: DashboardState) -> String? {
        guard let row = s.currentList.selected else { return nil }
        return s.view.descriptor.copyID(s, row: row)
    }
}
