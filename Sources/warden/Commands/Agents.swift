import WardenCore
import WardenStore

enum AgentCommands {
    static func register(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let name = inv.positional("NAME")!
        do { try Identity.validateAgentName(name) } catch {
            throw UsageError(TerminalText.safe(error.description), command: inv.command)
        }
        let store = try ctx.openStore(readOnly: false)
        let delegator = try Resolve.reference(inv.text("by")!, in: store)
        if case .credential = delegator {
            throw RuntimeError("--by must name a principal or an agent, not \(Resolve.describe(delegator))")
        }
        let agent = try store.registerAgent(name: name, delegator: delegator.id, scopes: inv.scopes("scopes")!,
                                            ttlMs: inv.duration("ttl"), ctx.mutation())
        if ctx.json {
            ctx.emit(JSONModels.agent(agent, effective: try store.effectiveScopes(of: agent.id), now: ctx.now))
            return 0
        }
        ctx.line(agent.id)
        ctx.note("registered \(TerminalText.safe(agent.name)), delegated by \(TerminalText.safe(agent.delegatorID)); scopes \(agent.grant); expires \(TimeText.full(agent.expiresAt, now: ctx.now))")
        return 0
    }

    static func list(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: true)
        let fleet = try ScopedForest(store)
        // Listed top-down (every delegator before its delegates), principal by principal.
        let order = fleet.forest.topDownOrder()
        let seen = Set(order)
        let all = order + fleet.forest.agents.indices.filter { !seen.contains($0) }
        if ctx.json {
            ctx.emit(.array(all.map { JSONModels.agent(fleet.forest.agents[$0], effective: fleet.effective[$0], now: ctx.now) }))
            return 0
        }
        if all.isEmpty {
            ctx.note("no agents; register one with `warden agent register NAME --by PRINCIPAL --scopes LIST`")
            return 0
        }
        // The ID carries the name and `agent show` the delegator's ID: NAME and DELEGATOR may be cut.
        var t = Table(["STATUS", "NAME", "ID", "DELEGATOR", "DEPTH", "EFFECTIVE SCOPES", "EXPIRES"], rightAligned: [4], freeText: [1, 3, 5])
        for i in all {
            let a = fleet.forest.agents[i]
            t.add([a.status(at: ctx.now).rawValue, a.name, a.id, fleet.label(a.delegatorID), String(a.depth),
                   ScopeText.brief(fleet.effective[i], width: ctx.clip(56)), TimeText.expiry(a.expiresAt, now: ctx.now)])
        }
        ctx.out(t.render(width: ctx.tableWidth))
        return 0
    }

    static func show(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: true)
        let agent = try Resolve.agent(inv.positional("ID")!, in: store)
        let chain = try store.chain(of: agent.id)  // the agent first, up to the top agent
        let principal = try store.principal(agent.principalID)
        let effective = try store.effectiveScopes(of: agent.id)
        let instances = try store.instances(agentID: agent.id)
        let credentials = try store.credentials(agentID: agent.id)
        let calls = try store.calls(CallQuery(agentID: agent.id, limit: inv.count("calls") ?? 10))
        let narrowedAway = agent.grant.members.filter { !ScopeSet([$0]).isCovered(by: effective) }

        if ctx.json {
            var fields = JSONModels.agentFields(agent, effective: effective, now: ctx.now)
            fields.append(("narrowed_away", .strings(narrowedAway.map(\.description))))
            fields.append(("principal", principal.map { JSONModels.principal($0) } ?? .null))
            fields.append(("chain", .array(chain.reversed().map {
                .object([("id", .string($0.id)), ("name", .string($0.name)), ("status", .string($0.status(at: ctx.now).rawValue)),
                         ("depth", .int($0.depth)), ("grant", JSONModels.scopes($0.grant))])
            })))
            fields.append(("instances", .array(instances.map { JSONModels.instance($0, now: ctx.now) })))
            fields.append(("credentials", .array(credentials.map {
                JSONModels.credential($0, effective: $0.scopes.intersection(effective), now: ctx.now)
            })))
            fields.append(("recent_calls", .array(calls.map(JSONModels.call))))
            ctx.emit(.object(fields))
            return 0
        }

        var head = Table(["", ""])
        head.headers = ["Agent", agent.name]
        head.add(["ID", agent.id])
        head.add(["Status", agent.status(at: ctx.now).rawValue + (agent.revokeReason.map { " (\($0))" } ?? "")])
        head.add(["Delegator", agent.delegatorID])
        head.add(["Depth", String(agent.depth)])
        head.add(["Created", TimeText.full(agent.createdAt, now: ctx.now)])
        head.add(["Expires", TimeText.full(agent.expiresAt, now: ctx.now)])
        if let r = agent.revokedAt { head.add(["Revoked", TimeText.full(r, now: ctx.now)]) }
        if !agent.registered { head.add(["Registered", "no (seen only in telemetry)"]) }
        head.add(["Grant", agent.grant.description])
        head.add(["Effective", effective.description])
        head.add(["Narrowed away", narrowedAway.isEmpty ? "nothing" : narrowedAway.map(\.description).joined(separator: ",") + "  (not held by a delegator above)"])
        ctx.out(head.render())

        ctx.line("")
        ctx.line("Chain of authority (from the principal down)")
        var chainTable = Table(["DEPTH", "STATUS", "NAME", "ID", "GRANT"], rightAligned: [0])
        if let p = principal {
            chainTable.add(["0", p.status.rawValue, p.name, p.id, p.scopes.description])
        } else {
            chainTable.add(["0", "missing", "", agent.principalID, ""])
        }
        for a in chain.reversed() {
            chainTable.add([String(a.depth), a.status(at: ctx.now).rawValue, a.name + (a.id == agent.id ? "  ◀" : ""), a.id, a.grant.description])
        }
        ctx.out(chainTable.render(indent: 2))

        ctx.line("")
        ctx.line("Instances (\(instances.count))")
        if !instances.isEmpty {
            var t = Table(["STATE", "ID", "HOST", "PID", "STARTED", "HEARTBEAT"], rightAligned: [3])
            for i in instances {
                t.add([i.state(at: ctx.now).rawValue, i.id, i.host, i.pid.map(String.init) ?? "-",
                       TimeText.relative(i.startedAt, now: ctx.now), TimeText.relative(i.lastHeartbeat, now: ctx.now)])
            }
            ctx.out(t.render(indent: 2))
        }

        ctx.line("")
        ctx.line("Credentials (\(credentials.count))")
        if !credentials.isEmpty {
            var t = Table(["STATUS", "ID", "EFFECTIVE SCOPES", "ISSUED", "EXPIRES", "INSTANCE", "NOTE"])
            for c in credentials {
                t.add([c.status(at: ctx.now).rawValue, c.id, c.scopes.intersection(effective).description,
                       TimeText.relative(c.issuedAt, now: ctx.now), TimeText.expiry(c.expiresAt, now: ctx.now),
                       c.instanceID ?? "-", c.isStatic(policy: .standard) ? "static" : ""])
            }
            ctx.out(t.render(indent: 2))
        }

        ctx.line("")
        ctx.line("Recent calls (\(calls.count), newest first)")
        if !calls.isEmpty {
            ctx.out(CallCommands.table(calls, names: [:], now: ctx.now, showAgent: false).render(indent: 2))
        }
        return 0
    }
}
