import TerminalUI
import WardenCore

/// The Tools view's detail pane: a tool's pin and decisions, then its definition; a changed
/// tool's definition beside the one it was approved as. Definitions are hostile text (a
/// poisoned description hides bidi and zero-width characters on purpose): every piece goes
/// through the sanitizer, and the heuristic's signals say what it found.
enum ToolDetail {
    static func lines(_ s: DashboardState, _ p: ToolPin, width: Int) -> [Line] {
        let t = s.theme, tools = s.snapshot.tools, now = s.now
        let status = p.status
        // What the operator decides on comes first: who may call it, what was decided, and the
        // definition (beside the approved one when it changed); the record's detail after.
        var out: [Line] = [
            Line([Span(clean(p.name) + "  ", style: t[.title]), Span(status.rawValue, style: t[ToolsView.role(status)])]),
            DetailPane.field(s, "listed", String(p.hash.prefix(12)) + " since " + Ago.text(now - p.changedAt)
                             + (p.goneAt.map { "; gone " + Ago.text(now - $0) } ?? "")),
        ]
        let a = tools.activity[p.name]
        out.append(DetailPane.field(s, "last hour", "\(a?.calls ?? 0) calls, \(a?.denied ?? 0) denied", (a?.denied ?? 0) > 0 ? .deny : .text))
        if let i = tools.pinIndex[p.name], i < tools.coverage.count {
            let c = tools.coverage[i]
            let names = c.names.joined(separator: ", ") + (c.count > c.names.count ? ", …" : "")
            out.append(DetailPane.field(s, "agents", c.count == 0 ? "none: no agent's effective scopes allow it" : "\(c.count): \(names)"))
        }
        for d in p.decisions.suffix(6) {
            let which = d.hash.map { String($0.prefix(12)) + ($0 == p.hash ? " (listed)" : "") } ?? "by name"
            out.append(Line([Span(d.verdict.rawValue + String(repeating: " ", count: max(1, 11 - d.verdict.rawValue.count)),
                                  style: t[d.verdict == .approved ? .allow : .deny]),
                             Span(which + " by " + d.by + " " + Ago.text(now - d.at)),
                             Span(d.reason.map { " — " + $0 } ?? "", style: t[.muted])]))
        }
        out.append("")
        let current = tools.definitions[p.hash]
        if status == .changed, let approved = ToolsSnapshot.approvedHash(p), let old = tools.definitions[approved], let current {
            out.append(DetailPane.heading(s, "Approved \(approved.prefix(12)) ⟷ listed \(p.hash.prefix(12))"))
            out += sideBySide(s, old, current, width: width)
        } else if let current {
            out.append(DetailPane.heading(s, "Definition"))
            out += rows(current, width: width).map { Line($0) }
        } else {
            out.append(Line("definition \(p.hash.prefix(12)) is not in the store", style: t[.muted]))
        }
        if let signals = current?.signals, !signals.isEmpty {
            out += ["", Line("Signals (a heuristic: read the text; they do not quarantine)", style: t[.severityMedium])]
            for sig in signals.prefix(8) {
                out.append(Line([Span("  " + sig.kind.rawValue + " ", style: t[.severityMedium]), Span(sig.path + ": ", style: t[.muted]),
                                 Span(clean(sig.matched))]))
            }
        }
        let policy = tools.servers.first { $0.name == p.server }?.policy
        out += [
            "",
            DetailPane.field(s, "hash", p.hash, .muted),
            DetailPane.field(s, "first seen", UTC.rfc3339(p.firstSeenAt), .muted),
            DetailPane.field(s, "policy", (policy ?? tools.policies.defaultPolicy).rawValue + (policy == nil ? " (store default)" : ""), .muted),
        ]
        return out
    }

    /// The definition as lines of at most `width` columns: the description, wrapped, then the
    /// rest of the object.
    static func rows(_ d: ToolDefinitionText, width: Int) -> [String] {
        var out = ["description:"]
        for line in Sanitizer.cleanLines(d.description) {
            out += Paragraph.wrap(Line("  " + line), width: width).map { $0.spans.map(\.text).joined() }
        }
        out.append("schema:")
        // Wrapped too: a parameter's description is where a poisoned schema hides its text.
        for line in d.schema {
            out += Paragraph.wrap(Line("  " + clean(line)), width: width).map { $0.spans.map(\.text).joined() }
        }
        return out
    }

