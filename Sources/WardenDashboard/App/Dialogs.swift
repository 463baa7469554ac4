import TerminalUI
import WardenCore

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
        // Ctrl-C, Esc, Enter and Tab are the keys of every text field, here as in `/` and `:`;
        // the letters come from the key map.
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
            // A small blast radius: confirm (y), decline (n), or type a reason (r).
            switch s.keyMap.dialogAction(for: k) {
            case .confirm?: return confirmRevoke(&s, d)
            case .decline?:
                s.mode = .normal
                Update.flash(&s, "revoke cancelled", error: false)
                return []
            case .reason?:
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
        // Esc, Ctrl-C and Enter as in every text field; the rest through the key map: the
        // lists' quit, up, down and toggle, and the dialogs' confirm and reason.
        let action = k == .escape || k == .ctrl("c") ? .quit : k == .enter ? .confirm
            : s.keyMap.dialogAction(for: k) ?? s.keyMap.action(for: k, readOnly: true)
        switch action {
        case .quit?:
            s.mode = .normal
            Update.flash(&s, "narrow cancelled", error: false)
            return []
        case .up?: d.cursor = max(0, d.cursor - 1)
        case .down?: d.cursor = min(d.grant.count - 1, d.cursor + 1)
        case .toggle?:
            if d.grant.indices.contains(d.cursor) { d.keep[d.cursor].toggle() }
            d.plan = d.keep.allSatisfy({ $0 }) ? nil
                : NarrowingPlan.plan(agentID: d.agentID, newGrant: d.kept, forest: s.snapshot.index.forest)
        case .reason?:
            d.reasonBeforeEdit = d.reason.text
            d.editingReason = true
        case .confirm?:
            if d.keep.allSatisfy({ $0 }) {
                Update.flash(&s, "nothing unchecked: \(s.keyMap.firstKeyName(.toggle)) unchecks a scope to remove", error: true)
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
