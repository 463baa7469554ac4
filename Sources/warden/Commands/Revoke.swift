import WardenCore
import WardenStore

enum RevokeCommands {
    static func revoke(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: false)
        let ref = try Resolve.reference(inv.positional("ID")!, in: store)
        let m = ctx.mutation(reason: inv.text("reason"))
        switch ref {
        case .agent(let id):
            let name = try store.agent(id)?.name ?? id
            let plan = try store.revokeAgent(id, m)
            report(plan, verb: "revoked agent \(TerminalText.safe(name)) (\(TerminalText.safe(id)))", action: "revoke", ctx)
        case .credential(let id):
            let plan = try store.revokeCredential(id, m)
            report(plan, verb: "revoked credential \(id)", action: "revoke", ctx)
        case .principal(let id):
            let plan = try store.disablePrincipal(id, m)
            report(plan, verb: "disabled principal \(TerminalText.safe(id))", action: "disable", ctx)
        }
        return 0
    }

    static func report(_ plan: RevocationPlan, verb: String, action: String, _ ctx: Context) {
        if ctx.json {
            ctx.emit(JSONModels.plan(plan, action: action))
            return
        }
        func count(_ n: Int, _ what: String) -> String { "\(n) \(what)\(n == 1 ? "" : "s")" }
        var summary = "\(verb): \(count(plan.agents.count, "agent")) and \(count(plan.credentials.count, "credential")) revoked"
        if plan.liveInstances > 0 { summary += "; \(count(plan.liveInstances, "live instance")) lose authority on their next call" }
        ctx.line(summary)
        for a in plan.agents { ctx.line("  agent       \(TerminalText.safe(a))") }
        for c in plan.credentials { ctx.line("  credential  \(TerminalText.safe(c))") }
    }

    static func narrow(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: false)
        let agent = try Resolve.agent(inv.positional("AGENT")!, in: store)
        let change: Narrowing = inv.scopes("drop").map(Narrowing.drop) ?? .keep(inv.scopes("keep")!)
        let plan = try store.narrow(agentID: agent.id, change, ctx.mutation(reason: inv.text("reason")))
        let (before, after) = (plan.target.before, plan.target.after)
        let effective = try store.effectiveScopes(of: agent.id)
        if ctx.json {
            ctx.emit(.object([
                ("agent_id", .string(agent.id)),
                ("before", JSONModels.scopes(before)),
                ("after", JSONModels.scopes(after)),
                ("effective_scopes", JSONModels.scopes(effective)),
                ("descendants", .array(plan.descendants.map { d in .object([
                    ("agent_id", .string(d.agentID)), ("before", JSONModels.scopes(d.before)), ("after", JSONModels.scopes(d.after)),
                ]) })),
            ]))
            return 0
        }
        ctx.line("narrowed \(TerminalText.safe(agent.name)) (\(TerminalText.safe(agent.id)))")
        ctx.line("  before     \(before)")
        ctx.line("  after      \(after)")
        ctx.line("  effective  \(effective)")
        if !plan.descendants.isEmpty {
            ctx.line("narrowed with it: \(plan.descendants.count == 1 ? "1 descendant" : "\(plan.descendants.count) descendants")")
            for d in plan.descendants {
                ctx.line("  \(TerminalText.safe(d.agentID))  \(d.before) → \(d.after)\(d.emptied ? "  (can do nothing now)" : "")")
            }
        }
        return 0
    }
}
