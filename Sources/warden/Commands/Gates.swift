import WardenCore
import WardenStore

/// `warden gate …`: identities of third-party gateways that ask Warden for decisions (AuthZEN
/// at `warden serve`'s /access/v1/evaluation) and may do nothing else.
enum GateCommands {
    static func add(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: false)
        let gate = try store.addGate(name: inv.positional("NAME")!, ctx.mutation(reason: inv.text("reason")))
        if ctx.json {
            ctx.emit(json(gate, credentials: [], now: ctx.now))
            return 0
        }
        ctx.line(TerminalText.safe(gate.name))
        ctx.note("added gate \(TerminalText.safe(gate.name)); issue its credential with `warden token issue --gate \(TerminalText.safe(gate.name))`")
        return 0
    }

    static func list(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: true)
        let gates = try store.gates()
        let creds = Dictionary(grouping: try store.gateCredentials(gate: nil), by: \.gate)
        if ctx.json {
            ctx.emit(.array(gates.map { json($0, credentials: creds[$0.name] ?? [], now: ctx.now) }))
            return 0
        }
        if gates.isEmpty {
            ctx.note("no gates; add one with `warden gate add NAME`")
            return 0
        }
        var t = Table(["STATUS", "NAME", "CREATED", "CREDENTIALS", "EXPIRES"], freeText: [1])
        for g in gates {
            let live = (creds[g.name] ?? []).filter { status($0, now: ctx.now) == "active" }
            let next = live.compactMap(\.expiresAt).max()
            t.add([g.isRevoked ? "revoked" : "active", g.name, TimeText.relative(g.createdAt, now: ctx.now),
                   "\(live.count) active", next.map { TimeText.expiry($0, now: ctx.now) } ?? "-"])
        }
        ctx.out(t.render(width: ctx.tableWidth))
        return 0
    }

    static func revoke(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: false)
        let gate = try store.revokeGate(name: inv.positional("NAME")!, ctx.mutation(reason: inv.text("reason")))
        let creds = try store.gateCredentials(gate: gate.name)
        if ctx.json {
            ctx.emit(json(gate, credentials: creds, now: ctx.now))
            return 0
        }
        ctx.line("revoked gate \(TerminalText.safe(gate.name)) and its \(creds.count) credential\(creds.count == 1 ? "" : "s")")
        return 0
    }

    /// `revoke ID` of a gate's credential: that one alone (rotation), the gate and its other
    /// credentials stand.
    static func revokeCredential(_ c: GateCredential, dryRun: Bool, reason: String?, _ store: any FleetStore, _ ctx: Context) throws -> Int32 {
        let subject = "credential \(c.id) of gate \(TerminalText.safe(c.gate))"
        if dryRun {
            if let at = c.revokedAt { throw StoreError.refused("gate \(subject) was already revoked at \(UTC.rfc3339(at)); revocation is final") }
            if ctx.json {
                ctx.emit(.object([("action", .string("gate.credential.revoke")), ("dry_run", .bool(true)), ("credential", credentialJSON(c, now: ctx.now))]))
                return 0
            }
            ctx.line("dry run: revoke gate \(subject): it stops authenticating at /access/v1; the gate and its other credentials stand")
            ctx.note("dry run: nothing was changed")
            return 0
        }
        let revoked = try store.revokeGateCredential(id: c.id, ctx.mutation(reason: reason))
        if ctx.json {
            ctx.emit(.object([("action", .string("gate.credential.revoke")), ("credential", credentialJSON(revoked, now: ctx.now))]))
            return 0
        }
        ctx.line("revoked gate \(subject); the gate and its other credentials stand")
        return 0
    }

    /// `token ls --gate NAME`: the gate's credentials (never secrets).
    static func listCredentials(gate name: String, active: Bool, _ store: any FleetStore, _ ctx: Context) throws -> Int32 {
        guard try store.gates().contains(where: { $0.name == name }) else { throw StoreError.notFound("no gate '\(name)'") }
        var creds = try store.gateCredentials(gate: name)
        if active { creds = creds.filter { status($0, now: ctx.now) == "active" } }
        if ctx.json {
            ctx.emit(.array(creds.map { credentialJSON($0, now: ctx.now) }))
            return 0
        }
        if creds.isEmpty {
            ctx.note("gate \(TerminalText.safe(name)) holds no credentials\(active ? " that stand" : ""); issue one with `warden token issue --gate \(TerminalText.safe(name))`")
            return 0
        }
        var t = Table(["STATUS", "ID", "GATE", "ISSUED", "EXPIRES"], freeText: [2])
        for c in creds {
            t.add([status(c, now: ctx.now), c.id, c.gate, TimeText.relative(c.issuedAt, now: ctx.now), TimeText.expiry(c.expiresAt, now: ctx.now)])
        }
        ctx.out(t.render(width: ctx.tableWidth))
        return 0
    }

    /// `token issue --gate NAME`: the gate's secret, shown once.
    static func issue(_ inv: Invocation, _ ctx: Context, gate name: String) throws -> Int32 {
        for flag in ["scopes", "instance"] where inv.has(flag) {
            throw UsageError("--\(flag) does not apply to --gate: a gate holds no scopes; it only asks for decisions")
        }
        if inv.positional("AGENT") != nil { throw UsageError("give an AGENT or --gate NAME, not both") }
        let store = try ctx.openStore(readOnly: false)
        let issued = try store.issueGateCredential(gate: name, ttlMs: inv.duration("ttl"), ctx.mutation())
        let c = issued.credential
        if ctx.json {
            ctx.emit(.object([("id", .string(c.id)), ("gate", .string(c.gate)), ("issued_at", .time(c.issuedAt)),
                              ("expires_at", .time(c.expiresAt)), ("secret", .string(issued.secret))]))
            return 0
        }
        ctx.line(issued.secret)
        ctx.note("issued \(c.id) to gate \(TerminalText.safe(c.gate)); expires \(TimeText.full(c.expiresAt, now: ctx.now)); it may only ask `warden serve` for decisions (POST /access/v1/evaluation)")
        ctx.note("warden: the secret above is shown once and is not stored; it cannot be shown again (if it is lost or exposed, issue another and revoke this one: `warden revoke \(c.id)`).")
        return 0
    }

    static func status(_ c: GateCredential, now: Timestamp) -> String {
        c.revokedAt != nil ? "revoked" : c.isExpired(at: now) ? "expired" : "active"
    }

    static func json(_ g: Gate, credentials: [GateCredential], now: Timestamp) -> JSONValue {
        .object([
            ("name", .string(g.name)),
            ("status", .string(g.isRevoked ? "revoked" : "active")),
            ("created_at", .time(g.createdAt)),
            ("revoked_at", .time(g.revokedAt)),
            ("revoke_reason", .optString(g.revokeReason)),
            ("credentials", .array(credentials.map { credentialJSON($0, now: now) })),
        ])
    }

    static func credentialJSON(_ c: GateCredential, now: Timestamp) -> JSONValue {
        .object([("id", .string(c.id)), ("gate", .string(c.gate)), ("status", .string(status(c, now: now))),
                 ("issued_at", .time(c.issuedAt)), ("expires_at", .time(c.expiresAt)), ("revoked_at", .time(c.revokedAt))])
    }
}
