import Glibc
import WardenCore
import WardenMCP
import WardenStore

/// `warden hook claude-code` and `warden hook generic`: an agent runtime's per-tool-call hook.
/// The agent's own tools (a shell, file edits) are decided like `authorize` against the store
/// and recorded, so the same identity, scopes and kill switch govern them as its MCP calls.
/// Every path that does not reach an allow ends in a deny in the runtime's format.
enum HookCommand {
    static let defaultTimeoutMs: Int64 = 2_000
    /// The server name of Claude Code's built-in tools: `claude-code/Bash`.
    static let claudeCodeServer = "claude-code"
    /// The variable the credential is read from when no flag names one.
    static let tokenVariable = "WARDEN_TOKEN"
    /// The largest hook input read (a Write carries the whole file).
    static let maxInput = 64 << 20

    static let flags: [FlagSpec] = [
        FlagSpec("timeout", .duration, "DUR", "deny when no decision is reached within this time (default 2s)"),
    ]
    static let claudeCodeFlags = flags + [
        FlagSpec(bool: "mcp", "also decide MCP tools (mcp__SERVER__TOOL as SERVER/TOOL); by default they are left to mcp-proxy"),
    ]

    /// A refusal on the way to a decision, with its reason code for the answer.
    struct Refusal: Error {
        let code: String
        let detail: String
    }

    // MARK: Claude Code

    static func claudeCode(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let timeout = inv.duration("timeout") ?? defaultTimeoutMs
        var answer = HookAnswer(format: .claudePreToolUse)
        answer.arm(timeoutMs: timeout)
        do {
            let event = try ClaudeCodeEvent(try readInput())
            if event.kind != .pre { answer.switchFormat(.claudePostToolUse, timeoutMs: timeout) }
            guard let serverTool = try event.serverTool(mcp: inv.has("mcp")) else { return answer.allow() }
            let secret = try credential(inv, ctx)
            let outcome: AuthorizationOutcome
            switch event.kind {
            case .pre:
                let args = ArgumentSummary.make(event.toolInput, secret: secret)
                outcome = try decide(secret: secret, serverTool: serverTool, ctx) { (store, outcome) throws(StoreError) in
                    guard let agentID = outcome.agentID else { return }
                    _ = try store.recordCall(toolCall(outcome, agentID: agentID, serverTool: serverTool, args: args, ctx), key: event.key)
                }
                if case .deny(let r) = outcome.decision { return answer.deny(denial(r, serverTool)) }
                return answer.allow()
            case .post(let result):
                outcome = try decide(secret: secret, serverTool: serverTool, ctx) { (store, outcome) throws(StoreError) in
                    guard let credentialID = outcome.credentialID else { return }
                    _ = try store.recordOutcome(key: event.key, credentialID: credentialID, result: result, at: ctx.now)
                }
                guard outcome.credentialID != nil else { return answer.deny(denial(.unknownCredential, serverTool)) }
                // The tool already ran; a credential revoked meanwhile is put before the model.
                if case .deny(let r) = outcome.decision { return answer.deny(denial(r, serverTool)) }
                return answer.allow()
            }
        } catch let refusal as Refusal {
            return answer.deny(HookAnswer.reason(refusal.code, refusal.detail))
        } catch {
            return answer.deny(HookAnswer.reason("hook_failure", String(describing: error)))
        }
    }

    // MARK: Generic

