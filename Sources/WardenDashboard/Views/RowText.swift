import TerminalUI
import WardenCore

/// Text of each view's rows: cells for display, a lowercase haystack for `/`, keys for sorting.
/// Everything here is untrusted (names, hosts, reasons come from agents); cells pass through
/// the one sanitizer when they are written to a Buffer.
enum AgentText {
    static func statusWord(_ a: Agent, now: Timestamp) -> String {
        a.registered ? a.status(at: now).rawValue : "unregistered"
    }

    static func cells(_ snap: FleetSnapshot, _ i: Int, now: Timestamp, theme: Theme) -> [TableCell] {
        let a = snap.agents[i]
        let idx = snap.index
        let status = statusWord(a, now: now)
        let live = idx.liveInstances(i, now: now)
        let calls = idx.callsPerMinute(i)
        let denied = idx.deniedLastMinute[i]
        return [
            TableCell(Glyph.status(a, now: now) + " " + status, style: theme[StatusStyle.role(a, now: now)]),
            TableCell(a.name),
            TableCell(a.principalID, style: theme[.muted]),
            TableCell(String(a.depth)),
            TableCell(live > 0 ? String(live) : "·", style: theme[live > 0 ? .live : .muted]),
            TableCell(a.expiresAt.map { DurationText.compact($0 - now) } ?? "never", style: theme[expiryRole(a.expiresAt, now)]),
            TableCell(String(calls)),
            TableCell(String(denied), style: theme[denied > 0 ? .deny : .muted]),
            TableCell(idx.lastCall[i].map { Ago.text(now - $0) } ?? "—", style: theme[.muted]),
        ]
    }

    /// The agents a filter keeps, by agent index: a match in their cached text (one pass over
    /// all agents), or in their status word (which changes with time, so it is checked now).
    static func matches(_ snap: FleetSnapshot, _ filter: Filter, now: Timestamp) -> [Bool] {
        var hits = [Bool](repeating: false, count: snap.agents.count)
        snap.index.agentText.mark(filter.needleBytes, into: &hits)
        // Status words by rank (the order of `statusWords`), read without copying agents.
        let wordHits = statusWords.map { filter.contains($0) }
        if wordHits.contains(true) {
            for i in snap.agents.indices where !hits[i] && wordHits[Int(statusRank(snap.agents[i], now: now))] { hits[i] = true }
        }
        if filter.inverted { for i in hits.indices { hits[i].toggle() } }
        return hits
    }

    static let statusWords = ["active", "expired", "revoked", "unregistered"]

    static func sortKey(_ snap: FleetSnapshot, _ i: Int, column: Int, now: Timestamp) -> SortKey {
        // Numbers wherever possible (a sort of 100,000 rows happens on a keystroke), read field
        // by field rather than by copying the agent.
        switch column {
        case 0: return .number(statusRank(snap.agents[i], now: now))
        case 1: return .text(snap.agents[i].name.lowercased())
        case 2: return .number(Int64(snap.index.principalOfAgent[i] < 0 ? Int.max : snap.index.principalOfAgent[i]))
        case 3: return .number(Int64(snap.agents[i].depth))
        case 4: return .number(Int64(snap.index.liveInstances(i, now: now)))
        case 5: return .number(snap.agents[i].expiresAt ?? .max)
        case 6: return .number(Int64(snap.index.callsPerMinute(i)))
        case 7: return .number(Int64(snap.index.deniedLastMinute[i]))
        default: return .number(snap.index.lastCall[i] ?? .min)
        }
    }

    /// Status words in alphabetical order (active, expired, revoked, unregistered), as numbers.
    static func statusRank(_ a: Agent, now: Timestamp) -> Int64 {
        guard a.registered else { return 3 }
        switch a.status(at: now) {
        case .active: return 0
        case .expired: return 1
        case .revoked: return 2
        }
    }

    static func expiryRole(_ e: Timestamp?, _ now: Timestamp) -> Role {
        guard let e else { return .muted }
        if e <= now { return .expired }
        return e - now < 300_000 ? .gaugeLow : .text
    }
}

enum CredentialText {
    /// After a static credential's ID; short, so the ID column always has room for it.
    static let staticMark = " ⚠"
    static func cells(_ snap: FleetSnapshot, _ i: Int, now: Timestamp, theme: Theme, policy: Policy) -> [TableCell] {
        let c = snap.credentials[i]
        let agentName = snap.index.forest.agent(c.agentID)?.name ?? c.agentID
        let status = c.status(at: now)
        let isStatic = c.isStatic(policy: policy)
        return [
            TableCell(c.id + (isStatic ? staticMark : ""), style: theme[isStatic && status == .active ? .staticCredential : .text]),
            TableCell(agentName),
            TableCell(c.scopes.description, style: theme[.muted]),
            TableCell(Ago.text(now - c.issuedAt), style: theme[.muted]),
            TableCell(""),  // the time-left gauge is drawn over this cell
            TableCell(status.rawValue, style: theme[status == .active ? .active : status == .revoked ? .revoked : .expired]),
        ]
    }

