import WardenCore
import WardenStore

enum RevokeCommands {
    static func revoke(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let dryRun = inv.has("dry-run")
        let store = try ctx.openStore(readOnly: dryRun)
        let text = inv.positional("ID")!
        // A gate's credential shares the tok_ form: it is revoked alone, never mistaken for an
        // agent's credential that the same text could also name.
        if let gate = try store.gateCredential(matching: text) {
            if (try? Resolve.reference(text, in: store)) != nil {
                throw StoreError.ambiguous(text, ["gate credential \(gate.id)", "an agent's credential, agent or principal"])
            }
            return try GateCommands.revokeCredential(gate, dryRun: dryRun, reason: inv.text("reason"), store, ctx)
        }
        let ref = try Resolve.reference(text, in: store)
        let m = ctx.mutation(reason: inv.text("reason"))
        switch ref {
        case .agent(let id):
            let name = try store.agent(id)?.name ?? id
            let subject = "agent \(TerminalText.safe(name)) (\(TerminalText.safe(id)))"
            let plan = try store.revocationPlan(ref, now: ctx.now)
            if dryRun { return preview(plan, verb: "revoke \(subject)", action: "revoke", ctx) }
            try Confirm.require(agents: plan.agents.count, what: "revoking \(subject)", inv, ctx)
            report(try store.revokeAgent(id, m), verb: "revoked \(subject)", action: "revoke", ctx)
        case .credential(let id):
            if dryRun {
                return preview(try store.revocationPlan(ref, now: ctx.now), verb: "revoke credential \(id)", action: "revoke", ctx)
            }
            report(try store.revokeCredential(id, m), verb: "revoked credential \(id)", action: "revoke", ctx)
        case .principal(let id):
            return try PrincipalCommands.disable(id, inv, ctx, store)
        }
        return 0
    }

    static func report(_ plan: RevocationPlan, verb: String, action: String, dryRun: Bool = false, _ ctx: Context) {
        if ctx.json {
            var object = JSONModels.plan(plan, action: action)
            if dryRun, case .object(var fields) = object {
                fields.append(("dry_run", .bool(true)))
                object = .object(fields)
            }
            ctx.emit(object)
            return
        }
        func count(_ n: Int, _ what: String) -> String { "\(n) \(what)\(n == 1 ? "" : "s")" }
        let done = dryRun ? "would be revoked" : "revoked"
        var summary = "\(verb): \(count(plan.agents.count, "agent")) and \(count(plan.credentials.count, "credential")) \(done)"
        if plan.liveInstances > 0 {
            summary += "; \(count(plan.liveInstances, "live instance")) \(dryRun ? "would lose" : "lose") authority on their next call"
        }
        ctx.line(summary)
        for a in plan.agents { ctx.line("  agent       \(TerminalText.safe(a))") }
        for c in plan.credentials { ctx.line("  credential  \(TerminalText.safe(c))") }
    }

    /// `--dry-run`: the plan with its blast radius; nothing is written.
    static func preview(_ plan: RevocationPlan, verb: String, action: String, _ ctx: Context) -> Int32 {
        report(plan, verb: "dry run: \(verb)", action: action, dryRun: true, ctx)
        if !ctx.json { ctx.note("dry run: nothing was changed") }
        return 0
    }

    static func narrow(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let dryRun = inv.has("dry-run")
        let store = try ctx.openStore(readOnly: dryRun)
        let agent = try Resolve.agent(inv.positional("AGENT")!, in: store)
        let change: Narrowing = inv.scopes("drop").map(Narrowing.drop) ?? .keep(inv.scopes("keep")!)
        let preview = try NarrowPreview.plan(agent, change, store: store, now: ctx.now)
        let subject = "\(TerminalText.safe(agent.name)) (\(TerminalText.safe(agent.id)))"
        if dryRun {
            NarrowPreview.print(preview, subject: subject, ctx)
            if !ctx.json { ctx.note("dry run: nothing was changed") }
            return 0
        }
        try Confirm.require(agents: preview.reach.agents.count, what: "narrowing \(subject)", inv, ctx)
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
        ctx.line("narrowed \(subject)")
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

/// What `narrow` would do, computed and printed in one place (`--dry-run`, and the size that
/// decides whether to ask). The store's own narrow plan can take over `plan` without changing
/// the commands that call it.
enum NarrowPreview {
    struct Plan {
        /// The store's own plan: the agent's grant and each descendant's, before and after.
        let narrowing: NarrowingPlan
        /// The agent and its active descendants, their credentials and live instances: what the
        /// change reaches.
        let reach: RevocationPlan
    }

    static func plan(_ agent: Agent, _ change: Narrowing, store: any FleetStore, now: Timestamp) throws -> Plan {
        let narrowing = try store.narrowingPlan(agentID: agent.id, change)
        let reach = try store.revocationPlan(.agent(agent.id), now: now)
        return Plan(narrowing: narrowing, reach: reach)
    }

    static func print(_ p: Plan, subject: String, _ ctx: Context) {
        let target = p.narrowing.target
        if ctx.json {
            ctx.emit(.object([
                ("dry_run", .bool(true)),
                ("agent_id", .string(target.agentID)),
                ("before", JSONModels.scopes(target.before)),
                ("after", JSONModels.scopes(target.after)),
                ("descendants", .array(p.narrowing.descendants.map {
                    .object([("agent_id", .string($0.agentID)), ("before", JSONModels.scopes($0.before)), ("after", JSONModels.scopes($0.after))])
                })),
                ("agents", .strings(p.reach.agents)),
                ("credentials", .strings(p.reach.credentials)),
                ("live_instances", .int(p.reach.liveInstances)),
            ]))
            return
        }
        func count(_ n: Int, _ what: String) -> String { "\(n) \(what)\(n == 1 ? "" : "s")" }
        ctx.line("dry run: narrow \(subject)")
        ctx.line("  before     \(target.before)")
        ctx.line("  after      \(target.after)")
        ctx.line("  reaches    \(count(p.reach.agents.count, "agent")) (it and its delegates), \(count(p.reach.credentials.count, "credential")), \(count(p.reach.liveInstances, "live instance"))")
        if !p.narrowing.descendants.isEmpty {
            ctx.line("would narrow with it: \(count(p.narrowing.descendants.count, "descendant"))")
            for d in p.narrowing.descendants {
                ctx.line("  \(TerminalText.safe(d.agentID))  \(d.before) → \(d.after)\(d.emptied ? "  (could do nothing)" : "")")
            }
        }
    }
}
