import TerminalUI
import WardenCore

extension ViewKind {
    public static let calls = ViewKind("calls")
}

/// Tool calls, newest first; the selection follows the newest while `follow` is on.
struct CallsView: ViewDescriptor {
    let kind = ViewKind.calls
    let title = "Calls"
    let commandNames = ["calls"]
    let columns = ["TIME", "AGENT", "SERVER/TOOL", "DECISION", "VIA", "REASON", "RESULT", "DURATION", "ARGS"]
    let defaultSort = SortState(column: 0, ascending: false)
    var followsNewest: Bool { true }

    func depends(_ s: DashboardState, on parts: SnapshotParts) -> Bool { parts.contains(.activity) }

    func buildRows(_ s: inout DashboardState, filter: Filter, sort: SortState) {
        let snap = s.snapshot
        var rows = Array(snap.calls.indices.reversed())
        if filter.active {
            // `via:PATH` selects by recording path; the rest is the usual substring.
            let f = CallFilter(filter)
            rows = rows.filter { f.matches(snap.calls[$0], search: Self.search(snap, $0)) }
        }
        if !(sort.column == 0 && !sort.ascending) {
            rows = RowBuilder.sorted(rows, sort) { Self.sortKey(snap, $0, column: sort.column) }
        }
        s.rows[kind] = rows
    }

    func rowKey(_ s: DashboardState, _ row: Int) -> String? {
        let rows = s.rows[kind]
        return row < rows.count ? String(s.snapshot.calls[rows[row]].seq) : nil
    }

    /// By sequence: an integer search of the rows.
    func row(_ s: DashboardState, key: String) -> Int? {
        guard let seq = Int64(key) else { return nil }
        return s.rows[kind].firstIndex { s.snapshot.calls[$0].seq == seq }
    }

    func emptyText(_ s: DashboardState) -> String { "no tool calls recorded yet" }

    func titleExtras(_ s: DashboardState) -> [Span] {
        s.follow ? [Span("following ", style: s.theme[.title])] : []
    }

    func render(_ s: DashboardState, list: inout ListState, into buf: inout Buffer, area: Rect) {
        let snap = s.snapshot, rows = s.rows[kind], theme = s.theme
        // Decision and reason are what a narrow Calls pane is for (`/deny`); a reason is kept
        // whole (credential_revoked and credential_expired must not look alike).
        Lists.table(s, kind, widths: [.length(8), .min(14), .min(14), .length(8), .length(7), .min(18), .length(6), .length(8), .fill],
                    priorities: [3, 2, 1, 0, 4, 0, 2, 5, 6], rowCount: rows.count) { r in
            TableRow(Self.cells(snap, rows[r], theme: theme))
        }.render(into: &buf, area: area, state: &list)
    }

    func selected(_ s: DashboardState) -> ToolCall? {
        guard let row = selectedRow(s) else { return nil }
        return s.snapshot.calls[s.rows[kind][row]]
    }

    /// The call's agent, when the store knows it.
    func entity(_ s: DashboardState, row: Int) -> EntityRef? {
        let rows = s.rows[kind]
        guard row < rows.count else { return nil }
        let c = s.snapshot.calls[rows[row]]
        return s.snapshot.index.forest.agent(c.agentID) != nil ? .agent(c.agentID) : nil
    }

    func copyID(_ s: DashboardState, row: Int) -> String? {
        let rows = s.rows[kind]
        return row < rows.count ? s.snapshot.calls[rows[row]].agentID : nil
    }

    /// With the call's detail open, Enter goes on to its agent.
    func open(_ s: inout DashboardState) -> Bool {
        guard s.detailOpen, let c = selected(s) else { return false }
        guard s.snapshot.index.forest.agent(c.agentID) != nil else {
            Update.flash(&s, "\(c.agentID) is not in the store", error: true)
            return true
        }
        Update.jumpToAgent(&s, c.agentID)
        s.detailOpen = true
        return true
    }

    func detail(_ s: DashboardState) -> [Line] {
        guard let c = selected(s) else { return [] }
        return Self.detail(s, c)
    }

