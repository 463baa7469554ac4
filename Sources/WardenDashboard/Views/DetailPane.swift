import TerminalUI
import WardenCore
import WardenStore

/// The detail pane: everything about the selection.
enum DetailPane {
    static func render(_ s: DashboardState, into buf: inout Buffer, area: Rect) {
        let t = s.theme
        let focused = s.focus == .detail
        let block = Block(title: Line(" Details ", style: t[.title]), borderStyle: t[focused ? .borderFocused : .border])
        block.render(into: &buf, area: area)
        let inner = block.inner(area).inset(horizontal: 1, vertical: 0)
        Paragraph(lines(s), wrap: true, scroll: s.detailScroll).render(into: &buf, area: inner)
    }

    static func lines(_ s: DashboardState) -> [Line] {
        switch s.view {
        case .calls:
            guard let row = s.currentList.selected, row < s.rows.calls.count else { return [] }
            return call(s, s.snapshot.calls[s.rows.calls[row]])
        case .audit:
            guard let row = s.currentList.selected, row < s.rows.audit.count else { return [] }
            return audit(s, s.snapshot.audit[s.rows.audit[row]])
        case .findings:
            guard let f = Update.selectedFinding(s) else { return [] }
            var out = finding(s, f)
            if let e = Selection.entity(s) { out += [""] + entity(s, e) }
            return out
        default:
            guard let e = Selection.entity(s) else { return [Line("nothing selected", style: s.theme[.muted])] }
            return entity(s, e)
        }
    }

    static func entity(_ s: DashboardState, _ e: EntityRef) -> [Line] {
        switch e {
        case .agent(let id): return agent(s, id)
        case .credential(let id): return credential(s, id)
        case .principal(let id): return principal(s, id)
        }
    }

    static func field(_ s: DashboardState, _ name: String, _ value: String, _ role: Role = .text) -> Line {
        Line([Span(name + String(repeating: " ", count: max(1, 11 - name.count)), style: s.theme[.muted]), Span(value, style: s.theme[role])])
    }

    /// Where a cascaded revocation started, from the cause the revoked row records.
    static func causeText(_ snap: FleetSnapshot, _ cause: String) -> String {
        if let a = snap.index.forest.agent(cause) { return "cascade from revoking \(a.name) (\(a.id))" }
        if snap.principals.contains(where: { $0.id == cause }) { return "cascade from disabling \(cause)" }
        return "cascade from \(cause)"
    }

    static func heading(_ s: DashboardState, _ text: String) -> Line { Line(text, style: s.theme[.title]) }

