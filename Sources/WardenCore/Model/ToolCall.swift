/// One attempt by an agent to use a tool.
public struct ToolCall: Hashable, Sendable {
    public enum Decision: String, Sendable { case allow, deny }
    public enum Result: String, Sendable { case ok, error }

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

    public init(seq: Int64 = 0, at: Timestamp, agentID: String, instanceID: String? = nil,
                credentialID: String? = nil, server: String, tool: String, decision: Decision,
                reason: String? = nil, durationMs: Int64? = nil, result: Result? = nil, args: String? = nil) {
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
    }

    /// Longest argument summary kept.
    public static let maxArgsLength = 200
}
