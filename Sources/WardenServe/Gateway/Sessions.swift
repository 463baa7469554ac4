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
    }

    enum Lookup: Equatable {
        case bound
        /// Unknown, or opened by another agent or for another upstream: 404, as for an ended session.
        case notFound
    }

    private let lock = Lock()
    private var sessions: [String: Session] = [:]
    let limit: Int

    init(limit: Int) { self.limit = limit }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return sessions.count
    }

    var isFull: Bool { count >= limit }

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
        return true
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
        return sessions.removeValue(forKey: id)
    }

    func closeAll() -> [Session] {
        lock.lock()
        defer { lock.unlock() }
        let all = Array(sessions.values)
        sessions.removeAll()
        return all
    }
}