    static func agent(_ s: DashboardState, _ id: String) -> [Line] {
        let snap = s.snapshot, t = s.theme, now = s.now
        guard let i = snap.index.forest.index[id] else { return [] }
        let a = snap.agents[i]
        var out: [Line] = [
            Line([Span(Glyph.status(a, now: now) + " ", style: t[StatusStyle.role(a, now: now)]), Span(a.name, style: t[.title])]),
            field(s, "id", a.id, .muted),
            field(s, "status", AgentText.statusWord(a, now: now), StatusStyle.role(a, now: now)),
            field(s, "expires", a.expiresAt.map { UTC.rfc3339($0) + " (" + Ago.text(now - $0) + ")" } ?? "never"),
        ]
        if let r = a.revokedAt { out.append(field(s, "revoked", UTC.rfc3339(r) + (a.revokeReason.map { " — " + $0 } ?? ""), .revoked)) }
        if a.revokedAt != nil, let by = a.revokedBy, by != a.id { out.append(field(s, "cause", causeText(snap, by), .revoked)) }
        out += ["", heading(s, "Chain of authority")]
        let chain = snap.index.forest.chain(of: id).reversed()
        let p = snap.principals.first { $0.id == a.principalID }
        out.append(Line([Span("◆ ", style: t[.principal]), Span(a.principalID, style: t[p?.status == .disabled ? .disabled : .principal])]))
        for (depth, link) in chain.enumerated() {
            let guide = String(repeating: "  ", count: depth) + "└─ "
            out.append(Line([Span(guide, style: t[.treeGuide]), Span(Glyph.status(link, now: now) + " ", style: t[StatusStyle.role(link, now: now)]),
                             Span(link.name, style: link.id == id ? t[.title] : t[.text])]))
        }
        // Granted vs effective: what the chain narrowed away, and who narrowed it.
        out += ["", heading(s, "Scopes (granted → effective)")]
        let eff = snap.index.effectiveScopes(i)
        for g in a.grant.members {
            let kept = ScopeSet([g]).intersection(eff)
            if kept == ScopeSet([g]) {
                out.append(Line([Span("  ✓ ", style: t[.scopeKept]), Span(g.description, style: t[.scopeKept])]))
            } else if kept.isEmpty {
                out.append(Line([Span("  ✗ ", style: t[.scopeRemoved]), Span(g.description, style: t[.scopeRemoved]),
                                 Span("  narrowed away above", style: t[.muted])]))
            } else {
                out.append(Line([Span("  ◐ ", style: t[.scopeKept]), Span(g.description, style: t[.text]),
                                 Span(" → " + kept.description, style: t[.scopeKept])]))
            }
        }
        let chainIDs = Set(snap.index.forest.chain(of: id).map(\.id))
        for r in snap.audit.reversed() where r.action == "agent.narrow" && chainIDs.contains(r.target) {
            let who = snap.index.forest.agent(r.target)?.name ?? r.target
            out.append(Line("  narrowed \(who) by \(r.operatorName) at \(UTC.rfc3339(r.at))" + (r.reason.map { " — \($0)" } ?? ""), style: t[.muted]))
        }
        out += ["", heading(s, "Instances")]
        let insts = snap.index.instancesByAgent[i].map { snap.instances[$0] }
        if insts.isEmpty { out.append(Line("  none", style: t[.muted])) }
        for inst in insts.suffix(8) {
            let st = inst.state(at: now)
            out.append(Line([Span("  " + (st == .live ? "◉ " : st == .stale ? "◌ " : "○ "), style: t[st == .live ? .live : st == .stale ? .stale : .stopped]),
                             Span(inst.id + "  " + inst.host + (inst.pid.map { ":\($0)" } ?? "")),
                             Span("  heartbeat " + Ago.text(now - inst.lastHeartbeat), style: t[.muted])]))
        }
        out += ["", heading(s, "Credentials")]
        let creds = snap.index.credentialsByAgent[i].map { snap.credentials[$0] }
        if creds.isEmpty { out.append(Line("  none", style: t[.muted])) }
        for c in creds.suffix(8) {
            let st = c.status(at: now)
            let left = c.expiresAt.map { st == .active ? DurationText.compact($0 - now) + " left" : st.rawValue } ?? (st == .active ? "never expires ⚠" : st.rawValue)
            out.append(Line([Span("  " + c.id + "  ", style: t[.text]), Span(left, style: t[st == .active ? (c.expiresAt == nil ? .staticCredential : .active) : st == .revoked ? .revoked : .expired])]))
        }
        out += ["", heading(s, "Recent calls")]
        let recent = snap.calls.reversed().lazy.filter { $0.agentID == id }.prefix(10)
        if recent.isEmpty { out.append(Line("  none", style: t[.muted])) }
        for c in recent {
            out.append(Line([Span("  " + UTC.timeOfDay(c.at) + " ", style: t[.muted]), Span(c.server + "/" + c.tool + " "),
                             Span(c.decision == .allow ? "allow" : "deny " + (c.reason ?? ""), style: t[c.decision == .allow ? .allow : .deny])]))
        }
        return out
    }

