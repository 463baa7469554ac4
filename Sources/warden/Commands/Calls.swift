import WardenCore
import WardenStore

enum CallCommands {
    static func run(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: true)
        var agentID: String?
        if let text = inv.text("agent") { agentID = try Resolve.agent(text, in: store).id }
        let via = try viaFilter(inv)
        let calls = try store.calls(CallQuery(agentID: agentID, deniedOnly: inv.has("denied"), via: via, limit: inv.count("limit") ?? 50))
        if ctx.json {
            ctx.emit(.array(calls.map(JSONModels.call)))
            return 0
        }
        if calls.isEmpty {
            let only = [inv.has("denied") ? "denied" : nil, via.map { "via \($0.rawValue)" }].compactMap { $0 }
            ctx.note("no tool calls recorded\(only.isEmpty ? "" : " (\(only.joined(separator: ", ")) only)")")
            return 0
        }
        var names: [String: String] = [:]
        for a in try store.agents() { names[a.id] = a.name }
        ctx.out(table(calls, names: names, now: ctx.now, showAgent: agentID == nil, clipArgs: ctx.clip(60)).render(width: ctx.tableWidth))
        return 0
    }

    static func table(_ calls: [ToolCall], names: [String: String], now: Timestamp, showAgent: Bool, clipArgs: Int? = 60) -> Table {
        var headers = ["TIME"]
        if showAgent { headers.append("AGENT") }
        headers += ["VIA", "DECISION", "TOOL", "REASON", "DURATION", "RESULT", "ARGS"]
        let shift = showAgent ? 1 : 0
        var t = Table(headers, rightAligned: [5 + shift], freeText: [7 + shift])
        for c in calls {
            var row = [UTC.rfc3339(c.at)]
            if showAgent { row.append(names[c.agentID] ?? c.agentID) }
            row += [c.via?.rawValue ?? "-", c.decision.rawValue, "\(c.server)/\(c.tool)", c.reason ?? "",
                    c.durationMs.map { "\($0)ms" } ?? "", c.result?.rawValue ?? "", c.args.map { clip($0, clipArgs) } ?? ""]
            t.add(row)
        }
        return t
    }

    /// `--via PATH`: one of the recording paths.
    static func viaFilter(_ inv: Invocation) throws -> ToolCall.Via? {
        guard let text = inv.text("via") else { return nil }
        guard let via = ToolCall.Via(rawValue: text) else {
            let names = ToolCall.Via.allCases.map(\.rawValue)
            let hint = Suggest.closest(to: text, among: names).map { "; did you mean `\($0)`?" } ?? ""
            throw UsageError("--via: '\(Redact.argument(text))' is not one of \(names.joined(separator: ", "))\(hint)", command: inv.command)
        }
        return via
    }

    static func clip(_ s: String, _ n: Int?) -> String {
        guard let n else { return s }
        return s.count > n ? String(s.prefix(n - 1)) + "…" : s
    }
}
