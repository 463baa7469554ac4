import Glibc
import WardenCore
import WardenStore
import WardenSystem

/// Decides tool calls for one credential against the store, at the moment of each call, and
/// reports the tool lists the server sends (tool pinning). One store connection (prepared
/// statements cached by the store), shared by the relay's two directions under a lock.
final class Gatekeeper: CallDecider, @unchecked Sendable {
    typealias Verdict = CallVerdict

    /// Said when the store could not answer within `store_timeout`. Never an allow.
    static let storeUnavailable = Authorization.Reason.storeUnavailable.rawValue

    /// The connection deciding now; nil after a failure, until the next attempt reopens one.
    private var store: (any GateStore)?
    /// A new connection: a server that restarted, or a file that was replaced, answers again
    /// on a fresh one, so the proxy recovers without a restart.
    private let reopen: @Sendable () throws(StoreError) -> any GateStore
    private let secret: String
    private let clock: @Sendable () -> Timestamp
    private let lock = Lock()
    private let retry: StoreRetry
    /// `store_timeout`, asked at the first failure only, then kept.
    private let storeTimeoutMs: @Sendable () -> Int64
    private var timeoutMs: Int64?
    private let note: @Sendable (String) -> Void
    /// A decision already made for the next check of exactly this SERVER/TOOL (a gateway's
    /// probe was that call's decision); taken once, and dropped by any other check.
    private var kept: (serverTool: String, verdict: Verdict)?
    /// Decisions reused while the store's governance version and the clock allow: each call
    /// still reads the version from the store, so a revoke is seen by the very next call.
    private let decisions: DecisionCache

    init(store: any GateStore, reopen: @escaping @Sendable () throws(StoreError) -> any GateStore,
         secret: String, clock: @escaping @Sendable () -> Timestamp, retry: StoreRetry = StoreRetry(),
         storeTimeoutMs: @escaping @Sendable () -> Int64 = { StoreRetry.defaultTimeoutMs },
         note: @escaping @Sendable (String) -> Void = { FD.writeAll(2, Array("warden mcp-proxy: \($0)\n".utf8)) },
         decisions: DecisionCache = DecisionCache()) {
        self.decisions = decisions
        self.store = store
        self.reopen = reopen
        self.secret = secret
        self.clock = clock
        self.retry = retry
        self.storeTimeoutMs = storeTimeoutMs
        self.note = note
    }

    /// The connection deciding now (nil after a failure): what a pool takes back.
    var connection: (any GateStore)? {
        lock.lock()
        defer { lock.unlock() }
        return store
    }

    /// Hands `verdict` to the next `check(server:tool:)`, which then does not ask the store again.
    func keep(_ verdict: Verdict, server: String, tool: String) {
        lock.lock()
        kept = (server + "/" + tool, verdict)
        lock.unlock()
    }

    func check(server: String, tool: String) -> Verdict {
        let serverTool = server + "/" + tool
        lock.lock()
        let taken = kept
        kept = nil
        lock.unlock()
        if let taken, taken.serverTool == serverTool { return taken.verdict }
        let result = attempt { (gate) throws(StoreError) -> AuthorizationOutcome in
            try decisions.authorize(gate, secret: secret, serverTool: serverTool, now: clock())
        }
        switch result {
        case .success(let o):
            var reason: String?
            if case .deny(let r) = o.decision { reason = r.rawValue }
            return Verdict(allowed: o.decision.isAllowed, reason: reason, credentialID: o.credentialID, agentID: o.agentID,
                           credentialInstanceID: o.instanceID)
        case .failure(.invalid):
            // Not SERVER/TOOL (an empty tool name): nothing to retry, and nothing it could match.
            return Verdict(allowed: false, reason: Authorization.Reason.outOfScope.rawValue)
        case .failure(let error):
            note("the store did not answer within \(DurationText.canonical(timeout())) (\(error)); denying")
            return Verdict(allowed: false, reason: Self.storeUnavailable)
        }
    }

    /// The credential's chain decided once, for checking a whole tool list; nil (after a note)
    /// when the store could not answer, so the caller hides the list (never an allow).
    func standing() -> Authorization.Standing? { credentialStanding()?.standing }

