import Glibc
import WardenSystem

/// The MCP sessions open through the gateway: each bound to the upstream and the agent that
/// opened it, so another credential cannot ride on a session id it learned. A session no
/// request has used for `idleNanos` (and none is under way on) is reaped: a client that never
/// ends its sessions would otherwise hold their processes and slots forever.
final class SessionTable: @unchecked Sendable {
    struct Session {
        var upstream: String
        var agentID: String
        /// The process behind a stdio upstream's session.
        var stdio: StdioSession?
        /// The gateway's instance for the agent on this upstream (nil when the credential is
        /// bound to an instance of its own): stopped when the agent's last session there ends.
        var instanceID: String?
        /// When a request last used it (the table's clock), and how many are under way.
        var lastUsed: UInt64 = 0
        var inFlight = 0
        /// The client as the `initialize` that opened the session named itself (untrusted text).
        var client: String?

        init(upstream: String, agentID: String, stdio: StdioSession? = nil, instanceID: String? = nil, client: String? = nil) {
            self.upstream = upstream
            self.agentID = agentID
            self.stdio = stdio
            self.instanceID = instanceID
            self.client = client
        }
    }

    enum Lookup: Equatable {
        case bound
        /// Unknown, or opened by another agent or for another upstream: 404, as for an ended session.
        case notFound
    }

    /// Whether a new session may open, and why not.
    enum Admission: Equatable {
        case open
        /// The service holds `limit` sessions: 503.
        case full
        /// This agent holds `perAgentLimit`: 429, so one credential (a client that never ends
        /// its sessions, or one that opens them on purpose) cannot lock every other agent out.
        case agentFull
    }

    private let lock = Lock()
    private var sessions: [String: Session] = [:]
    private var perAgent: [String: Int] = [:]
    let limit: Int
    let perAgentLimit: Int
    let idleNanos: UInt64
    private let now: @Sendable () -> UInt64

    init(limit: Int, perAgentLimit: Int, idleNanos: UInt64 = 30 * 60 * 1_000_000_000,
         now: @escaping @Sendable () -> UInt64 = MonotonicClock.nanos) {
        self.limit = limit
        self.perAgentLimit = perAgentLimit
        self.idleNanos = idleNanos
        self.now = now
    }

    func admits(agentID: String) -> Admission {
        lock.lock()
        defer { lock.unlock() }
        if perAgent[agentID, default: 0] >= perAgentLimit { return .agentFull }
        return sessions.count >= limit ? .full : .open
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return sessions.count
    }

    func check(_ id: String, upstream: String, agentID: String) -> Lookup {
        lock.lock()
        defer { lock.unlock() }
        guard let s = sessions[id], s.upstream == upstream, s.agentID == agentID else { return .notFound }
        sessions[id]?.lastUsed = now()
        return .bound
    }

    /// A request on the session begins (after `check`): it is not idle until every one ended.
    func begin(_ id: String) {
        lock.lock()
        defer { lock.unlock() }
        sessions[id]?.inFlight += 1
    }

    /// A request on the session ended (its response, or its stream, is over).
    func end(_ id: String) {
        lock.lock()
        defer { lock.unlock() }
        guard var s = sessions[id] else { return }
        s.inFlight = max(0, s.inFlight - 1)
        s.lastUsed = now()
        sessions[id] = s
    }

    /// Takes out the sessions idle for longer than `idleNanos` with no request under way, and
    /// says for each whether it was its agent's last on its upstream (the instance then stops).
    func reapIdle() -> [(id: String, session: Session, agentsLast: Bool)] {
        lock.lock()
        defer { lock.unlock() }
        let t = now()
        let idle = sessions.filter { $0.value.inFlight == 0 && t >= $0.value.lastUsed && t - $0.value.lastUsed > idleNanos }
        return idle.keys.sorted().compactMap { id in
            guard let (s, last) = removeLocked(id) else { return nil }
            return (id, s, last)
        }
    }

    /// Binds a session the upstream (or the gateway) opened; false when another binding exists.
    @discardableResult
    func open(_ id: String, _ session: Session) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if let s = sessions[id] { return s.upstream == session.upstream && s.agentID == session.agentID }
        var session = session
        session.lastUsed = now()
        // Opened by a request still under way (its `initialize`), which ends it with `end`.
        session.inFlight = 1
        sessions[id] = session
        perAgent[session.agentID, default: 0] += 1
        return true
    }

    /// The client that opened the session, when it named itself.
    func client(_ id: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        return sessions[id]?.client
    }

    func stdio(_ id: String) -> StdioSession? {
        lock.lock()
        defer { lock.unlock() }
        return sessions[id]?.stdio
    }

    /// Takes the session out (the client ended it, or its server did), and says whether it was
    /// its agent's last on its upstream (the instance then stops), as reaping does.
    @discardableResult
    func close(_ id: String) -> (session: Session, agentsLast: Bool)? {
        lock.lock()
        defer { lock.unlock() }
        return removeLocked(id)
    }

    private func removeLocked(_ id: String) -> (session: Session, agentsLast: Bool)? {
        guard let s = sessions.removeValue(forKey: id) else { return nil }
        let left = perAgent[s.agentID, default: 1] - 1
        perAgent[s.agentID] = left > 0 ? left : nil
        let last = !sessions.values.contains { $0.agentID == s.agentID && $0.upstream == s.upstream }
        return (s, last)
    }

    func closeAll() -> [Session] {
        lock.lock()
        defer { lock.unlock() }
        let all = Array(sessions.values)
        sessions.removeAll()
        perAgent.removeAll()
        return all
    }
}

extension SessionTable.Admission {
    /// The answer to a new session that may not open; nil when it may.
    var refusal: (status: Int, text: String)? {
        switch self {
        case .open: return nil
        case .full: return (503, "too many sessions")
        case .agentFull: return (429, "too many sessions for this agent: end one (DELETE) before opening another")
        }
    }
}
