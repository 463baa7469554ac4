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
        // Read-write only when the call is to be recorded.
        let store = try ctx.openStore(readOnly: !inv.has("record"))
        let outcome = try store.authorize(secret: secret, serverTool: tool, now: ctx.now)

        var recorded = false
        if inv.has("record") {
            if let agentID = outcome.agentID {
                var reason: String?
                if case .deny(let r) = outcome.decision { reason = r.rawValue }
                let call = ToolCall(at: ctx.now, agentID: agentID, instanceID: outcome.instanceID,
                                    credentialID: outcome.credentialID, server: String(split.server),
                                    tool: Authorization.recordableToolName(String(split.tool)),
                                    decision: outcome.decision.isAllowed ? .allow : .deny, reason: reason, args: args)
                try store.recordCalls([call])
                recorded = true
            } else {
                ctx.note("warden: not recorded: the token matches no credential, so there is no agent to record the call under")
            }
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
