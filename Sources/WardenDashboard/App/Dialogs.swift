import TerminalUI
import WardenCore
import WardenStore

/// The dangerous actions: revoke (`x`) and narrow (`n`). Each dialog is bound to the ID it
/// opened on; the rows may move beneath it.
enum Dialogs {
    static func openRevoke(_ s: inout DashboardState) -> [Effect] {
        guard let target = Selection.entity(s) else {
            Update.flash(&s, "nothing selected to revoke", error: true)
            return []
        }
        let snap = s.snapshot
        let label: String
        switch target {
        case .agent(let id):
            guard let a = snap.index.forest.agent(id) else { return [] }
            if a.isRevoked { Update.flash(&s, "\(a.name) is already revoked", error: true); return [] }
            label = a.name
        case .credential(let id):
            if let i = snap.index.credentialIndex[id], snap.credentials[i].revokedAt != nil {
                Update.flash(&s, "\(id) is already revoked", error: true)
                return []
            }
            label = id
        case .principal(let id):
            if let i = snap.index.principalIndex[id], snap.principals[i].status == .disabled {
                Update.flash(&s, "\(id) is already disabled", error: true)
                return []
            }
            label = id
        }
        s.mode = .revoke(RevokeDialog(target: target, label: label))
        return [.planRevocation(target)]
    }

    static func revokeKey(_ s: inout DashboardState, _ dialog: RevokeDialog, _ k: Key) -> [Effect] {
        var d = dialog
        if k == .ctrl("c") || (k == .escape && !d.editingReason) {
            s.mode = .normal
            Update.flash(&s, "revoke cancelled", error: false)
            return []
        }
        guard d.plan != nil else { return [] }  // still counting the blast radius
        if d.needsTypedName {
            // A big cascade: the name must be typed; Tab moves to the reason field.
            switch k {
            case .tab, .backTab:
                d.field = d.field == .name ? .reason : .name
            case .enter:
                if d.typedName.text == d.label { return confirmRevoke(&s, d) }
                Update.flash(&s, "type \(d.label) exactly to revoke", error: true)
            default:
                if d.field == .name { d.typedName.handle(k) } else { d.reason.handle(k) }
            }
        } else if d.editingReason {
            switch k {
            case .enter: d.editingReason = false
            case .escape:
                d.reason = TextInput(d.reasonBeforeEdit)
                d.editingReason = false
            default: d.reason.handle(k)
            }
        } else {
            // A small blast radius: y confirms, n cancels, r types a reason.
            switch k {
            case .char("y"), .char("Y"): return confirmRevoke(&s, d)
            case .char("n"), .char("N"):
                s.mode = .normal
                Update.flash(&s, "revoke cancelled", error: false)
                return []
            case .char("r"):
                d.reasonBeforeEdit = d.reason.text
                d.editingReason = true
            default: break
            }
        }
        s.mode = .revoke(d)
        return []
    }

    static func confirmRevoke(_ s: inout DashboardState, _ d: RevokeDialog) -> [Effect] {
        s.mode = .normal
        let reason = d.reason.text.isEmpty ? nil : d.reason.text
        return [.revoke(d.target, reason: reason)]
    }

    static func openNarrow(_ s: inout DashboardState) -> [Effect] {
        guard case .agent(let id)? = Selection.entity(s), let i = s.snapshot.index.forest.index[id] else {
            Update.flash(&s, "select an agent to narrow", error: true)
            return []
        }
        let a = s.snapshot.agents[i]
        if a.isRevoked { Update.flash(&s, "\(a.name) is revoked", error: true); return [] }
        let forest = s.snapshot.index.forest
        let below = forest.subtree(of: id).dropFirst().map { forest.agents[$0].name }
        s.mode = .narrow(NarrowDialog(agentID: id, name: a.name, grant: a.grant.members, descendants: Array(below)))
        return []
    }

    static func narrowKey(_ s: inout DashboardState, _ dialog: NarrowDialog, _ k: Key) -> [Effect] {
        var d = dialog
        if d.editingReason {
            if k == .enter {
                d.editingReason = false
            } else if k == .escape {
                d.reason = TextInput(d.reasonBeforeEdit)
                d.editingReason = false
            } else {
                d.reason.handle(k)
            }
            s.mode = .narrow(d)
            return []
        }
        switch k {
        case .escape, .char("q"), .ctrl("c"):
            s.mode = .normal
            Update.flash(&s, "narrow cancelled", error: false)
            return []
        case .up, .char("k"): d.cursor = max(0, d.cursor - 1)
        case .down, .char("j"): d.cursor = min(d.grant.count - 1, d.cursor + 1)
        case .char(" "):
            if d.grant.indices.contains(d.cursor) { d.keep[d.cursor].toggle() }
            d.plan = d.keep.allSatisfy({ $0 }) ? nil
                : NarrowingPlan.plan(agentID: d.agentID, newGrant: d.kept, forest: s.snapshot.index.forest)
        case .char("r"):
            d.reasonBeforeEdit = d.reason.text
            d.editingReason = true
        case .char("y"), .enter:
            if d.keep.allSatisfy({ $0 }) {
                Update.flash(&s, "nothing unchecked: space unchecks a scope to remove", error: true)
            } else if !d.keep.contains(true) {
                Update.flash(&s, "that would grant nothing: revoke the agent instead", error: true)
            } else {
                s.mode = .normal
                return [.narrow(agentID: d.agentID, keep: d.kept, reason: d.reason.text.isEmpty ? nil : d.reason.text)]
            }
        default: break
        }
        s.mode = .narrow(d)
        return []
    }
}

/// The `:` command line.
enum CommandLine {
    static func run(_ s: inout DashboardState, _ text: String) -> [Effect] {
        let words = text.split(separator: " ").map(String.init)
        guard let first = words.first else { return [] }
        if let v = ViewKind.named(first) {
            Update.switchView(&s, v)
            return []
        }
        switch first {
        case "q", "quit", "q!":
            s.quit = true
            return [.quit]
        case "theme":
            guard words.count == 2 else {
                Update.flash(&s, "usage: :theme NAME", error: true)
                return []
            }
            return [.loadTheme(words[1])]
        case "help":
            s.mode = .help
            return []
        case "export":
            // The rest of the line is the path (it may hold blanks).
            let path = text.drop { $0 == " " }.dropFirst(first.count).trimmingCharacters
            guard !path.isEmpty else {
                Update.flash(&s, "usage: :export FILE.csv or :export FILE.json", error: true)
                return []
            }
            guard let format = Export.format(of: path) else {
                Update.flash(&s, "export: \(path) must end in .csv or .json", error: true)
                return []
            }
            if s.staleViews.contains(s.view) { RowBuilder.rebuild(&s, s.view) }
            let (out, rows) = Export.render(s, as: format)
            return [.export(path: path, text: out, rows: rows)]
        default:
            Update.flash(&s, "unknown command :\(first) (try :tree :agents :tokens :calls :findings :audit :theme NAME :export FILE :q)", error: true)
            return []
        }
    }
}