    static func generic(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let timeout = inv.duration("timeout") ?? defaultTimeoutMs
        let answer = HookAnswer(format: .generic)
        answer.arm(timeoutMs: timeout)
        do {
            let input = try readInput()
            guard case .object = input else { throw Refusal(code: "malformed_request", detail: "the input must be a JSON object, not \(input.typeName)") }
            guard let serverTool = input["agent_tool"]?.string, Authorization.splitTool(serverTool) != nil else {
                throw Refusal(code: "malformed_request", detail: "agent_tool must be a string SERVER/TOOL")
            }
            let arguments = input["arguments"]
            if let arguments, arguments.object == nil, !arguments.isNull {
                throw Refusal(code: "malformed_request", detail: "arguments must be an object")
            }
            let secret = try credential(inv, ctx)
            let args = ArgumentSummary.make(arguments, secret: secret)
            let outcome = try decide(secret: secret, serverTool: serverTool, ctx) { (store, outcome) throws(StoreError) in
                guard let agentID = outcome.agentID else { return }
                try store.recordCalls([toolCall(outcome, agentID: agentID, serverTool: serverTool, args: args, ctx)])
            }
            if case .deny(let r) = outcome.decision { return answer.deny(denial(r, serverTool)) }
            return answer.allow()
        } catch let refusal as Refusal {
            return answer.deny(HookAnswer.reason(refusal.code, refusal.detail))
        } catch {
            return answer.deny(HookAnswer.reason("hook_failure", String(describing: error)))
        }
    }

    /// A command line the parser refused still gets a deny in the runtime's format (a mistyped
    /// flag in the runtime's settings must not let every call through); nil for other commands.
    static func answerUsageError(_ args: [String], _ message: String) -> Int32? {
        guard let i = args.firstIndex(of: "hook"), i + 1 < args.count else { return nil }
        let format: HookAnswer.Format
        switch args[i + 1] {
        case "claude-code": format = .claudePreToolUse
        case "generic": format = .generic
        default: return nil
        }
        Stdio.error("warden: \(message)\n")
        return HookAnswer(format: format).deny(HookAnswer.reason("hook_misconfigured", message))
    }

    // MARK: Steps shared by both runtimes

    /// The whole of stdin as one strict JSON document.
    static func readInput() throws -> JSONValue {
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw Refusal(code: "malformed_request", detail: "cannot read the hook input: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            bytes += buf[0..<n]
            if bytes.count > maxInput { throw Refusal(code: "malformed_request", detail: "the hook input is over \(maxInput >> 20) MB") }
        }
        do { return try JSONParser.parse(bytes: bytes) } catch {
            throw Refusal(code: "malformed_request", detail: "the hook input is not one valid JSON document: \(error)")
        }
    }

    /// The credential secret, by the same code path as `authorize` (WARDEN_TOKEN by default).
    static func credential(_ inv: Invocation, _ ctx: Context) throws -> String {
        if inv.has("token-env") && inv.has("token-file") {
            throw Refusal(code: "hook_misconfigured", detail: "give --token-env or --token-file, not both")
        }
        do { return try SecretInput.read(inv, ctx).value } catch let e as UsageError {
            let detail = inv.has("token-env") || inv.has("token-file") ? e.message
                : "no credential: \(tokenVariable) is not set (or pass --token-env VAR / --token-file PATH)"
            throw Refusal(code: "missing_credential", detail: detail)
        }
    }

    /// Opens the store, decides and records (`record`, in the same attempt), waiting out a
    /// failing store for at most `store_timeout` (`FailClosed`); a store that does not answer,
    /// or a call that could not be recorded, is a `store_unavailable` refusal.
    static func decide(secret: String, serverTool: String, _ ctx: Context,
                       record: @escaping (any FleetStore, AuthorizationOutcome) throws(StoreError) -> Void) throws -> AuthorizationOutcome {
        let unavailable = Authorization.Reason.storeUnavailable.rawValue
        let backend: any StoreBackend
        do { backend = try ctx.storeBackend } catch {
            throw Refusal(code: unavailable, detail: String(describing: error))
        }
        let decided = FailClosed.decide(backend, secret: secret, serverTool: serverTool, ctx, record: record)
        guard decided.store != nil else { throw Refusal(code: unavailable, detail: decided.failure ?? "the store did not answer") }
        return decided.outcome
    }

    static func toolCall(_ outcome: AuthorizationOutcome, agentID: String, serverTool: String, args: String?, _ ctx: Context) -> ToolCall {
        let split = Authorization.splitTool(serverTool)!
        var reason: String?
        if case .deny(let r) = outcome.decision { reason = r.rawValue }
        return ToolCall(at: ctx.now, agentID: agentID, instanceID: outcome.instanceID, credentialID: outcome.credentialID,
                        server: String(split.server), tool: Authorization.recordableToolName(String(split.tool)),
                        decision: outcome.decision.isAllowed ? .allow : .deny, reason: reason, args: args, via: .hook)
    }