    static func credential(_ s: DashboardState, _ id: String) -> [Line] {
        let snap = s.snapshot, now = s.now
        guard let ci = snap.index.credentialIndex[id] else { return [] }
        let c = snap.credentials[ci]
        let st = c.status(at: now)
        var out: [Line] = [
            Line(c.id, style: s.theme[.title]),
            field(s, "agent", snap.index.forest.agent(c.agentID)?.name ?? c.agentID),
            field(s, "agent id", c.agentID, .muted),
            field(s, "status", st.rawValue, st == .active ? .active : st == .revoked ? .revoked : .expired),
        ]
        if c.revokedAt != nil, let by = c.revokedBy, by != c.id { out.append(field(s, "cause", causeText(snap, by), .revoked)) }
        out += [
            field(s, "scopes", c.scopes.description),
            field(s, "effective", snap.index.forest.index[c.agentID].map { c.scopes.intersection(snap.index.effectiveScopes($0)).description } ?? "(agent unknown)"),
            field(s, "issued", UTC.rfc3339(c.issuedAt)),
            field(s, "expires", c.expiresAt.map { UTC.rfc3339($0) } ?? "never (static)", c.expiresAt == nil ? .staticCredential : .text),
        ]
        if let inst = c.instanceID { out.append(field(s, "instance", inst)) }
        if let from = c.renewedFrom { out.append(field(s, "renewed from", renewalChainText(snap, from))) }
        if c.isStatic(policy: s.policy) { out.append(Line("  ⚠ static: longer-lived than policy allows; rotate it", style: s.theme[.staticCredential])) }
        return out
    }

    /// `tok_… (renewal 3 of a chain)`: the predecessor, and how many renewals led here (walked
    /// back through the snapshot's index, bounded).
    static func renewalChainText(_ snap: FleetSnapshot, _ from: String) -> String {
        var n = 1
        var next: String? = from
        while let id = next, n <= 10_000, let i = snap.index.credentialIndex[id], let up = snap.credentials[i].renewedFrom {
            n += 1
            next = up
        }
        return n == 1 ? from : "\(from) (renewal \(n) of a chain)"
    }

    static func principal(_ s: DashboardState, _ id: String) -> [Line] {
        let snap = s.snapshot
        guard let pi = snap.index.principalIndex[id] else { return [] }
        let p = snap.principals[pi]
        let tree = snap.index.forest.tree(ofPrincipal: id)
        return [
            Line(p.id, style: s.theme[.title]),
            field(s, "name", p.name), field(s, "kind", p.kind.rawValue),
            field(s, "status", p.status.rawValue, p.status == .active ? .active : .disabled),
            field(s, "scopes", p.scopes.description),
            field(s, "agents", "\(tree.count) (\(tree.filter { snap.agents[$0].status(at: s.now) == .active }.count) active)"),
        ]
    }

