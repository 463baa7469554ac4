/// One attempt by an agent to use a tool.
public struct ToolCall: Hashable, Sendable {
    public enum Decision: String, Sendable { case allow, deny }
    public enum Result: String, Sendable { case ok, error }
    /// Which recording path stored the call: set by that path, never taken from the agent or
    /// its telemetry. Calls recorded before Warden kept it have none.
    public enum Via: String, Sendable, CaseIterable {
        /// `warden mcp-proxy` in front of a stdio server.
        case proxy
        /// `warden serve`'s Streamable HTTP gateway (`/mcp/NAME`).
        case gateway
        /// `warden ingest`: telemetry an agent runtime reported.
        case ingest
        /// `warden hook`: an agent runtime's own tool call, decided before it ran.
        case hook
        /// `warden authorize --record`.
        case cli
    }

    /// Store-assigned sequence (0 before it is stored).
    public var seq: Int64
    public var at: Timestamp
    public var agentID: String
    public var instanceID: String?
    public var credentialID: String?
    public var server: String
    public var tool: String
    public var decision: Decision
    /// The deny reason (or nil when allowed).
    public var reason: String?
    public var durationMs: Int64?
    public var result: Result?
    /// A truncated, secret-free summary of the arguments.
    public var args: String?
    public var via: Via?
    /// The gateway's MCP session (`Mcp-Session-Id`): not a secret, and not a credential.
    public var session: String?
    /// The MCP client as its `initialize` named itself (`clientInfo` name and version):
    /// untrusted text, capped by the store, sanitized before it reaches a terminal.
    public var client: String?

    public init(seq: Int64 = 0, at: Timestamp, agentID: String, instanceID: String? = nil,
                credentialID: String? = nil, server: String, tool: String, decision: Decision,
                reason: String? = nil, durationMs: Int64? = nil, result: Result? = nil, args: String? = nil,
                via: Via? = nil, session: String? = nil, client: String? = nil) {
        self.seq = seq
        self.at = at
        self.agentID = agentID
        self.instanceID = instanceID
        self.credentialID = credentialID
        self.server = server
        self.tool = tool
        self.decision = decision
        self.reason = reason
        self.durationMs = durationMs
        self.result = result
        self.args = args
        self.via = via
        self.session = session
        self.client = client
    }

    /// Longest argument summary kept.
    public static let maxArgsLength = 200
}