    /// The credentials a filter keeps, by index: their cached text or their agent's in one pass
    /// each, or their status word (which changes with time).
    static func matches(_ snap: FleetSnapshot, _ filter: Filter, now: Timestamp) -> [Bool] {
        var hits = [Bool](repeating: false, count: snap.credentials.count)
        snap.index.credentialText.mark(filter.needleBytes, into: &hits)
        // Or its agent's text (name, ID, principal, grant): one pass over the agents.
        var agentHits = [Bool](repeating: false, count: snap.agents.count)
        snap.index.agentText.mark(filter.needleBytes, into: &agentHits)
        for (i, a) in snap.index.credentialAgent.enumerated() where a >= 0 && !hits[i] && Int(a) < agentHits.count && agentHits[Int(a)] {
            hits[i] = true
        }
        let wordHits = statusWords.map { filter.contains($0) }
        if wordHits.contains(true) {
            for i in snap.credentials.indices where !hits[i] && wordHits[statusRank(snap.credentials[i], now: now)] { hits[i] = true }
        }
        if filter.inverted { for i in hits.indices { hits[i].toggle() } }
        return hits
    }

    static let statusWords = ["active", "expired", "revoked"]

    /// Status words in alphabetical order, as numbers.
    static func statusRank(_ c: Credential, now: Timestamp) -> Int {
        switch c.status(at: now) {
        case .active: return 0
        case .expired: return 1
        case .revoked: return 2
        }
    }

    static func sortKey(_ snap: FleetSnapshot, _ i: Int, column: Int, now: Timestamp) -> SortKey {
        // Field by field, not a copy of the credential: 200,000 keys on a keystroke.
        switch column {
        case 0: return .text(snap.credentials[i].id)
        case 1:
            // By the agent's place in name order (a number); unknown agents last.
            guard let a = snap.index.forest.index[snap.credentials[i].agentID], a < snap.index.agentNameRank.count else { return .number(.max) }
            return .number(Int64(snap.index.agentNameRank[a]))
        case 2: return .text(snap.credentials[i].scopes.description)
        case 3: return .number(snap.credentials[i].issuedAt)
        case 4:
            // Active ones by time left, then the rest.
            if statusRank(snap.credentials[i], now: now) != 0 { return .number(.max) }
            return .number((snap.credentials[i].expiresAt ?? (.max - 1)) - now)
        default: return .number(Int64(statusRank(snap.credentials[i], now: now)))
        }
    }
}

enum CallText {
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
                + (c.reason ?? "") + " " + (c.result?.rawValue ?? "") + " " + (c.credentialID ?? "")).lowercased()
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
        case 4: return .text(c.reason ?? "")
        case 5: return .text(c.result?.rawValue ?? "")
        case 6: return .number(c.durationMs ?? -1)
        default: return .text(c.args ?? "")
        }
    }
}

enum FindingText {
    static func subjectName(_ f: Finding, _ snap: FleetSnapshot) -> String {
        switch f.subject {
        case .agent(let id): return snap.index.forest.agent(id)?.name ?? id
        case .credential(let id), .instance(let id), .store(let id): return id
        }
    }

    static func fixText(_ f: Finding, _ keys: KeyMap, readOnly: Bool) -> String {
        switch f.fix {
        case .revoke: return readOnly ? "revoke" : "\(keys.keyName(.revoke)) revoke"
        case .narrow: return readOnly ? "narrow" : "\(keys.keyName(.narrow)) narrow"
        case .investigate: return "\(keys.keyName(.open)) inspect"
        }
    }

    static func search(_ f: Finding, _ snap: FleetSnapshot) -> String {
        (f.severity.name + " " + f.kind.rawValue + " " + subjectName(f, snap) + " " + f.explanation).lowercased()
    }

    static func sortKey(_ f: Finding, column: Int) -> SortKey {
        switch column {
        case 0: return .number(Int64(f.severity.rawValue))
        case 1: return .text(f.kind.rawValue)
        case 2: return .text(f.subject.id)
        case 3: return .text(f.explanation)
        default: return .text(f.fix.rawValue)
        }
    }
}

enum AuditText {
    static func search(_ r: AuditRecord) -> String {
        (String(r.seq) + " " + r.operatorName + " " + r.action + " " + r.target + " " + (r.reason ?? "")).lowercased()
    }

    static func sortKey(_ r: AuditRecord, column: Int) -> SortKey {
        switch column {
        case 0, 1: return .number(r.seq)
        case 2: return .text(r.operatorName)
        case 3: return .text(r.action)
        case 4: return .text(r.target)
        default: return .text(r.reason ?? "")
        }
    }
}

/// Status glyphs and their roles.
enum Glyph {
    static func status(_ a: Agent, now: Timestamp) -> String {
        if !a.registered { return "?" }
        switch a.status(at: now) {
        case .active: return "●"
        case .revoked: return "✗"
        case .expired: return "⌛"
        }
    }
}

enum StatusStyle {
    static func role(_ a: Agent, now: Timestamp) -> Role {
        if !a.registered { return .unregistered }
        switch a.status(at: now) {
        case .active: return .active
        case .revoked: return .revoked
        case .expired: return .expired
        }
    }
}

/// "12s ago" style ages.
enum Ago {
    static func text(_ ms: Int64) -> String {
        // Within a second either way is "now": a call written just after the last clock tick
        // is a few milliseconds in the future, not "in 0s".
        if ms > -1000 && ms < 1000 { return "now" }
        if ms < 0 { return "in " + DurationText.compact(-ms) }
        return DurationText.compact(ms) + " ago"
    }
}
