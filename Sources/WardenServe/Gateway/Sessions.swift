import Glibc
import WardenSystem

/// The MCP sessions open through the gateway: each bound to the upstream and the agent that
/// opened it, so another credential cannot ride on a session id it learned.
final class SessionTable: @unchecked Sendable {
    struct Session {
        var upstream: String
        var agentID: String
        /// The process behind a stdio upstream's session.
        var stdio: StdioSession?
        /// The client as the `initialize` that opened the session named itself (untrusted text).
        var client: String?
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

    init(limit: Int, perAgentLimit: Int) {
        self.limit = limit
        self.perAgentLimit = perAgentLimit
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
        return .bound
    }

    /// Binds a session the upstream (or the gateway) opened; false when another binding exists.
    @discardableResult
    func open(_ id: String, _ session: Session) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if let s = sessions[id] { return s.upstream == session.upstream && s.agentID == session.agentID }
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

    @discardableResult
    func close(_ id: String) -> Session? {
        lock.lock()
        defer { lock.unlock() }
        guard let s = sessions.removeValue(forKey: id) else { return nil }
        let left = perAgent[s.agentID, default: 1] - 1
        perAgent[s.agentID] = left > 0 ? left : nil
        return s
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