    func export(_ s: DashboardState) -> (columns: [String], rows: [[String]]) {
        let snap = s.snapshot, theme = s.theme
        return (["SEQ", "AT", "AGENT ID"] + columns, s.rows[kind].map { i in
            let c = snap.calls[i]
            var cells = Self.cells(snap, i, theme: theme).map(\.text)
            cells[cells.count - 1] = c.args ?? ""
            return [String(c.seq), UTC.rfc3339(c.at, millis: true), c.agentID] + cells
        })
    }

    // MARK: Row text

    static func cells(_ snap: FleetSnapshot, _ i: Int, theme: Theme) -> [TableCell] {
        let c = snap.calls[i]
        let name = snap.index.forest.agent(c.agentID)?.name ?? c.agentID
        let decision = c.decision == .allow ? "allow" : "deny"
        return [
            TableCell(UTC.timeOfDay(c.at), style: theme[.muted]),
            // An agent not in the store shows its ID, whose end tells it apart.
            TableCell(name, style: theme[snap.index.forest.agent(c.agentID) == nil ? .unregistered : .text], keepsEnd: name == c.agentID),
            TableCell(c.server + "/" + c.tool),
            TableCell(decision, style: theme[c.decision == .allow ? .allow : .deny]),
            // Which path recorded it (calls recorded before Warden kept it have none).
            TableCell(c.via?.rawValue ?? "—", style: theme[.muted]),
            // Why Warden decided as it did; what the tool did with an allowed call is RESULT.
            TableCell(c.reason ?? "", style: theme[c.decision == .deny ? .deny : .muted]),
            TableCell(c.result?.rawValue ?? "", style: theme[c.result == .error ? .error : .muted]),
            TableCell(c.durationMs.map { "\($0)ms" } ?? "—", style: theme[.muted]),
            TableCell(c.args.map(argsText) ?? "", style: theme[.muted]),
        ]
    }

