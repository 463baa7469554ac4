import WardenCore
import WardenStore
import WardenSystem

/// A decision asked of the service by another enforcement point (AuthZEN): made exactly as the
/// proxy makes one (`Gatekeeper.check`: the store's facts, WardenCore's rule 4, pinning, retries
/// within `store_timeout`, `store_unavailable` when the store does not answer), but not recorded
/// as a call: the asking gateway enforces, and records what it does.
public struct DecisionVerdict: Sendable, Equatable {
    public var allowed: Bool
    /// The deny reason (rule 4's, or `store_unavailable`); nil for an allow.
    public var reason: String?
    public var agentID: String?
    public var credentialID: String?

    public init(allowed: Bool, reason: String?, agentID: String? = nil, credentialID: String? = nil) {
        self.allowed = allowed
        self.reason = reason
        self.agentID = agentID
        self.credentialID = credentialID
    }
}

extension GateConnections {
    /// Rule 4 for (`secret`, `server/tool`) now, on a pooled connection.
    public func decide(secret: String, server: String, tool: String) -> DecisionVerdict {
        let connection: any GateStore
        do { connection = try take() } catch {
            note("the store did not answer (\(error.description)); denying")
            return DecisionVerdict(allowed: false, reason: Gatekeeper.storeUnavailable)
        }
        let backend = self.backend
        let keeper = Gatekeeper(store: connection, reopen: { () throws(StoreError) in try backend.open(for: .gate) },
                                secret: secret, clock: clock, storeTimeoutMs: storeTimeoutMs, note: note, decisions: decisions)
        let v = keeper.check(server: server, tool: tool)
        // A failed connection was replaced (or dropped) by the keeper: only a live one goes back.
        if let c = keeper.connection { give(c) }
        return DecisionVerdict(allowed: v.allowed, reason: v.reason, agentID: v.agentID, credentialID: v.credentialID)
    }

    /// Who a gate secret is now; nil when the store did not answer within `store_timeout`
    /// (the caller refuses: never an allow on an error).
    public func authenticateGate(secret: String) -> GateAuthentication? {
        var connection: (any GateStore)? = try? take()
        let result = StoreRetry().run(timeoutMs: storeTimeoutMs, retrying: Gatekeeper.isTransient) { () throws(StoreError) -> GateAuthentication in
            let c: any GateStore
            if let connection { c = connection } else { c = try backend.open(for: .gate) }
            connection = c
            do throws(StoreError) { return try c.authenticateGate(secret: secret, now: clock()) } catch {
                if Gatekeeper.isTransient(error) { connection = nil }
                throw error
            }
        }
        if let connection { give(connection) }
        switch result {
        case .success(let a): return a
        case .failure(let error):
            note("the store did not answer (\(error.description)); refusing the gate")
            return nil
        }
    }
}
