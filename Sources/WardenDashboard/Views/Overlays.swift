import TerminalUI
import WardenCore
import WardenStore

/// `?`: every binding, generated from the key map.
enum HelpScreen {
    static func render(_ s: DashboardState, into buf: inout Buffer, area: Rect) {
        let entries = Action.allCases.filter { !(s.readOnly && $0.isDangerous) }.map { KeyHint(s.keyMap.keyName($0), $0.help) }
        let box = area.centered(width: min(area.width, 78), height: min(area.height, entries.count / 2 + 6))
        buf.fill(box, with: Cell(" ", style: s.theme[.dialog]))
        HelpOverlay(title: "Keys" + (s.readOnly ? " (read-only)" : ""), entries: entries, keyStyle: s.theme[.footerKey], style: s.theme[.dialog])
            .render(into: &buf, area: box)
    }
}

/// The dangerous dialogs, drawn over the screen.
enum DialogViews {
    static func revoke(_ s: DashboardState, _ d: RevokeDialog, into buf: inout Buffer, area: Rect) {
        let t = s.theme
        var body: [Line] = []
        let what: String
        switch d.target {
        case .agent: what = "agent"
        case .credential: what = "credential"
        case .principal: what = "principal (disable)"
        }
        body.append(Line([Span("Revoke \(what) "), Span(d.label, style: t[.title])]))
        body.append(Line(d.target.id, style: t[.muted]))
        body.append("")
        if let p = d.plan {
            body.append(Line([Span("Blast radius: ", style: t[.dialogDanger]),
                              Span(Plural.count(p.agents.count, "agent") + ", " + Plural.count(p.credentials.count, "credential")
                                   + ", " + Plural.count(p.liveInstances, "live instance"))]))
            body.append(Line("Revocation is final; their next tool call is denied.", style: t[.muted]))
        } else {
            body.append(Line("counting what this revokes…", style: t[.muted]))
        }
        var hints: [KeyHint]
        var input: TextInput?
        var prompt = "> "
        if d.plan != nil && d.needsTypedName {
            body.append("")
            body.append(Line("This cascades over more than \(RevokeDialog.typeNameAbove) agents. Type \(d.label) to confirm:", style: t[.dialogDanger]))
            input = d.field == .name ? d.typedName : d.reason
            prompt = d.field == .name ? "name> " : "reason> "
            if d.field == .name, !d.reason.isEmpty { body.append(Line("reason: " + d.reason.text, style: t[.muted])) }
            hints = [KeyHint("Enter", "revoke"), KeyHint("Tab", d.field == .name ? "reason" : "name"), KeyHint("Esc", "cancel")]
        } else if d.editingReason {
            input = d.reason
            prompt = "reason> "
            hints = [KeyHint("Enter", "confirm"), KeyHint("Esc", "cancel")]
        } else {
            if !d.reason.isEmpty { body.append(Line("reason: " + d.reason.text, style: t[.muted])) }
            hints = d.plan == nil ? [KeyHint("Esc", "cancel")] : [KeyHint("y", "revoke"), KeyHint("n", "cancel"), KeyHint("r", "reason")]
        }
        Dialog(title: "Revoke", body: body, hints: hints, input: input, inputPrompt: prompt, width: 64,
               style: t[.dialog], borderStyle: t[.dialogDanger], keyStyle: t[.footerKey]).render(into: &buf, area: area)
    }

    static func narrow(_ s: DashboardState, _ d: NarrowDialog, into buf: inout Buffer, area: Rect) {
        let t = s.theme
        var body: [Line] = [Line([Span("Narrow "), Span(d.name, style: t[.title]), Span(" — uncheck what to remove")]), ""]
        for (i, scope) in d.grant.enumerated() {
            let mark = d.keep[i] ? "[x] " : "[ ] "
            var style = t[d.keep[i] ? .scopeKept : .scopeRemoved]
            if i == d.cursor { style = style.patched(with: t[.selection]) }
            body.append(Line([Span(i == d.cursor ? "› " : "  "), Span(mark + scope.description, style: style)]))
        }
        body.append("")
        if d.descendants.isEmpty {
            body.append(Line("No descendants.", style: t[.muted]))
        } else {
            let names = d.descendants.prefix(6).joined(separator: ", ") + (d.descendants.count > 6 ? ", …" : "")
            body.append(Line([Span("Also narrows " + Plural.count(d.descendants.count, "descendant") + ": ", style: t[.dialogDanger]), Span(names, style: t[.muted])]))
        }
        if !d.reason.isEmpty && !d.editingReason { body.append(Line("reason: " + d.reason.text, style: t[.muted])) }
        let hints = d.editingReason ? [KeyHint("Enter", "confirm"), KeyHint("Esc", "cancel")]
            : [KeyHint("space", "toggle"), KeyHint("↑↓", "move"), KeyHint("y", "narrow"), KeyHint("r", "reason"), KeyHint("Esc", "cancel")]
        Dialog(title: "Narrow", body: body, hints: hints, input: d.editingReason ? d.reason : nil, inputPrompt: "reason> ", width: 70,
               style: t[.dialog], borderStyle: t[.dialogDanger], keyStyle: t[.footerKey]).render(into: &buf, area: area)
    }
}

enum Plural {
    /// `1 agent`, `3 agents`.
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
