/// A running process of an agent.
public struct Instance: Hashable, Sendable {
    public enum State: String, Sendable { case live, stale, stopped }
    /// A heartbeat newer than this keeps an instance live.
    public static let liveWindowMs: Int64 = 30_000

    public var id: String
    public var agentID: String
    public var host: String
    public var pid: Int64?
    public var startedAt: Timestamp
    public var lastHeartbeat: Timestamp
    public var stoppedAt: Timestamp?

    public init(id: String, agentID: String, host: String, pid: Int64?, startedAt: Timestamp,
                lastHeartbeat: Timestamp, stoppedAt: Timestamp? = nil) {
        self.id = id
        self.agentID = agentID
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
        self.lastHeartbeat = lastHeartbeat
        self.stoppedAt = stoppedAt
    }

    public func state(at now: Timestamp) -> State {
        if stoppedAt != nil { return .stopped }
        return now - lastHeartbeat <= Instance.liveWindowMs ? .live : .stale
    }
}