    /// Recorded arguments on one line (they were redacted when recorded; the cell sanitizes).
    static func argsText(_ args: String) -> String {
        String(args.prefix(400).map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }

    static func search(_ snap: FleetSnapshot, _ i: Int) -> String {
        let c = snap.calls[i]
        let name = snap.index.forest.agent(c.agentID)?.name ?? c.agentID
        return (name + " " + c.agentID + " " + c.server + "/" + c.tool + " " + c.decision.rawValue + " "
                + (c.reason ?? "") + " " + (c.result?.rawValue ?? "") + " " + (c.credentialID ?? "") + " "
                + (c.via?.rawValue ?? "") + " " + (c.session ?? "") + " " + (c.client ?? "")).lowercased()
    }

    static func sortKey(_ snap: FleetSnapshot, _ i: Int, column: Int) -> SortKey {
        let c = snap.calls[i]
        switch column {
        case 0: return .number(c.seq)
        case 1:
            // By the agent's place in name order (a number); unknown agents last.
            guard let a = snap.index.forest.index[c.agentID], a < snap.index.agentNameRank.count else { return .number(.max) }
            return .number(Int64(snap.index.agentNameRank[a]))
        case 2: return .text(c.server + "/" + c.tool)
        case 3: return .text(c.decision.rawValue)
        case 4: return .text(c.via?.rawValue ?? "")
        case 5: return .text(c.reason ?? "")
        case 6: return .text(c.result?.rawValue ?? "")
        case 7: return .number(c.durationMs ?? -1)
        default: return .text(c.args ?? "")
        }
    }

    /// A session id shortened for display: its first 8 and last 4 characters tell sessions
    /// apart (`warden calls --json` has it whole).
    static func shortSession(_ id: String) -> String {
        id.count <= 16 ? id : String(id.prefix(8)) + "…" + String(id.suffix(4))
    }

    // MARK: Detail

    static func detail(_ s: DashboardState, _ c: ToolCall) -> [Line] {
        let snap = s.snapshot, t = s.theme
        let field = { (name: String, value: String, role: Role) in DetailPane.field(s, name, value, role) }
        let agentIndex = snap.index.forest.index[c.agentID]
        var out: [Line] = [
            Line("\(c.server)/\(c.tool)", style: t[.title]),
            field("time", UTC.rfc3339(c.at, millis: true), .text),
        ]
        if let i = agentIndex {
            out.append(Line([Span("agent      ", style: t[.muted]), Span(snap.agents[i].name),
                             Span("  (\(s.keyMap.keyName(.open)): go to agent)", style: t[.footerKey])]))
        } else {
            out.append(field("agent", c.agentID + " (not in store)", .unregistered))
        }
        out += [
            field("agent id", c.agentID, .muted),
            field("decision", c.decision.rawValue + (c.reason.map { " (\($0))" } ?? ""), c.decision == .allow ? .allow : .deny),
            field("result", c.result?.rawValue ?? "—", c.result == .error ? .error : .text),
            field("duration", c.durationMs.map { "\($0) ms" } ?? "—", .text),
            field("instance", c.instanceID ?? "—", .text),
            field("via", c.via?.rawValue ?? "— (recorded before Warden kept it)", .text),
        ]
        // The gateway's session and the client that opened it (the client names itself: untrusted).
        if let session = c.session { out.append(field("session", Self.shortSession(session), .muted)) }
        if let client = c.client { out.append(field("client", client, .text)) }
        // The credential: its state when the call was made, and now.
        if let id = c.credentialID {
            if let ci = snap.index.credentialIndex[id] {
                let cred = snap.credentials[ci]
                let then = cred.status(at: c.at), now = cred.status(at: s.now)
                var text = id + "  " + then.rawValue + " at the call"
                if now != then { text += ", " + now.rawValue + " now" }
                if let r = cred.revokedAt, r <= s.now { text += " (revoked " + UTC.rfc3339(r) + ")" }
                out.append(field("credential", text, then == .active ? (now == .active ? .active : .text) : then == .revoked ? .revoked : .expired))
                if let i = agentIndex {
                    out.append(field("cred scope", cred.scopes.intersection(snap.index.effectiveScopes(i)).description, .muted))
                }
            } else {
                out.append(field("credential", id + " (not in store)", .unregistered))
            }
        } else {
            out.append(field("credential", "—", .text))
        }
        // What the agent may do: its effective scopes (grant narrowed by its chain), and any
        // narrowing of the chain since the call, which the decision did not see.
        if let i = agentIndex {
            let a = snap.agents[i]
            out.append(field("effective", snap.index.effectiveScopes(i).description, .scopeKept))
            if a.status(at: s.now) != .active {
                out.append(field("agent now", AgentsView.statusWord(a, now: s.now), StatusStyle.role(a, now: s.now)))
            }
            let chain = Set(snap.index.forest.chain(of: a.id).map(\.id))
            if let n = snap.audit.last(where: { $0.action == "agent.narrow" && $0.at > c.at && chain.contains($0.target) }) {
                let who = snap.index.forest.agent(n.target)?.name ?? n.target
                out.append(Line("  \(who) was narrowed after this call (\(UTC.rfc3339(n.at))): the scopes above are today's", style: t[.muted]))
            }
        }
        out.append(field("arguments", c.args ?? "—", .muted))
        return out
    }
}

/// The Calls view's `/` filter: `via:PATH` terms (a prefix of proxy, gateway, ingest, hook or
/// cli) select by recording path; the other words are one substring, as in every view; `!`
/// inverts the whole.
struct CallFilter {
    let via: [String]
    let text: Filter

    private let inverted: Bool

    init(_ filter: Filter) {
        inverted = filter.inverted
        let words = filter.needle.split(separator: " ", omittingEmptySubsequences: false)
        guard words.contains(where: { $0.hasPrefix("via:") }) else {
            // No term: the plain substring, exactly as typed.
            via = []
            text = filter
            return
        }
        via = words.filter { $0.hasPrefix("via:") }.map { String($0.dropFirst(4)) }
        text = Filter(words.filter { !$0.hasPrefix("via:") && !$0.isEmpty }.joined(separator: " "))
    }

    /// `search` is the row's lowercased search text (the text's own `!` is not applied here).
    func matches(_ c: ToolCall, search: String) -> Bool {
        let path = c.via?.rawValue ?? ""
        let hit = via.allSatisfy { !path.isEmpty && path.hasPrefix($0) } && (!text.active || text.contains(search))
        return hit != inverted
    }
}
