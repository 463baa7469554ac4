import WardenCore
import WardenStore

/// `warden tools approve|reject|policy`: the operator's decisions, each journaled by the store
/// (who, when, which hash, why).
enum ToolsDecideCommands {
    static func approve(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        try decide(.approved, inv, ctx)
    }

    static func reject(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        try decide(.rejected, inv, ctx)
    }

    /// Bound to a hash: `--hash` names the definition the operator reviewed (by default the
    /// current one). Approving a definition with poisoning signals, or rejecting the approved
    /// definition agents call now, asks first (`--yes` for a script).
    static func decide(_ verdict: ToolDecision.Verdict, _ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: false)
        let pin = try ToolsResolve.pin(inv.positional("SERVER/TOOL")!, inv, in: store)
        let target = try ToolsResolve.hash("hash", inv, of: pin) ?? pin.hash
        let name = TerminalText.safe(pin.name)
        if verdict == .approved {
            let definition = try store.toolDefinition(hash: target).flatMap { ToolDefinition(canonical: $0) }
            let signals = try definition.map { try ToolsResolve.signals($0, server: pin.server, in: store) } ?? []
            if let first = signals.first {
                try Confirm.require("\(name) definition \(target.prefix(12)) has \(plural(signals.count, "poisoning signal")) (first: \(first.kind.rawValue) at \(TerminalText.safe(first.path)); `warden tools show \(name)` lists them)", inv)
            }
        } else if pin.status == .approved, target == pin.hash {
            try Confirm.require("\(name) is approved and listed now: rejecting it denies its calls from now on", inv)
        }
        let m = ctx.mutation(reason: inv.text("reason"))
        let after = verdict == .approved
            ? try store.approveTool(server: pin.server, tool: pin.tool, hash: target, m)
            : try store.rejectTool(server: pin.server, tool: pin.tool, hash: target, m)
        if ctx.json {
            ctx.emit(.object([("action", .string(verdict == .approved ? "approve" : "reject")), ("hash", .string(target)),
                              ("status_before", .string(pin.status.rawValue))] + ToolsJSON.pinFields(after)))
            return 0
        }
        ctx.line("\(verdict.rawValue) \(name) definition \(target.prefix(12)) (status \(pin.status.rawValue) → \(after.status.rawValue))")
        if target != after.hash {
            ctx.note("the definition listed now is \(after.hash.prefix(12)), which is \(after.status.rawValue)")
        }
        return 0
    }

    static func policy(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let server = inv.text("server")
        guard let word = inv.positional("POLICY") else {
            let store = try ctx.openStore(readOnly: true)
            if let server { try ToolsResolve.requireServer(server, in: store) }
            return try showPolicies(store, server: server, ctx)
        }
        guard let policy = ToolPolicy(rawValue: word) else {
            let hint = Suggest.closest(to: word, among: ToolPolicy.allCases.map(\.rawValue) + ["unknown-servers"]).map { "; did you mean `\($0)`?" } ?? ""
            throw UsageError("'\(Redact.argument(word))' is not a policy (review or trust)\(hint)", command: inv.command)
        }
        let store = try ctx.openStore(readOnly: false)
        try store.setToolPolicy(policy, server: server, ctx.mutation(reason: inv.text("reason")))
        if ctx.json { return try showPolicies(store, server: server, ctx) }
        ctx.line(server.map { "server \(TerminalText.safe($0)): policy \(policy.rawValue)" } ?? "default policy: \(policy.rawValue)")
        if policy == .trust {
            ctx.note("trust approves a server's tools at its first sight only; a later change or a new tool still waits for review")
        }
        return 0
    }

    static func unknownServers(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let word = inv.positional("SETTING")!
        guard let setting = UnknownServerPolicy(rawValue: word) else {
            throw UsageError("'\(Redact.argument(word))' is not allow or deny", command: inv.command)
        }
        let store = try ctx.openStore(readOnly: false)
        try store.setUnknownServers(setting, ctx.mutation(reason: inv.text("reason")))
        if ctx.json { return try showPolicies(store, server: nil, ctx) }
        ctx.line(setting == .deny ? "unknown servers: deny (every tool of a server never seen listing its tools is denied tool_unapproved)"
                                  : "unknown servers: allow (a server never seen listing its tools is decided by identity and scope alone)")
        return 0
    }

    static func showPolicies(_ store: any FleetStore, server: String?, _ ctx: Context) throws -> Int32 {
        let policies = try store.toolPolicies()
        let servers = try store.toolServers().filter { server == nil || $0.name == server }
        var counts: [String: Int] = [:]
        for p in try store.toolPins(server: server) where p.goneAt == nil { counts[p.server, default: 0] += 1 }
        if ctx.json {
            ctx.emit(.object([
                ("default_policy", .string(policies.defaultPolicy.rawValue)),
                ("unknown_servers", .string(policies.unknownServers.rawValue)),
                ("servers", .array(servers.map { s in .object([
                    ("server", .string(s.name)), ("policy", .optString(s.policy?.rawValue)),
                    ("effective_policy", .string((s.policy ?? policies.defaultPolicy).rawValue)),
                    ("known", .bool(s.isKnown)), ("first_seen_at", .time(s.firstSeenAt)), ("tools", .int(counts[s.name] ?? 0)),
                ]) })),
            ]))
            return 0
        }
        ctx.line("default policy   \(policies.defaultPolicy.rawValue)")
        ctx.line("unknown servers  \(policies.unknownServers.rawValue)")
        if !servers.isEmpty {
            var t = Table(["SERVER", "POLICY", "FIRST SEEN", "TOOLS"], rightAligned: [3])
            for s in servers {
                t.add([s.name, s.policy?.rawValue ?? "\(policies.defaultPolicy.rawValue) (default)",
                       s.firstSeenAt.map { UTC.rfc3339($0) } ?? "not yet", String(counts[s.name] ?? 0)])
            }
            ctx.line("")
            ctx.out(t.render(width: ctx.tableWidth))
        }
        return 0
    }
}
