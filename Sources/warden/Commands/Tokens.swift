import WardenCore
import WardenStore

enum TokenCommands {
    static func issue(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        if let gate = inv.text("gate") { return try GateCommands.issue(inv, ctx, gate: gate) }
        guard let reference = inv.positional("AGENT") else { throw UsageError("give the AGENT to issue to, or --gate NAME") }
        let store = try ctx.openStore(readOnly: false)
        let agent = try Resolve.agent(reference, in: store)
        var instanceID: String?
        if let text = inv.text("instance") {
            let instances = try store.instances(agentID: agent.id)
            let matches = instances.filter { $0.id == text }.isEmpty ? instances.filter { $0.id.hasPrefix(text) } : instances.filter { $0.id == text }
            guard matches.count == 1 else {
                throw RuntimeError(matches.isEmpty
                    ? "\(TerminalText.safe(agent.name)) has no instance '\(TerminalText.safe(text))'"
                    : "'\(TerminalText.safe(text))' matches \(matches.count) instances of \(TerminalText.safe(agent.name)); type more of the ID")
            }
            instanceID = matches[0].id
        }
        let issued = try store.issueCredential(agentID: agent.id, ttlMs: inv.duration("ttl"), scopes: inv.scopes("scopes"),
                                               instanceID: instanceID, ctx.mutation())
        let c = issued.credential
        if ctx.json {
            ctx.emit(.object([
                ("id", .string(c.id)),
                ("agent_id", .string(c.agentID)),
                ("instance_id", .optString(c.instanceID)),
                ("scopes", JSONModels.scopes(c.scopes)),
                ("issued_at", .time(c.issuedAt)),
                ("expires_at", .time(c.expiresAt)),
                ("secret", .string(issued.secret)),
            ]))
            return 0
        }
        // The secret alone on stdout (so `TOKEN=$(warden token issue …)` works); the rest for people.
        ctx.line(issued.secret)
        ctx.note("issued \(c.id) to \(TerminalText.safe(agent.name)) (\(TerminalText.safe(agent.id))); scopes \(c.scopes); expires \(TimeText.full(c.expiresAt, now: ctx.now))")
        ctx.note("warden: the secret above is shown once and is not stored; it cannot be shown again (revoke \(c.id) and issue a new one if it is lost).")
        return 0
    }

    static func list(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: true)
        if let gate = inv.text("gate") {
            if inv.has("agent") { throw UsageError("give --agent or --gate, not both") }
            return try GateCommands.listCredentials(gate: gate, active: inv.has("active"), store, ctx)
        }
        var agentID: String?
        if let text = inv.text("agent") { agentID = try Resolve.agent(text, in: store).id }
        let fleet = try ScopedForest(store)
        var creds = try store.credentials(agentID: agentID)
        if inv.has("active") { creds = creds.filter { $0.status(at: ctx.now) == .active } }
        if ctx.json {
            ctx.emit(.array(creds.map { JSONModels.credential($0, effective: $0.scopes.intersection(fleet.effective(of: $0.agentID)), now: ctx.now) }))
            return 0
        }
        if creds.isEmpty {
            ctx.note("no credentials; issue one with `warden token issue AGENT`")
            return 0
        }
        var t = Table(["STATUS", "ID", "AGENT", "EFFECTIVE SCOPES", "ISSUED", "EXPIRES", "INSTANCE", "NOTE"], freeText: [2, 3])
        for c in creds {
            t.add([c.status(at: ctx.now).rawValue, c.id, fleet.label(c.agentID),
                   ScopeText.brief(c.scopes.intersection(fleet.effective(of: c.agentID)), width: ctx.clip(56)),
                   TimeText.relative(c.issuedAt, now: ctx.now), TimeText.expiry(c.expiresAt, now: ctx.now),
                   c.instanceID ?? "-", c.isStatic(policy: .standard) ? "static" : ""])
        }
        ctx.out(t.render(width: ctx.tableWidth))
        return 0
    }
}

extension TokenCommands {
    /// `token renew`: the agent's own exchange of its live credential; the secret comes from
    /// --token-env, --token-file or stdin, never argv.
    static func renew(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let secret = try SecretInput.read(inv, ctx).value
        let policy = try ctx.settings().policy
        let store = try ctx.openStore(readOnly: false)
        let renewed: RenewedCredential
        do {
            renewed = try store.renewCredential(secret: secret, scopes: inv.scopes("scopes"), ttlMs: inv.duration("ttl"),
                                                policy: policy, now: ctx.now, reason: inv.text("reason"))
        } catch .refused(let why) {
            // A refusal is a decision like `authorize`'s deny: exit 3.
            throw Exit(code: 3, message: TerminalText.safe(why))
        }
        let c = renewed.issued.credential
        if ctx.json {
            ctx.emit(.object([
                ("id", .string(c.id)),
                ("renewed_from", .string(renewed.renewedFrom)),
                ("agent_id", .string(c.agentID)),
                ("instance_id", .optString(c.instanceID)),
                ("scopes", JSONModels.scopes(c.scopes)),
                ("issued_at", .time(c.issuedAt)),
                ("expires_at", .time(c.expiresAt)),
                ("old_expires_at", .time(renewed.oldExpiresAt)),
                ("secret", .string(renewed.issued.secret)),
            ]))
            return 0
        }
        ctx.line(renewed.issued.secret)
        ctx.note("renewed \(renewed.renewedFrom) as \(c.id) (\(TerminalText.safe(c.agentID))); scopes \(c.scopes); expires \(TimeText.full(c.expiresAt, now: ctx.now)); \(renewed.renewedFrom) stops working \(TimeText.full(renewed.oldExpiresAt, now: ctx.now))")
        return 0
    }
}