    /// Both definitions in two columns, lines matched by their longest common subsequence: a
    /// line only one side has is marked (`-` approved, `+` current) and coloured.
    static func sideBySide(_ s: DashboardState, _ old: ToolDefinitionText, _ new: ToolDefinitionText, width: Int) -> [Line] {
        let t = s.theme
        let column = max(8, (width - 3) / 2)
        let left = rows(old, width: column - 2), right = rows(new, width: column - 2)
        var out: [Line] = []
        for (l, r) in align(left, right) {
            let same = l != nil && l == r
            out.append(Line([
                Span((l == nil ? "  " : same ? "  " : "- ") + fit(l ?? "", column - 2), style: t[same ? .text : .scopeRemoved]),
                Span(" │ ", style: t[.border]),
                Span((r == nil ? "  " : same ? "  " : "+ ") + fit(r ?? "", column - 2), style: t[same ? .text : .scopeKept]),
            ]))
        }
        return out
    }

    /// Longest-common-subsequence alignment; lines that differ are paired up side by side.
    /// Each side is bounded (a definition of thousands of lines is shown in part).
    static func align(_ a: [String], _ b: [String]) -> [(String?, String?)] {
        let a = Array(a.prefix(maxLines)), b = Array(b.prefix(maxLines))
        let n = a.count, m = b.count
        var lcs = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var out: [(String?, String?)] = []
        var i = 0, j = 0
        var gone: [String] = [], added: [String] = []
        func flush() {
            for k in 0..<max(gone.count, added.count) { out.append((k < gone.count ? gone[k] : nil, k < added.count ? added[k] : nil)) }
            gone = []
            added = []
        }
        while i < n || j < m {
            if i < n, j < m, a[i] == b[j] {
                flush()
                out.append((a[i], b[j]))
                i += 1
                j += 1
            } else if j >= m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1]) {
                gone.append(a[i])
                i += 1
            } else {
                added.append(b[j])
                j += 1
            }
        }
        flush()
        return out
    }

    static let maxLines = 400

    /// Cut to `width` columns and padded to it.
    static func fit(_ text: String, _ width: Int) -> String {
        var out = "", used = 0
        for c in text {
            let w = TextWidth.of(c)
            if used + w > width { break }
            out.append(c)
            used += w
        }
        return out + String(repeating: " ", count: max(0, width - used))
    }

    static func clean(_ text: String) -> String { Sanitizer.clean(text) }
}

extension DialogViews {
    static func tool(_ s: DashboardState, _ d: ToolDialog, into buf: inout Buffer, area: Rect) {
        let t = s.theme, k = s.keyMap
        let verb = d.verdict == .approved ? "Approve" : "Reject"
        var body: [Line] = [
            Line([Span("\(verb) tool "), Span(Sanitizer.clean(d.name), style: t[.title])]),
            Line("definition \(ToolDialogs.short(d.hash)) (\(d.status.rawValue)), as the details show it", style: t[.muted]),
            "",
        ]
        var hints: [KeyHint]
        if let moved = d.movedTo {
            body.append(Line(moved == "gone" ? "The server no longer lists this tool."
                             : "The server changed this tool while the dialog was open: it now lists \(ToolDialogs.short(moved)).",
                             style: t[.dialogDanger]))
            body.append(Line("Refused: nothing was decided. Close this and review the new definition.", style: t[.dialogDanger]))
            hints = [KeyHint("Esc", "close")]
        } else {
            body.append(Line(d.verdict == .approved
                ? "Approving lists it again and lets agents whose scopes allow it call it."
                : "Rejected, it stays quarantined: hidden from tools/list, its calls denied.", style: t[.muted]))
            if !d.reason.isEmpty && !d.editingReason { body.append(Line("reason: " + d.reason.text, style: t[.muted])) }
            hints = d.editingReason ? [KeyHint("Enter", "done"), KeyHint("Esc", "cancel")]
                : [KeyHint(k.firstKeyName(.confirm), d.verdict == .approved ? "approve" : "reject"), KeyHint(k.firstKeyName(.decline), "cancel"),
                   KeyHint(k.firstKeyName(.reason), "reason")]
        }
        Dialog(title: verb, body: body, hints: hints, input: d.editingReason && d.movedTo == nil ? d.reason : nil, inputPrompt: "reason> ",
               width: 70, style: t[.dialog], borderStyle: t[d.verdict == .approved ? .dialogBorder : .dialogDanger],
               keyStyle: t[.footerKey]).render(into: &buf, area: area)
    }
}
