import WardenCore
import WardenStore

/// The agent API of `warden serve` (`/v1/…`, docs/API.md) behind its HTTP framing: what
/// `mcp-proxy --decide` asks instead of opening the store. Each request acts for the bearer
/// credential only. Decisions are the stdio proxy's own (`Gatekeeper` on a pooled store
/// connection, WardenCore deciding); records are attributed to the bearer's agent and credential
/// whatever the body says, and go through the service's recorder.
public final class AgentDesk: @unchecked Sendable {
    /// An answer: HTTP status and JSON body. `reason` is Warden's decision or refusal, for the
    /// access log and metrics (and, on a 401, the `WWW-Authenticate` challenge).
    public struct Answer: Sendable {
        public var status: Int
        public var body: JSONValue
        public var reason: String?
    }

    private let pool: GateConnections
    private let recorder: GatewayRecorder

    public init(pool: GateConnections, recorder: GatewayRecorder) {
        self.pool = pool
        self.recorder = recorder
    }

    public static let paths: Set<String> = [AgentAPI.decidePath, AgentAPI.toolsPath, AgentAPI.callsPath, AgentAPI.instancesPath]

    /// One request to `path` (one of `paths`, method POST) with its body's bytes.
    public func handle(path: String, body: [UInt8], secret: String) -> Answer {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes: body) } catch {
            return Self.error(400, "invalid_request", "the body is not JSON read one way only: \(error.description)")
        }
        let gate: Gatekeeper
        do {
            let connection = try pool.take()
            let backend = pool.backend
            gate = Gatekeeper(store: connection, reopen: { () throws(StoreError) in try backend.open(for: .gate) },
                              secret: secret, clock: pool.clock, storeTimeoutMs: pool.storeTimeoutMs, note: pool.note,
                              decisions: pool.decisions)
        } catch {
            pool.note("the store did not answer (\(error.description)); refusing")
            return Self.unavailable
        }
        defer { if let c = gate.connection { pool.give(c) } }
        do {
            switch path {
            case AgentAPI.decidePath: return decide(try AgentAPI.decide(json), gate)
            case AgentAPI.toolsPath: return try visible(json, gate)
            case AgentAPI.callsPath: return try calls(json, gate)
            default: return try instances(json, gate)
            }
        } catch {
            return Self.error(400, "invalid_request", error.description)
        }
    }

    private func decide(_ r: AgentAPI.DecideRequest, _ gate: Gatekeeper) -> Answer {
        // Names checked first: the store reads a malformed one as matching nothing, which must
        // not look like an unknown token.
        guard Authorization.isValidToolName(r.tool) else {
            return Self.error(400, "invalid_request", "$.tool: a tool name is 1 to 128 characters of A-Z a-z 0-9 _ . -")
        }
        let v = gate.check(server: r.server, tool: r.tool)
        if let refused = Self.refusal(v) { return refused }
        return Answer(status: 200, body: AgentAPI.encode(v), reason: v.reason ?? "allow")
    }

    /// The bearer as a credential that may act (its chain may still deny every call: that is a
    /// decision, answered 200), or the refusal: 401 for a token that is not (or no longer)
    /// good, 503 when the store cannot say.
    private func authenticate(_ gate: Gatekeeper) -> Result<CallVerdict, Refusal> {
        let probe = gate.check(server: "warden", tool: "agent-api")
        if let refused = Self.refusal(probe) { return .failure(Refusal(answer: refused)) }
        return .success(probe)
    }

    private struct Refusal: Error { let answer: Answer }

    private static func refusal(_ v: CallVerdict) -> Answer? {
        if v.reason == Authorization.Reason.storeUnavailable.rawValue { return unavailable }
        if let r = v.reason, tokenFailures.contains(r) || v.agentID == nil || v.credentialID == nil {
            return Answer(status: 401, body: .object([("error", .string("invalid_token")), ("reason", .string(r))]), reason: r)
        }
        return nil
    }

    /// Deny reasons that mean the token itself is not good (the gateway answers them 401 too).
    public static let tokenFailures: Set<String> = [Authorization.Reason.unknownCredential.rawValue,
                                                    Authorization.Reason.credentialRevoked.rawValue,
                                                    Authorization.Reason.credentialExpired.rawValue]

    private func visible(_ json: JSONValue, _ gate: Gatekeeper) throws(AgentAPI.Invalid) -> Answer {
        let r = try AgentAPI.visible(json)
        switch authenticate(gate) {
        case .failure(let f): return f.answer
        case .success: break
        }
        guard let shown = gate.visible(server: r.server, page: r.tools, recording: r.list) else { return Self.unavailable }
        return Answer(status: 200, body: AgentAPI.encode(visible: shown), reason: nil)
    }

    private func calls(_ json: JSONValue, _ gate: Gatekeeper) throws(AgentAPI.Invalid) -> Answer {
        let who: CallVerdict
        switch authenticate(gate) {
        case .failure(let f): return f.answer
        case .success(let v): who = v
        }
        let calls = try AgentAPI.calls(json, agentID: who.agentID ?? "", credentialID: who.credentialID ?? "")
        // A call dated ahead of the service's clock would sit atop every list and outlive
        // retention; one recorded late (after an outage) is fine.
        let now = pool.clock()
        for (i, c) in calls.enumerated() {
            if let id = c.instanceID, let refused = foreign(id, who, path: "$.calls[\(i)].instance_id") { return refused }
            if let problem = IssueTime.problem(c.at, now: now) { return Self.error(400, "invalid_request", "$.calls[\(i)].at: \(problem)") }
        }
        // An allow this credential's scopes (its own, every grant up its chain, its principal's)
        // could never give is not a record of Warden's decision.
        if calls.contains(where: { $0.decision == .allow }) {
            guard let standing = gate.standing() else { return Self.unavailable }
            for (i, c) in calls.enumerated() where c.decision == .allow && !standing.scopeAllows(server: c.server, tool: c.tool) {
                return Self.error(403, "forbidden", "$.calls[\(i)]: \(c.server)/\(c.tool) is outside this credential's scopes: Warden never allowed it")
            }
        }
        // Only a stdio proxy deciding through the service records here: the service says so, not the body.
        for var c in calls { c.via = .proxy; recorder.record(c) }
        return Answer(status: 200, body: .object([("accepted", .number(String(calls.count)))]), reason: nil)
    }

    private func instances(_ json: JSONValue, _ gate: Gatekeeper) throws(AgentAPI.Invalid) -> Answer {
        let who: CallVerdict
        switch authenticate(gate) {
        case .failure(let f): return f.answer
        case .success(let v): who = v
        }
        let events = try AgentAPI.events(json, agentID: who.agentID ?? "")
        for (i, e) in events.enumerated() {
            if let refused = foreign(AgentAPI.instanceID(of: e), who, path: "$.events[\(i)].instance_id") { return refused }
        }
        for e in events { recorder.record(e) }
        return Answer(status: 200, body: .object([("accepted", .number(String(events.count)))]), reason: nil)
    }

    /// 403 when the instance is not the credential's own: an agent reports on nothing else.
    private func foreign(_ id: String, _ who: CallVerdict, path: String) -> Answer? {
        if AgentAPI.owns(instanceID: id, credentialID: who.credentialID ?? "", boundInstance: who.credentialInstanceID) { return nil }
        return Self.error(403, "forbidden", "\(path): instance '\(id)' is not this credential's (use \(who.credentialInstanceID.map { "'\($0)'" } ?? "mcp-PID@HOST/\(who.credentialID ?? "")"))")
    }

    /// No `Authorization: Bearer …` at all.
    public static let missingToken = Answer(status: 401, body: .object([("error", .string("unauthorized")), ("reason", .string("missing_token"))]),
                                            reason: "missing_token")

    static let unavailable = Answer(status: 503, body: .object([("error", .string("store_unavailable")),
                                                                ("reason", .string(Authorization.Reason.storeUnavailable.rawValue))]),
                                    reason: Authorization.Reason.storeUnavailable.rawValue)

    static func error(_ status: Int, _ code: String, _ detail: String) -> Answer {
        Answer(status: status, body: .object([("error", .string(code)), ("detail", .string(detail))]), reason: nil)
    }
}
