import WardenCore
import WardenStore

enum AuthorizeCommand {
    static func run(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let secret = try SecretInput.read(inv, ctx).value
        let tool = inv.text("tool")!
        guard let split = Authorization.splitTool(tool) else {
            throw UsageError("--tool must be SERVER/TOOL, e.g. github/create_issue", command: inv.command)
        }
        // The call's arguments, recorded redacted (`Redaction`) like every recorded argument summary.
        var args: String?
        if let text = inv.text("args") {
            do { args = Redaction.summary(try JSONParser.parse(text)).text } catch {
                throw UsageError("--args must be JSON (the call's arguments): \(error.message) at column \(error.column)", command: inv.command)
            }
        }
        // Read-write only when the call is to be recorded; the decision and its record are one
        // attempt, retried together. A store that fails denies (`store_unavailable`, exit 3)
        // after `store_timeout`; the location itself is the command line's or the config's, and
        // an error there is a usage problem (exit 2).
        var recorded = false
        var record: ((any FleetStore, AuthorizationOutcome) throws(StoreError) -> Void)?
        if inv.has("record") {
            record = { (store, outcome) throws(StoreError) in
                guard let agentID = outcome.agentID else { return }
                var reason: String?
                if case .deny(let r) = outcome.decision { reason = r.rawValue }
                let call = ToolCall(at: ctx.now, agentID: agentID, instanceID: outcome.instanceID,
                                    credentialID: outcome.credentialID, server: String(split.server),
                                    tool: Authorization.recordableToolName(String(split.tool)),
                                    decision: outcome.decision.isAllowed ? .allow : .deny, reason: reason, args: args,
                                    via: .cli)
                try store.recordCalls([call])
                recorded = true
            }
        }
        let decided = FailClosed.decide(try ctx.storeBackend, secret: secret, serverTool: tool, ctx, record: record)
        let outcome = decided.outcome
        if let failure = decided.failure { ctx.note("warden: \(TerminalText.safe(failure)); denying") }
        if inv.has("record"), decided.store != nil, outcome.agentID == nil {
            ctx.note("warden: not recorded: the token matches no credential, so there is no agent to record the call under")
        }

        if ctx.json {
            var reason: JSONValue = .null
            if case .deny(let r) = outcome.decision { reason = .string(r.rawValue) }
            ctx.emit(.object([
                ("decision", .string(outcome.decision.isAllowed ? "allow" : "deny")),
                ("reason", reason),
                ("tool", .string(tool)),
                ("credential_id", .optString(outcome.credentialID)),
                ("agent_id", .optString(outcome.agentID)),
                ("instance_id", .optString(outcome.instanceID)),
                ("recorded", .bool(recorded)),
            ]))
        } else {
            ctx.line(outcome.decision.description)
        }
        return outcome.decision.isAllowed ? 0 : 3
    }
}
