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

    /// What is wrong with `name` as an instance's host (`--host`), or nil when it is fine: one
    /// word of at most 255 bytes, no spaces or control characters, so it reads as one column.
    public static func hostProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.utf8.count > 255 { return "must be at most 255 bytes" }
        for s in name.unicodeScalars where s.value < 0x21 || s.value == 0x7F || (0x80...0x9F).contains(s.value)
            || s.properties.isWhitespace || s.properties.generalCategory == .format {
            return "must be one word without spaces or control characters"
        }
        return nil
    }

    public func state(at now: Timestamp) -> State {
        if stoppedAt != nil { return .stopped }
        return now - lastHeartbeat <= Instance.liveWindowMs ? .live : .stale
    }
}
