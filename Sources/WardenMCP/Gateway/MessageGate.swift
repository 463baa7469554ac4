import Glibc
import WardenCore
import WardenStore
import WardenSystem

/// The stdio proxy's rules for a gateway that carries MCP over another transport (`warden
/// serve`): the same strict reading, the same decisions through the store, the same recording and
/// redaction, the same tools filtering; only the framing differs. A `MessageGate` lives for one
/// exchange (an HTTP request and the answers it streams back) and one credential.
public final class MessageGate: @unchecked Sendable {
    /// What becomes of one client message.
    public enum ClientOutcome: Sendable {
        case forward(JSONValue)
        /// Answered by Warden (a denial, a malformed message): never reaches the upstream.
        case answer(JSONValue)
        case drop
    }

    private let relay: Relay
    private let pool: GateConnections
    private let gatekeeper: Gatekeeper

    /// Who the credential is, learned when the gate was made.
    public let probe: CredentialProbe

    /// `call`: the tool of the exchange's one `tools/call` (`callTool(of:)`), when it carries
    /// exactly that. The probe is then that call's own decision, which the relay takes when it
    /// reaches the call instead of deciding again: one decision per call. Nothing is recorded
    /// until the relay does, so an exchange refused first (401, 404) records nothing, as before.
    public init(pool: GateConnections, recorder: GatewayRecorder, secret: String, server: String, call: String? = nil,
                instanceID: (CredentialProbe) -> String) throws(StoreError) {
        self.pool = pool
        let connection = try pool.take()
        let backend = pool.backend
        gatekeeper = Gatekeeper(store: connection, reopen: { () throws(StoreError) in try backend.open(for: .gate) },
                                secret: secret, clock: pool.clock, storeTimeoutMs: pool.storeTimeoutMs, note: pool.note,
                                decisions: pool.decisions)
        let v = gatekeeper.check(server: server, tool: call ?? "mcp-proxy")
        if let call { gatekeeper.keep(v, server: server, tool: call) }
        probe = CredentialProbe(agentID: v.agentID, credentialID: v.credentialID, instanceID: v.credentialInstanceID,
                                reason: Self.credentialReason(v.reason))
        relay = Relay(gate: gatekeeper, recorder: recorder.recorder, secret: secret, clock: pool.clock,
                      agentID: probe.agentID ?? "", credentialID: probe.credentialID, instanceID: instanceID(probe),
                      fixedServerName: server, clientOut: -1, via: .gateway, onServerName: { _ in }, note: pool.note)
    }

    /// The MCP session this exchange belongs to and the client that opened it, recorded on its
    /// calls (nil before a session exists: the `initialize` that opens one).
    public func setSession(_ session: String?, client: String?) { relay.setSession(session, client: client) }

    /// The client as an `initialize` in this exchange named itself (`clientInfo`), kept with the
    /// session it opens.
    public var client: String? { relay.client }

    /// What a decision says of the credential itself: nil when it stands (the reasons about the
    /// tool, scope and pinning, come after every reason about the credential and its chain).
    static func credentialReason(_ reason: String?) -> String? {
        reason == Authorization.Reason.outOfScope.rawValue || reason == Authorization.Reason.toolUnapproved.rawValue ? nil : reason
    }

    /// The tool of a message that is one `tools/call` the relay will decide (a valid id or
    /// none, a valid tool name); nil for anything else, which is then probed on its own.
    public static func callTool(of message: JSONValue) -> String? {
        guard case .object = message, message["method"]?.string == "tools/call",
              let tool = message["params"]?["name"]?.string, Authorization.isValidToolName(tool) else { return nil }
        if let id = message["id"], !JSONRPC.isValidID(id) { return nil }
        return tool
    }

    /// One client message (an element of a batch is one message).
    public func client(_ message: JSONValue) -> ClientOutcome {
        switch relay.inspectRequest(message) {
        case .forward: return .forward(message)
        case .answer(let reply): return .answer(reply)
        case .drop: return .drop
        }
    }

    /// One server message: relayed as it is, replaced (tools filtered), or dropped (nil).
    public func server(_ message: JSONValue) -> JSONValue? {
        switch relay.inspectResponse(message) {
        case .relay: return message
        case .replace(let m): return m
        case .drop: return nil
        }
    }

    /// The decision a client message met, for metrics and the access log: nil when it is not a
    /// `tools/call`, "allow", or the deny reason.
    public static func decision(of message: JSONValue, outcome: ClientOutcome) -> String? {
        guard message["method"]?.string == "tools/call" else { return nil }
        switch outcome {
        case .forward: return "allow"
        case .answer(let reply): return reply["error"]?["data"]?["reason"]?.string ?? Authorization.Reason.malformedRequest.rawValue
        case .drop: return Authorization.Reason.malformedRequest.rawValue
        }
    }

