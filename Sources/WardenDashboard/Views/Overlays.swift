import TerminalUI
import WardenCore

/// `?`: every binding (generated from the key map), what each symbol means, the `:`
/// commands, the filter syntax and the mouse. Scrolls when the screen is too small for it.
enum HelpScreen {
    static func render(_ s: DashboardState, into buf: inout Buffer, area: Rect) {
        let t = s.theme
        let (width, height) = size(s, area)
        guard width > 6, height > 2 else { return }
        let body = lines(s, width: width - 4)
        let frame = area.centered(width: width, height: height)
        // The whole box is painted before its text: nothing underneath shows through.
        buf.fill(frame, with: Cell(" ", style: t[.dialog]))
        let more = maxScroll(s) > 0
        let title = " Help" + (s.readOnly ? " (read-only)" : "") + (more ? " — \(s.keyMap.firstKeyName(.down) + s.keyMap.firstKeyName(.up)) scroll " : " ")
        let block = Block(title: Line(title, style: t[.title]), borderStyle: t[.dialogBorder])
        block.render(into: &buf, area: frame)
        let inner = block.inner(frame).inset(horizontal: 1, vertical: 0)
        Paragraph(body, wrap: true, scroll: min(s.helpScroll, maxScroll(s)), style: t[.dialog]).render(into: &buf, area: inner)
    }

    /// The box: at most 96 columns, as tall as its text or the screen allows.
    static func size(_ s: DashboardState, _ area: Rect) -> (width: Int, height: Int) {
        let width = min(area.width - 2, 96)
        let count = Paragraph(lines(s, width: width - 4)).lineCount(width: max(1, width - 4))
        return (width, min(area.height - 2, count + 2))
    }

    /// How far the help can scroll at the current screen size.
    static func maxScroll(_ s: DashboardState) -> Int {
        let (width, height) = size(s, Rect(x: 0, y: 0, width: s.width, height: s.height))
        let count = Paragraph(lines(s, width: width - 4)).lineCount(width: max(1, width - 4))
        return max(0, count - (height - 2))
    }

