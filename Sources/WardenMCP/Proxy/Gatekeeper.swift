import Foundation
import WardenCore
import WardenStore

/// Decides tool calls for one credential against the store, at the moment of each call.
/// One store connection (prepared statements cached by the store), shared by the relay's two
/// directions under a lock.
final class Gatekeeper: @unchecked Sendable {
    struct Verdict: Equatable, Sendable {
        var allowed: Bool
        /// The deny reason (a rule-4 reason, or `store_unavailable`).
        var reason: String?
        var credentialID: String?
        var agentID: String?
        var credentialInstanceID: String?
    }

    /// Said when the store could not answer even after retries. Never an allow.
    static let storeUnavailable = "store_unavailable"

    private let store: any CredentialGate
    private let secret: String
    private let clock: @Sendable () -> Timestamp
    private let lock = NSLock()
    /// Pauses between attempts when the store throws (a lock outlasting SQLite's busy timeout,
    /// a checkpoint, a transient I/O error): about 1.5 s in all, then deny.
    private let backoffMs: [UInt32]

    init(store: any CredentialGate, secret: String, clock: @escaping @Sendable () -> Timestamp,
         backoffMs: [UInt32] = [10, 20, 50, 100, 200, 400, 700]) {
        self.store = store
        self.secret = secret
        self.clock = clock
        self.backoffMs = backoffMs
    }

    func check(server: String, tool: String) -> Verdict {
        lock.lock()
        defer { lock.unlock() }
        var lastError = ""
        for attempt in 0...backoffMs.count {
            do {
                let o = try store.authorize(secret: secret, serverTool: server + "/" + tool, now: clock())
                switch o.decision {
                case .allow:
                    return Verdict(allowed: true, reason: nil, credentialID: o.credentialID, agentID: o.agentID,
                                   credentialInstanceID: o.instanceID)
                case .deny(let r):
                    return Verdict(allowed: false, reason: r.rawValue, credentialID: o.credentialID, agentID: o.agentID,
                                   credentialInstanceID: o.instanceID)
                }
            } catch {
                if case .invalid = error {
                    // Not SERVER/TOOL (an empty tool name): nothing to retry, and nothing it could match.
                    return Verdict(allowed: false, reason: Authorization.Reason.outOfScope.rawValue)
                }
                lastError = error.description
                if attempt < backoffMs.count { usleep(backoffMs[attempt] * 1000) }
            }
        }
        FileHandle.standardError.write(Data("warden mcp-proxy: the store did not answer (\(lastError)); denying\n".utf8))
        return Verdict(allowed: false, reason: Self.storeUnavailable)
    }
}
