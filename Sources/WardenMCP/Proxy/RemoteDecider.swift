import WardenCore
import WardenStore
import WardenSystem

/// `CallDecider` through `warden serve` (`mcp-proxy --decide`): the service's `Gatekeeper`
/// decides with the agent's own credential; this side only asks. No answer within
/// `store_timeout` (the service unreachable, or its store) is a deny `store_unavailable`, never
/// an allow; the next call asks again, so the proxy recovers when the service does.
final class RemoteDecider: CallDecider, @unchecked Sendable {
    private let client: ServiceClient
    private let retry: StoreRetry
    private let storeTimeoutMs: @Sendable () -> Int64
    private let note: @Sendable (String) -> Void
    private let lock = Lock()
    private var timeoutMs: Int64?

    init(client: ServiceClient, retry: StoreRetry = StoreRetry(),
         storeTimeoutMs: @escaping @Sendable () -> Int64 = { StoreRetry.defaultTimeoutMs },
         note: @escaping @Sendable (String) -> Void) {
        self.client = client
        self.retry = retry
        self.storeTimeoutMs = storeTimeoutMs
        self.note = note
    }

    func check(server: String, tool: String) -> CallVerdict {
        let denied = CallVerdict(allowed: false, reason: Authorization.Reason.storeUnavailable.rawValue)
        guard let (status, answer) = ask(AgentAPI.decidePath, AgentAPI.encode(AgentAPI.DecideRequest(server: server, tool: tool))) else {
            return denied
        }
        switch status {
        case 200:
            do { return try AgentAPI.verdict(answer ?? .null) } catch {
                note("the service's decision could not be read (\(error)); denying")
                return denied
            }
        case 401:
            // The token itself is refused (unknown, revoked, expired): the call is denied for that reason.
            let reason = answer?["reason"]?.string.flatMap { AgentDesk.tokenFailures.contains($0) ? $0 : nil }
                ?? Authorization.Reason.unknownCredential.rawValue
            return CallVerdict(allowed: false, reason: reason)
        case 503:
            note("the service's store did not answer; denying")
            return denied
        default:
            note("the service refused the decision (\(ServiceClient.detail(status, answer))); denying")
            return denied
        }
    }

    func visible(server: String, page: [ObservedTool], recording list: [ObservedTool]?) -> [Bool]? {
        let request = AgentAPI.VisibleRequest(server: server, tools: page, list: list)
        guard let (status, answer) = ask(AgentAPI.toolsPath, AgentAPI.encode(request)) else {
            note("could not check the tools \(server) lists; hiding all \(page.count) of them")
            return nil
        }
        guard status == 200 else {
            note("the service could not check the tools \(server) lists (\(ServiceClient.detail(status, answer))); hiding all \(page.count) of them")
            return nil
        }
        do { return try AgentAPI.visible(answer: answer ?? .null, count: page.count) } catch {
            note("the service's tool check could not be read (\(error)); hiding all \(page.count) of them")
            return nil
        }
    }

    /// One exchange, retried while the service cannot be reached, within `store_timeout`; nil
    /// (after a note) when it never answered.
    private func ask(_ path: String, _ body: JSONValue) -> (Int, JSONValue?)? {
        lock.lock()
        defer { lock.unlock() }
        switch retry.run(timeoutMs: timeout, retrying: { (_: ServiceClient.Unreachable) in true }, { () throws(ServiceClient.Unreachable) in
            try client.post(path, body).get()
        }) {
        case .success(let r): return (r.status, r.answer)
        case .failure(let error):
            note("\(error.description) within \(DurationText.canonical(timeout())); denying")
            return nil
        }
    }

    private func timeout() -> Int64 {
        if let timeoutMs { return timeoutMs }
        let t = storeTimeoutMs()
        timeoutMs = t
        return t
    }
}

/// The proxy's records through the service (`/v1/calls`, `/v1/instances`), for its `Recorder`:
/// the service attributes them to the bearer's agent and credential. A service that cannot be
/// reached (or whose store cannot) is `.io`, so the recorder keeps them and tries again; any
/// other refusal is final (the recorder drops them, saying so once).
final class RemoteRecording: ActivityRecording, @unchecked Sendable {
    private let client: ServiceClient

    init(client: ServiceClient) { self.client = client }

    /// One request per write, as the service takes it: split here, a failed later part would
    /// make the recorder send the parts that went in again.
    var recordsPerWrite: Int { AgentAPI.maxRecords }

    @discardableResult
    func recordCalls(_ calls: [ToolCall]) throws(StoreError) -> [Int64] {
        try send(AgentAPI.callsPath, AgentAPI.encode(calls: calls))
        return []
    }

    func recordInstanceEvents(_ events: [InstanceEvent]) throws(StoreError) {
        try send(AgentAPI.instancesPath, AgentAPI.encode(events: events))
    }

    func recordCall(_ call: ToolCall, key: CallKey) throws(StoreError) -> Int64 {
        throw .invalid("keyed calls are not recorded through the service")
    }

    func recordOutcome(key: CallKey, credentialID: String, result: ToolCall.Result, at: Timestamp) throws(StoreError) -> ToolCall? {
        throw .invalid("call outcomes are not recorded through the service")
    }

    private func send(_ path: String, _ body: JSONValue) throws(StoreError) {
        switch client.post(path, body) {
        case .failure(let e): throw .io(e.description)
        case .success(let r) where r.status == 200: return
        case .success(let r) where r.status == 503: throw .io("the service's store did not answer")
        case .success(let r): throw .refused("the service refused the records (\(ServiceClient.detail(r.status, r.answer)))")
        }
    }
}
