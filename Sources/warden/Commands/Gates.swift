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
        ctx.note("warden: the secret above is shown once and is not stored; it cannot be shown again (revoke the gate and add a new one, or issue another, if it is lost).")
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
            ("credentials", .array(credentials.map { c in
                .object([("id", .string(c.id)), ("status", .string(status(c, now: now))), ("issued_at", .time(c.issuedAt)),
                         ("expires_at", .time(c.expiresAt))])
            })),
        ])
    }
}
