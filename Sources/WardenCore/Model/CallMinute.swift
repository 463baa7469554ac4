/// Calls by one agent in one minute.
public struct CallMinute: Equatable, Sendable {
    public let agentID: String
    /// Minute number since the epoch.
    public let minute: Int64
    public let calls: Int
    public let denied: Int
    public init(agentID: String, minute: Int64, calls: Int, denied: Int) {
        self.agentID = agentID
        self.minute = minute
        self.calls = calls
        self.denied = denied
    }
}