    /// Rows of the help text at a width (the key table takes as many columns as fit).
    static func lines(_ s: DashboardState, width: Int) -> [Line] {
        let t = s.theme
        let key = t[.footerKey], muted = t[.muted]
        func heading(_ text: String) -> Line { Line(text, style: t[.title]) }
        func entry(_ k: String, _ d: String) -> Line {
            Line([Span(k + String(repeating: " ", count: max(1, 14 - TextWidth.of(k))), style: key), Span(d)])
        }
        var out: [Line] = [heading("Keys")]
        let entries = Action.allCases.filter { $0.scope == .lists && !(s.readOnly && $0.isDangerous) }.map { KeyHint(s.keyMap.keyName($0), $0.help) }
        let keyWidth = entries.map { TextWidth.of($0.key) }.max() ?? 0
        let cell = keyWidth + 2 + (entries.map { TextWidth.of($0.description) }.max() ?? 0) + 3
        let columns = max(1, min(4, width / cell))
        let rows = (entries.count + columns - 1) / columns
        for r in 0..<rows {
            var spans: [Span] = []
            for c in 0..<columns where c * rows + r < entries.count {
                let e = entries[c * rows + r]
                let pad = cell - keyWidth - 2 - TextWidth.of(e.description)
                spans += [Span(e.key + String(repeating: " ", count: keyWidth + 2 - TextWidth.of(e.key)), style: key),
                          Span(e.description + String(repeating: " ", count: c == columns - 1 ? 0 : pad))]
            }
            out.append(Line(spans))
        }
        out += ["", heading("Symbols")]
        out += [
            Line([Span("● ", style: t[.active]), Span("active  "), Span("✗ ", style: t[.revoked]), Span("revoked  "),
                  Span("⌛ ", style: t[.expired]), Span("expired  "), Span("? ", style: t[.unregistered]),
                  Span("unregistered (seen in telemetry only)")]),
            Line([Span("◆ ", style: t[.principal]), Span("human principal  "), Span("◇ ", style: t[.principal]),
                  Span("workload principal  "), Span("▾ ▸ ", style: t[.treeGuide]), Span("open, closed")]),
            entry("◉1", "live instances (a heartbeat in the last 30 s)"),
            entry("+3", "descendants hidden under a closed node"),
            entry("⚑", "a finding about the agent (bold: high severity); \(s.keyMap.keyName(.view(.findings))) lists them"),
            entry("⚠", "a static credential: it never expires, or outlives the policy"),
            entry("▁▃█", "sparkline: the agent's calls per minute over the last 15 minutes"),
            Line([Span(String(repeating: "█", count: 5), style: t[.gaugeFilled]), Span(String(repeating: " ", count: 4), style: t[.gaugeEmpty]),
                  Span(String(repeating: " ", count: 5)),
                  Span("time left, as a bar: red under 5 minutes")]),
            entry("", "Tree CREDENTIAL LEFT: the agent's soonest-expiring active credential"),
            entry("", "Agents EXPIRES: the agent's own expiry"),
            entry("header", "live instances · credentials expiring in 5 min · calls denied, last 60 s"),
        ]
        out += ["", heading("Commands (:)")]
        let views = ColonCommand.viewCommands
        out += [
            entry(views.prefix(2).joined(separator: " "), views.dropFirst(2).joined(separator: " ") + "  switch view"),
            entry(":theme NAME", "load a theme (Themes/*.theme)"),
            entry(":export FILE", "write this view as shown (filtered, sorted) to FILE.csv or FILE.json"),
            entry(":q", "quit"),
        ]
        out += ["", heading("Filter (/)")]
        out += [
            entry("/text", "rows containing text, any case (names, IDs, scopes, reasons, status words)"),
            entry("/!text", "rows NOT containing text"),
            entry("/deny", "in Calls: denied calls; /revoked, /expired, /active: by status"),
            entry("/via:gateway", "in Calls: calls recorded by one path (proxy gateway ingest hook cli); text after it narrows further"),
            entry("Esc", "clears the filter"),
        ]
        out += ["", heading("Mouse")]
        out.append(s.mouse ? Line("click selects a row, the wheel scrolls, a click on a tab switches view; `mouse = false` in the config turns it off")
                           : Line("off (`mouse = false` in the config)", style: muted))
        return out
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
            let k = s.keyMap
            hints = d.plan == nil ? [KeyHint("Esc", "cancel")]
                : [KeyHint(k.firstKeyName(.confirm), "revoke"), KeyHint(k.firstKeyName(.decline), "cancel"), KeyHint(k.firstKeyName(.reason), "reason")]
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
        func names(_ list: [String]) -> String { list.prefix(6).joined(separator: ", ") + (list.count > 6 ? ", …" : "") }
        if d.descendants.isEmpty {
            body.append(Line("No descendants.", style: t[.muted]))
        } else if let plan = d.plan {
            // The plan's own list: only descendants whose grant names what is removed are cut.
            if plan.descendants.isEmpty {
                body.append(Line("No descendant grant changes (\(Plural.count(d.descendants.count, "descendant")) below).", style: t[.muted]))
            } else {
                body.append(Line([Span("Also narrows \(Plural.count(plan.descendants.count, "descendant")): ", style: t[.dialogDanger]),
                                  Span(names(plan.descendants.map(\.name)), style: t[.muted])]))
            }
            let emptied = plan.emptied
            if !emptied.isEmpty {
                body.append(Line([Span("Left with no scopes (can do nothing): ", style: t[.dialogDanger]), Span(names(emptied.map(\.name)), style: t[.muted])]))
            }
        } else {
            body.append(Line("Descendants holding a removed scope lose it too (\(Plural.count(d.descendants.count, "descendant")) below).", style: t[.muted]))
        }
        if !d.reason.isEmpty && !d.editingReason { body.append(Line("reason: " + d.reason.text, style: t[.muted])) }
        let k = s.keyMap
        let hints = d.editingReason ? [KeyHint("Enter", "confirm"), KeyHint("Esc", "cancel")]
            : [KeyHint(k.firstKeyName(.toggle), "toggle"), KeyHint(k.firstKeyName(.up) + k.firstKeyName(.down), "move"),
               KeyHint(k.firstKeyName(.confirm), "narrow"), KeyHint(k.firstKeyName(.reason), "reason"), KeyHint("Esc", "cancel")]
        Dialog(title: "Narrow", body: body, hints: hints, input: d.editingReason ? d.reason : nil, inputPrompt: "reason> ", width: 70,
               style: t[.dialog], borderStyle: t[.dialogDanger], keyStyle: t[.footerKey]).render(into: &buf, area: area)
    }
}