    static func call(_ s: DashboardState, _ c: ToolCall) -> [Line] {
        let snap = s.snapshot, t = s.theme
        let agentIndex = snap.index.forest.index[c.agentID]
        var out: [Line] = [
            Line("\(c.server)/\(c.tool)", style: t[.title]),
            field(s, "time", UTC.rfc3339(c.at, millis: true)),
        ]
        if let i = agentIndex {
            out.append(Line([Span("agent      ", style: t[.muted]), Span(snap.agents[i].name),
                             Span("  (\(s.keyMap.keyName(.open)): go to agent)", style: t[.footerKey])]))
        } else {
            out.append(field(s, "agent", c.agentID + " (not in store)", .unregistered))
        }
        out += [
            field(s, "agent id", c.agentID, .muted),
            field(s, "decision", c.decision.rawValue + (c.reason.map { " (\($0))" } ?? ""), c.decision == .allow ? .allow : .deny),
            field(s, "result", c.result?.rawValue ?? "—", c.result == .error ? .error : .text),
            field(s, "duration", c.durationMs.map { "\($0) ms" } ?? "—"),
            field(s, "instance", c.instanceID ?? "—"),
        ]
        // The credential: its state when the call was made, and now.
        if let id = c.credentialID {
            if let ci = snap.index.credentialIndex[id] {
                let cred = snap.credentials[ci]
                let then = cred.status(at: c.at), now = cred.status(at: s.now)
                var text = id + "  " + then.rawValue + " at the call"
                if now != then { text += ", " + now.rawValue + " now" }
                if let r = cred.revokedAt, r <= s.now { text += " (revoked " + UTC.rfc3339(r) + ")" }
                out.append(field(s, "credential", text, then == .active ? (now == .active ? .active : .text) : then == .revoked ? .revoked : .expired))
                if let i = agentIndex {
                    out.append(field(s, "cred scope", cred.scopes.intersection(snap.index.effectiveScopes(i)).description, .muted))
                }
            } else {
                out.append(field(s, "credential", id + " (not in store)", .unregistered))
            }
        } else {
            out.append(field(s, "credential", "—"))
        }
        // What the agent may do: its effective scopes (grant narrowed by its chain), and any
        // narrowing of the chain since the call, which the decision did not see.
        if let i = agentIndex {
            let a = snap.agents[i]
            out.append(field(s, "effective", snap.index.effectiveScopes(i).description, .scopeKept))
            if a.status(at: s.now) != .active { out.append(field(s, "agent now", AgentText.statusWord(a, now: s.now), StatusStyle.role(a, now: s.now))) }
            let chain = Set(snap.index.forest.chain(of: a.id).map(\.id))
            if let n = snap.audit.last(where: { $0.action == "agent.narrow" && $0.at > c.at && chain.contains($0.target) }) {
                let who = snap.index.forest.agent(n.target)?.name ?? n.target
                out.append(Line("  \(who) was narrowed after this call (\(UTC.rfc3339(n.at))): the scopes above are today's", style: t[.muted]))
            }
        }
        out.append(field(s, "arguments", c.args ?? "—", .muted))
        return out
    }

    static func audit(_ s: DashboardState, _ r: AuditRecord) -> [Line] {
        let t = s.theme
        var out: [Line] = [
            Line("#\(r.seq) \(r.action)", style: t[.title]),
            field(s, "time", UTC.rfc3339(r.at)), field(s, "operator", r.operatorName), field(s, "target", r.target),
            field(s, "reason", r.reason ?? "—"), "", heading(s, "Changes"),
        ]
        let changes = AuditDiff.changes(before: r.before, after: r.after)
        if changes.isEmpty { out.append(Line("  none recorded", style: t[.muted])) }
        for c in changes {
            switch c {
            case .value("", let from, let to):
                // Not JSON: the texts as they are.
                out += [field(s, "before", from ?? "—", .muted), field(s, "after", to ?? "—", .muted)]
            case .value(let path, let from, let to):
                let name = path
                var spans = [Span("  " + name + "  ", style: t[.muted])]
                if let from { spans.append(Span(from, style: t[to == nil ? .scopeRemoved : .text])) }
                if from != nil && to != nil { spans.append(Span(" → ", style: t[.muted])) }
                if let to { spans.append(Span(to, style: t[.scopeKept])) }
                if from == nil { spans.append(Span(" (new)", style: t[.muted])) } else if to == nil { spans.append(Span(" (gone)", style: t[.muted])) }
                out.append(Line(spans))
            case .removed(let path, let items):
                for item in items { out.append(Line([Span("  " + path + "  ", style: t[.muted]), Span("− " + item, style: t[.scopeRemoved])])) }
            case .added(let path, let items):
                for item in items { out.append(Line([Span("  " + path + "  ", style: t[.muted]), Span("+ " + item, style: t[.scopeKept])])) }
            }
        }
        out += ["", field(s, "prev hash", r.prevHash, .muted), field(s, "hash", r.hash, .muted)]
        return out
    }

    static func finding(_ s: DashboardState, _ f: Finding) -> [Line] {
        let role: Role = f.severity == .high ? .severityHigh : f.severity == .medium ? .severityMedium : .severityLow
        return [
            Line([Span(f.severity.name.uppercased() + " ", style: s.theme[role]), Span(f.kind.rawValue, style: s.theme[.title])]),
            Line(f.explanation),
            field(s, "fix", FindingText.fixText(f, s.keyMap, readOnly: s.readOnly), .footerKey),
        ]
    }
}
