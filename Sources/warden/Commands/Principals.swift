import WardenCore
import WardenStore

enum PrincipalCommands {
    static func add(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let id = inv.positional("ID")!
        do { try Identity.validatePrincipalID(id) } catch {
            throw UsageError(TerminalText.safe(error.description), command: inv.command)
        }
        let kind: Principal.Kind
        if let k = inv.text("kind") {
            guard let parsed = Principal.Kind(rawValue: k) else {
                throw UsageError("--kind must be human or workload", command: inv.command)
            }
            kind = parsed
        } else if let implied = Principal.impliedKind(of: id) {
            kind = implied
        } else {
            throw UsageError("--kind human|workload is needed when the ID does not start with user: or workload:", command: inv.command)
        }
        let store = try ctx.openStore(readOnly: false)
        let p = try store.addPrincipal(id: id, kind: kind, name: inv.text("name") ?? id,
                                       scopes: inv.scopes("scopes") ?? .everything, ctx.mutation())
        if ctx.json {
            ctx.emit(JSONModels.principal(p))
        } else {
            ctx.line("added \(p.kind.rawValue) principal \(TerminalText.safe(p.id)) (scopes \(p.scopes))")
        }
        return 0
    }

    static func disable(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: inv.has("dry-run"))
        let ref = try Resolve.reference(inv.positional("ID")!, in: store)
        guard case .principal(let id) = ref else {
            throw RuntimeError("\(Resolve.describe(ref)) is not a principal; use `warden revoke` for agents and credentials")
        }
        return try disable(id, inv, ctx, store)
    }

    /// Disables a principal (also `warden revoke PRINCIPAL`): `--dry-run` shows the plan; a tree
    /// over the confirmation threshold needs a yes.
    static func disable(_ id: String, _ inv: Invocation, _ ctx: Context, _ store: any FleetStore) throws -> Int32 {
        let subject = "principal \(TerminalText.safe(id))"
        let plan = try store.revocationPlan(.principal(id), now: ctx.now)
        if inv.has("dry-run") { return RevokeCommands.preview(plan, verb: "disable \(subject)", action: "disable", ctx) }
        try Confirm.require(agents: plan.agents.count, what: "disabling \(subject)", inv, ctx)
        let done = try store.disablePrincipal(id, ctx.mutation(reason: inv.text("reason")))
        RevokeCommands.report(done, verb: "disabled \(subject)", action: "disable", ctx)
        return 0
    }

    static func list(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: true)
        let principals = try store.principals()
        var counts: [String: Int] = [:]
        for a in try store.agents() { counts[a.principalID, default: 0] += 1 }
        if ctx.json {
            ctx.emit(.array(principals.map { JSONModels.principal($0, agents: counts[$0.id] ?? 0) }))
            return 0
        }
        if principals.isEmpty {
            ctx.note("no principals; add one with `warden principal add user:NAME@DOMAIN`")
            return 0
        }
        var t = Table(["STATUS", "ID", "KIND", "NAME", "AGENTS", "SCOPES", "CREATED"], rightAligned: [4], freeText: [3, 5])
        for p in principals {
            t.add([p.status.rawValue, p.id, p.kind.rawValue, p.name, String(counts[p.id] ?? 0),
                   p.scopes.description, TimeText.relative(p.createdAt, now: ctx.now)])
        }
        ctx.out(t.render(width: ctx.tableWidth))
        return 0
    }
}
