import WardenCore
import WardenStore

enum CallCommands {
    static func run(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: true)
        var agentID: String?
        if let text = inv.text("agent") { agentID = try Resolve.agent(text, in: store).id }
        let calls = try store.calls(CallQuery(agentID: agentID, deniedOnly: inv.has("denied"), limit: inv.count("limit") ?? 50))
        if ctx.json {
            ctx.emit(.array(calls.map(JSONModels.call)))
            return 0
        }
        if calls.isEmpty {
            ctx.note("no tool calls recorded\(inv.has("denied") ? " (denied only)" : "")")
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
        headers += ["DECISION", "TOOL", "REASON", "DURATION", "RESULT", "ARGS"]
        let shift = showAgent ? 1 : 0
        var t = Table(headers, rightAligned: [4 + shift], freeText: [6 + shift])
        for c in calls {
            var row = [UTC.rfc3339(c.at)]
            if showAgent { row.append(names[c.agentID] ?? c.agentID) }
            row += [c.decision.rawValue, "\(c.server)/\(c.tool)", c.reason ?? "",
                    c.durationMs.map { "\($0)ms" } ?? "", c.result?.rawValue ?? "", c.args.map { clip($0, clipArgs) } ?? ""]
            t.add(row)
        }
        return t
    }

    static func clip(_ s: String, _ n: Int?) -> String {
        guard let n else { return s }
        return s.count > n ? String(s.prefix(n - 1)) + "…" : s
    }
}
