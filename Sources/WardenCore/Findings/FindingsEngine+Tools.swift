// Tool pinning's findings (issue 16). Their cost follows the number of pinned tools, never the
// number of calls: each pin's status is a look at its decisions, and each current definition is
// scanned once.
extension FindingsEngine {
    /// `tool_drift` (high): the current definition is outside the approved set, so calls are
    /// denied until an operator decides. `tool_pending` (medium): never approved in any form.
    /// `suspicious_tool`: `ToolSignals` matched in the current definition; high while that
    /// definition is approved (models read it now), medium while it is quarantined (pending or
    /// changed: the reviewer should read it first). Rejected and gone tools reach no model and
    /// raise nothing.
    static func toolFindings(_ pins: [ToolPin], definitions: [String: String]) -> [Finding] {
        if pins.isEmpty { return [] }
        var listed: [String: Set<String>] = [:]
        for p in pins where p.goneAt == nil { listed[p.server, default: []].insert(p.tool) }
        let everyName = listed.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        // A name this server lists too is taken as its own tool, not another server's.
        var othersOf: [String: Set<String>] = [:]
        for (server, own) in listed { othersOf[server] = everyName.subtracting(own) }

        var out: [Finding] = []
        for p in pins {
            let status = p.status
            switch status {
            case .changed:
                let approval = p.decisions.last { $0.verdict == .approved }
                let since = approval.map { " by \($0.by) (\(UTC.rfc3339($0.at)))" } ?? ""
                out.append(Finding(kind: .toolDrift, severity: .high, subject: .tool(p.name),
                                   explanation: "\(p.name) changed on \(UTC.rfc3339(p.changedAt)) from the definition approved\(since); its calls are denied tool_unapproved until an operator reads the diff and runs `warden tools approve \(p.name) --hash \(p.hash.prefix(12))` or `warden tools reject \(p.name) --reason …`",
                                   fix: .investigate, agentID: nil, command: ["tools", "diff", p.name]))
            case .pending:
                out.append(Finding(kind: .toolPending, severity: .medium, subject: .tool(p.name),
                                   explanation: "\(p.name) is waiting for review since \(UTC.rfc3339(p.changedAt)); its calls are denied tool_unapproved until an operator reads it and runs `warden tools approve \(p.name) --hash \(p.hash.prefix(12))`",
                                   fix: .investigate, agentID: nil, command: ["tools", "show", p.name]))
            case .approved, .rejected, .gone:
                break
            }
            guard status == .approved || status == .pending || status == .changed,
                  let text = definitions[p.hash], let definition = ToolDefinition(canonical: text) else { continue }
            let signals = ToolSignals.scan(definition.object, otherTools: othersOf[p.server] ?? [])
            guard let first = signals.first else { continue }
            let approved = status == .approved
            let count = signals.count == 1 ? "a poisoning sign" : "\(signals.count) poisoning signs"
            out.append(Finding(kind: .suspiciousTool, severity: approved ? .high : .medium, subject: .tool(p.name),
                               explanation: "\(p.name)'s \(approved ? "approved" : status.rawValue) definition has \(count) (a heuristic): \(first.kind.rawValue) at \(first.path): \"\(first.matched)\"",
                               fix: .investigate, agentID: nil, command: ["tools", "show", p.name],
                               evidence: signals.map { "\($0.kind.rawValue) at \($0.path): \"\($0.matched)\"" }))
        }
        return out
    }
}