    /// Ends the exchange: calls still unanswered are recorded without a result, the store
    /// connection goes back to the pool.
    public func finish() {
        relay.finishUnanswered()
        // The connection that decided last: a failed one was replaced (or dropped), and a
        // broken one must not go back to the pool.
        if let c = gatekeeper.connection { pool.give(c) }
    }

    /// The answer to a message that cannot be read one way only, recorded as the proxy does.
    public func unreadable(_ detail: String) -> JSONValue {
        relay.recordMalformed(tool: Relay.unreadableTool, args: nil)
        return JSONRPC.parseError(detail)
    }
}

/// Who a credential is, and why it is refused when it is (nil: it may call what its scopes allow).
public struct CredentialProbe: Sendable, Equatable {
    public var agentID: String?
    public var credentialID: String?
    public var instanceID: String?
    public var reason: String?
}

/// Store connections for decisions, reused across exchanges (opening one per request would
/// cost a connect each time on PostgreSQL).
public final class GateConnections: @unchecked Sendable {
    let backend: any StoreBackend
    let clock: @Sendable () -> Timestamp
    let storeTimeoutMs: @Sendable () -> Int64
    let note: @Sendable (String) -> Void
    private let lock = Lock()
    private var idle: [any GateStore] = []
    /// Decisions reused across the pool's connections (all to the one store) while the
    /// governance version and the clock allow (`DecisionCache`).
    let decisions = DecisionCache()

    public init(backend: any StoreBackend, clock: @escaping @Sendable () -> Timestamp = WallClock.now,
                storeTimeoutMs: @escaping @Sendable () -> Int64 = { StoreRetry.defaultTimeoutMs },
                note: @escaping @Sendable (String) -> Void) {
        self.backend = backend
        self.clock = clock
        self.storeTimeoutMs = storeTimeoutMs
        self.note = note
    }

    func take() throws(StoreError) -> any GateStore {
        lock.lock()
        if let c = idle.popLast() { lock.unlock(); return c }
        lock.unlock()
        return try backend.open(for: .gate)
    }

    func give(_ c: any GateStore) {
        lock.lock()
        if idle.count < 64 { idle.append(c) }
        lock.unlock()
    }

    /// Whether the credential `secret` names stands now, with its ID (nil when the store
    /// cannot say): what ends a server stream once its bearer is revoked or expires.
    public func standing(secret: String) -> (stands: Bool, credentialID: String?)? {
        do {
            let c = try take()
            let s = try c.standing(secret: secret, now: clock())
            give(c)
            return (s.standing.stands, s.credentialID)
        } catch {
            return nil
        }
    }
}

/// The proxy's recorder for a gateway: calls and instance events written off the request path,
/// on one store connection of its own. Heartbeats are the gateway's to send (one per session).
public final class GatewayRecorder: @unchecked Sendable {
    let recorder: Recorder

    /// `batchGapSeconds`: the least time between two writes, so that calls arriving meanwhile
    /// share one transaction (a call is in the store at most about this much later).
    public init(backend: any StoreBackend, clock: @escaping @Sendable () -> Timestamp = WallClock.now,
                batchGapSeconds: Double = GatewayRecorder.defaultBatchGapSeconds) throws(StoreError) {
        // The recorder's own heartbeat would name no instance: made too rare to fire.
        recorder = Recorder(store: try backend.open(for: .ingest), instanceID: "", heartbeatSeconds: 1e9, clock: clock,
                            batchGapSeconds: batchGapSeconds)
    }

    /// 5 ms: at most 200 commits a second whatever the call rate; a dashboard sees a call that much later.
    public static let defaultBatchGapSeconds = 0.005

    public func start() { recorder.start() }
    public func record(_ event: InstanceEvent) { recorder.record(event) }
    public func record(_ call: ToolCall) { recorder.record(call) }
    /// Flushes everything queued.
    public func stop() { recorder.stop() }
}

extension MessageGate {
    /// A JSON-RPC message as one line of bytes.
    public static func bytes(_ v: JSONValue) -> [UInt8] { JSONRPC.bytes(v) }
    /// The proxy's answer to a message read strictly but refused.
    public static func malformed(id: JSONValue?, detail: String) -> JSONValue { JSONRPC.malformed(id: id, detail: detail) }
    /// A JSON-RPC error answering `id` (an upstream that failed, a session that ended).
    public static func error(id: JSONValue, message: String, reason: String) -> JSONValue {
        JSONRPC.error(id: id, code: -32603, message: message, data: .object([("reason", .string(reason))]))
    }
}