    private func credentialStanding() -> CredentialStanding? {
        switch attempt({ (gate) throws(StoreError) -> CredentialStanding in try gate.standing(secret: secret, now: clock()) }) {
        case .success(let c): return c
        case .failure(let error):
            note("the store did not answer within \(DurationText.canonical(timeout())) (\(error)); denying")
            return nil
        }
    }

    /// Reports a server's complete tool list (`ToolObservation.observeTools`), journaled as seen
    /// by `credentialID`'s proxy; the pin of each listed tool, or the store's failure (the
    /// caller then hides the whole list).
    func observe(server: String, tools: [ObservedTool], credentialID: String?) -> Result<[ToolPin], StoreError> {
        let observer = credentialID.map { "\(Self.observer) for \($0)" } ?? Self.observer
        return attempt { (gate) throws(StoreError) -> [ToolPin] in
            try gate.observeTools(server: server, tools: tools, observer: observer, at: clock())
        }
    }

    /// The server's pins as stored now, without recording anything (a page of a longer list).
    func pins(server: String) -> Result<[ToolPin], StoreError> {
        attempt { (gate) throws(StoreError) -> [ToolPin] in try gate.toolPins(server: server) }
    }

    /// `CallDecider.visible` against the store: the list recorded (or the pins read), then the
    /// chain read and decided once for the whole page (only if a tool could be shown), each tool
    /// decided on it with its pin facts: the answer `authorize` gives per tool, for one read.
    func visible(server: String, page: [ObservedTool], recording list: [ObservedTool]?) -> [Bool]? {
        // A list changes the pins every agent of the server is decided with: only a credential
        // that stands and may call some tool of that server reports one; any other is read only.
        var read: CredentialStanding?
        var list = list
        if list != nil {
            guard let c = credentialStanding() else { return nil }
            read = c
            if !c.standing.reaches(server: server) {
                note("not recording the tools \(server) lists: this credential may call none of \(server)'s tools")
                list = nil
            }
        }
        let approved: [String: String]
        switch list.map({ observe(server: server, tools: $0, credentialID: read?.credentialID) }) ?? pins(server: server) {
        case .success(let pins):
            var out: [String: String] = [:]
            for p in pins where p.status == .approved { out[p.tool] = p.hash }
            approved = out
        case .failure(let error):
            note("the store could not check the tools \(server) lists (\(error)); hiding all \(page.count) of them")
            return nil
        }
        // Nothing approved: nothing can be shown, and the chain need not be read.
        if approved.isEmpty { return page.map { _ in false } }
        guard let standing = read?.standing ?? standing() else { return nil }
        return page.map { seen in
            // A server with pins has been seen listed; a tool is approved when its pin's
            // approved hash is the one just seen.
            let pin = ToolPinFacts(serverKnown: true, toolApproved: approved[seen.name] == seen.hash, unknownServers: .allow)
            return standing.decide(server: server[...], tool: seen.name[...], pin: pin).isAllowed
        }
    }

    /// Who the journal names for what the proxy saw listed.
    static let observer = "mcp-proxy"

    /// One store operation, retried through transient failures within `store_timeout`, on a
    /// new connection after one failed.
    private func attempt<T>(_ body: (any GateStore) throws(StoreError) -> T) -> Result<T, StoreError> {
        lock.lock()
        defer { lock.unlock() }
        return retry.run(timeoutMs: timeout, retrying: Self.isTransient) { () throws(StoreError) -> T in
            let gate: any GateStore
            if let store { gate = store } else { gate = try reopen() }
            store = gate
            do throws(StoreError) { return try body(gate) } catch {
                if Self.isTransient(error) { store = nil }
                throw error
            }
        }
    }

    private func timeout() -> Int64 {
        if let timeoutMs { return timeoutMs }
        let t = storeTimeoutMs()
        timeoutMs = t
        return t
    }

    /// A failure that may pass (I/O, a lock, a lost connection); any other is an answer of sorts.
    static func isTransient(_ error: StoreError) -> Bool {
        if case .io = error { return true }
        return false
    }
}