    static func denial(_ reason: Authorization.Reason, _ serverTool: String) -> String {
        HookAnswer.reason(reason.rawValue, "\(serverTool): \(explanation(reason))")
    }

    static func explanation(_ reason: Authorization.Reason) -> String {
        switch reason {
        case .storeUnavailable: return "the store did not answer within store_timeout; nothing is allowed until it does"
        case .unknownCredential: return "the credential matches none in the store"
        case .malformedRequest: return "the tool name is outside the rule (1-128 characters of A-Z a-z 0-9 _ . -)"
        case .credentialRevoked: return "the credential was revoked"
        case .agentRevoked: return "this agent was revoked"
        case .ancestorRevoked: return "an agent this one was delegated from was revoked"
        case .principalDisabled: return "the principal at the root of this agent's authority was disabled"
        case .credentialExpired: return "the credential expired"
        case .agentExpired: return "this agent expired"
        case .ancestorExpired: return "an agent this one was delegated from expired"
        case .outOfScope: return "not in this agent's scopes; ask its operator"
        case .toolUnapproved: return "this tool's current definition is not approved (`warden tools show` says why; an operator approves it with `warden tools approve`)"
        }
    }
}

/// One Claude Code hook input, as its hooks reference documents it.
struct ClaudeCodeEvent {
    enum Kind: Equatable {
        case pre
        case post(ToolCall.Result)
    }

    let kind: Kind
    let toolName: String
    let toolInput: JSONValue?
    let key: CallKey

    init(_ input: JSONValue) throws {
        typealias Refusal = HookCommand.Refusal
        guard case .object = input else {
            throw Refusal(code: "malformed_request", detail: "the hook input must be a JSON object, not \(input.typeName)")
        }
        func text(_ field: String) throws -> String {
            guard let s = input[field]?.string, !s.isEmpty else {
                throw Refusal(code: "malformed_request", detail: "the hook input has no \(field) (a non-empty string)")
            }
            return s
        }
        switch try text("hook_event_name") {
        case "PreToolUse": kind = .pre
        case "PostToolUse": kind = .post(Self.failed(input["tool_response"]) ? .error : .ok)
        case "PostToolUseFailure": kind = .post(.error)
        case let other:
            throw Refusal(code: "malformed_request", detail: "unknown hook event '\(other)' (PreToolUse, PostToolUse, PostToolUseFailure)")
        }
        toolName = try text("tool_name")
        toolInput = input["tool_input"]
        if let t = toolInput, t.object == nil {
            throw Refusal(code: "malformed_request", detail: "tool_input must be an object, not \(t.typeName)")
        }
        key = CallKey(session: try text("session_id"), toolUse: try text("tool_use_id"))
    }

    /// A response that says it failed: an MCP result's `isError`, or `is_error` / `success: false`.
    static func failed(_ response: JSONValue?) -> Bool {
        guard let r = response else { return false }
        return r["isError"]?.bool == true || r["is_error"]?.bool == true || r["success"]?.bool == false
    }

    /// `SERVER/TOOL` to decide, or nil for an MCP tool left to mcp-proxy (without `--mcp`).
    func serverTool(mcp: Bool) throws -> String? {
        guard toolName.hasPrefix("mcp__") else { return "\(HookCommand.claudeCodeServer)/\(toolName)" }
        guard mcp else { return nil }
        let rest = toolName.dropFirst("mcp__".count)
        guard let sep = rest.firstRange(of: "__"), !rest[..<sep.lowerBound].isEmpty, !rest[sep.upperBound...].isEmpty,
              !rest[..<sep.lowerBound].contains("/") else {
            throw HookCommand.Refusal(code: "malformed_request", detail: "MCP tool name '\(toolName)' is not mcp__SERVER__TOOL")
        }
        return "\(rest[..<sep.lowerBound])/\(rest[sep.upperBound...])"
    }
}
