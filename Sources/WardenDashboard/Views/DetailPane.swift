import TerminalUI
import WardenCore

/// The detail pane: everything about the selection, and the details of agents, credentials
/// and principals that several views show.
enum DetailPane {
    static func render(_ s: DashboardState, into buf: inout Buffer, area: Rect) {
        let t = s.theme
        let focused = s.focus == .detail
        let block = Block(title: Line(" Details ", style: t[.title]), borderStyle: t[focused ? .borderFocused : .border])
        block.render(into: &buf, area: area)
        let inner = block.inner(area).inset(horizontal: 1, vertical: 0)
        Paragraph(lines(s), wrap: true, scroll: s.detailScroll).render(into: &buf, area: inner)
    }

    /// What the current view says about its selection.
    static func lines(_ s: DashboardState) -> [Line] { s.view.descriptor.detail(s) }

    /// An agent, credential or principal: what most views' selections are.
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
            field(s, "status", AgentsView.statusWord(a, now: now), StatusStyle.role(a, now: now)),
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
        let agents = snap.agentsUnread(principal: pi) ? "loading…"
            : "\(tree.count) (\(tree.filter { snap.agents[$0].status(at: s.now) == .active }.count) active)"
        return [
            Line(p.id, style: s.theme[.title]),
            field(s, "name", p.name), field(s, "kind", p.kind.rawValue),
            field(s, "status", p.status.rawValue, p.status == .active ? .active : .disabled),
            field(s, "scopes", p.scopes.description),
            field(s, "agents", agents),
        ]
    }
}
