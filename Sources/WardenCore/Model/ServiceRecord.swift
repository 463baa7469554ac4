/// A running (or once running) `warden serve`, as its heartbeat row in the store says: the
/// dashboard's header shows it. One row per host and listen address, so a restart on the same
/// address replaces the row rather than leaving a silent one behind.
public struct ServiceRecord: Hashable, Sendable {
    /// `HOST LISTEN` (the row's key).
    public var id: String
    public var host: String
    /// The address it listens on, as `--listen` resolved (`127.0.0.1:8443`).
    public var listen: String
    public var pid: Int64
    public var version: String
    public var startedAt: Timestamp
    public var lastHeartbeat: Timestamp
    /// MCP sessions open through its gateway at the last heartbeat.
    public var sessions: Int64
    /// Set on a graceful shutdown.
    public var stoppedAt: Timestamp?

    public init(host: String, listen: String, pid: Int64, version: String, startedAt: Timestamp,
                lastHeartbeat: Timestamp, sessions: Int64, stoppedAt: Timestamp? = nil) {
        self.id = host + " " + listen
        self.host = host
        self.listen = listen
        self.pid = pid
        self.version = version
        self.startedAt = startedAt
        self.lastHeartbeat = lastHeartbeat
        self.sessions = sessions
        self.stoppedAt = stoppedAt
    }

    /// The row as the store records it: every text within its limit (the key follows the cut).
    public func forRecording() -> ServiceRecord {
        var s = ServiceRecord(host: RecordLimits.clip(host, RecordLimits.host), listen: RecordLimits.clip(listen, 300),
                              pid: pid, version: RecordLimits.clip(version, 64), startedAt: startedAt,
                              lastHeartbeat: lastHeartbeat, sessions: max(0, sessions), stoppedAt: stoppedAt)
        s.id = s.host + " " + s.listen
        return s
    }

    /// A heartbeat older than this says the service is silent (it beats every few seconds).
    public static let staleAfterMs: Int64 = 30_000
}
