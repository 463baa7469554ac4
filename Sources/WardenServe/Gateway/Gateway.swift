import Glibc
import WardenSystem
import WardenCore
import WardenHTTPClient
import WardenMCP
import WardenStore

/// `/mcp/NAME`: the Streamable HTTP MCP gateway. Every request is checked in this order: the
/// upstream exists, the Origin is allowed (403), the bearer token is a good credential (401 with
/// RFC 9728 metadata), the session is this agent's (404); then each message goes through the
/// stdio proxy's rules (`MessageGate`) and on to the upstream. The client's token never leaves.
final class Gateway: @unchecked Sendable {
    let config: ServeSection
    let pool: GateConnections
    let recorder: GatewayRecorder
    let metrics: Metrics
    let sessions: SessionTable
    let instances: GatewayInstances
    let http = HTTPClient()
    /// `http(s)://HOST:PORT` (or serve.public_url): the resource's base, and its own Origin.
    let baseURL: String
    let ownOrigins: [String]
    let note: @Sendable (String) -> Void
    private let streams = OpenStreams()

    init(config: ServeSection, pool: GateConnections, recorder: GatewayRecorder, metrics: Metrics, instances: GatewayInstances,
         baseURL: String, ownOrigins: [String], note: @escaping @Sendable (String) -> Void) {
        self.config = config
        self.pool = pool
        self.recorder = recorder
        self.metrics = metrics
        self.sessions = SessionTable(limit: config.maxSessions, perAgentLimit: config.maxSessionsPerAgent,
                                     idleNanos: UInt64(config.sessionIdleMs) * 1_000_000)
        self.instances = instances
        self.baseURL = baseURL
        self.ownOrigins = ownOrigins
        self.note = note
    }

    func metadataURL(_ name: String) -> String { baseURL + Route.metadataPrefix + "/mcp/" + name }

    func metadata(_ name: String) -> HTTPResponse {
        guard config.upstreams[name] != nil else { return .text(404, "no upstream named \(name)") }
        let doc = HeaderRules.resourceMetadata(resource: baseURL + "/mcp/" + name, upstream: name,
                                               authorizationServers: config.authorizationServers)
        return .json(200, Array(JSONWriter.write(doc, indent: false).utf8))
    }

    func handle(_ request: HTTPRequest, name: String) -> HTTPResponse {
        guard let upstream = config.upstreams[name], let kind = upstream.kind else { return .text(404, "no upstream named \(name)") }
        var note = AccessNote(upstream: name)
        guard HeaderRules.originAllowed(request.header("origin"), own: ownOrigins, allowed: config.allowedOrigins) else {
            return .text(403, "origin not allowed", note: note)
        }
        guard ["POST", "GET", "DELETE"].contains(request.method) else {
            var r = HTTPResponse.text(405, "use POST, GET or DELETE", note: note)
            r.headers.append(("Allow", "POST, GET, DELETE"))
            return r
        }
        guard let secret = HeaderRules.bearer(request.header("authorization")) else {
            return unauthorized(name, invalid: false, reason: "missing_token", note: note)
        }
        // A POST's body is read once, here: when it is one `tools/call`, the probe that tells a
        // good token from a bad one is that call's own decision, which the relay then takes
        // instead of asking the store again (one decision per call).
        let parsed = request.method == "POST" ? Exchange.parse(request.body) : nil
        let call = parsed.flatMap { try? $0.get() }.flatMap(MessageGate.callTool(of:))
        let gate: MessageGate
        do {
            gate = try MessageGate(pool: pool, recorder: recorder, secret: secret, server: name, call: call) { [instances] probe in
                instances.id(upstream: name, probe: probe)
            }
        } catch {
            self.note("the store did not answer (\(error.description)); refusing")
            note.decision = Authorization.Reason.storeUnavailable.rawValue
            return .text(503, "the store is unavailable", note: note)
        }
        let probe = gate.probe
        // First: a store that cannot say who the token is has not found the token bad, and a
        // 401 would send the client to re-authenticate instead of retrying.
        if probe.reason == Authorization.Reason.storeUnavailable.rawValue {
            gate.finish()
            note.decision = probe.reason
            return .text(503, "the store is unavailable", note: note)
        }
        if let reason = probe.reason, HeaderRules.isTokenFailure(reason) || probe.agentID == nil {
            gate.finish()
            return unauthorized(name, invalid: true, reason: reason, note: note)
        }
        let agentID = probe.agentID ?? ""
        instances.seen(upstream: name, probe: probe)
        let sessionID = request.header("mcp-session-id")
        if request.method == "DELETE", sessionID == nil {
            gate.finish()
            return .text(400, "DELETE ends a session: send its Mcp-Session-Id", note: note)
        }
        if let sessionID, sessions.check(sessionID, upstream: name, agentID: agentID) == .notFound {
            gate.finish()
            return .text(404, "no such session", note: note)
        }
        // Calls in a session are recorded with it and with the client that opened it.
        if let sessionID { gate.setSession(sessionID, client: sessions.client(sessionID)) }
        let exchange = Exchange(gate: gate, upstream: name, agentID: agentID, sessionID: sessionID, bearer: secret, note: note, parsed: parsed)
        exchange.instanceID = probe.instanceID == nil ? instances.id(upstream: name, probe: probe) : nil
        // The session is in use until this request's answer (or stream) is over: never idle then.
        if let sessionID { sessions.begin(sessionID) }
        let response: HTTPResponse
        switch kind {
        case .url(let url):
            response = HTTPUpstream(gateway: self, config: upstream, url: url).handle(request, exchange)
        case .command(let command):
            response = StdioUpstream(gateway: self, config: upstream, command: command).handle(request, exchange)
        }
        // The session this request used, or the one it opened (counted in use from its opening).
        if let used = sessionID ?? response.header("Mcp-Session-Id") {
            if case .stream(let stream) = response.body {
                stream.whenReleased { [sessions] in sessions.end(used) }
            } else {
                sessions.end(used)
            }
        }
        return response
    }

    /// Ends the sessions idle past `serve.session_idle`: a stdio server is stopped, an HTTP
    /// upstream is told (DELETE, off this thread), and the agent's gateway instance is marked
    /// stopped when that was its last session on the upstream. The client's next request on
    /// the session gets 404, which the MCP spec answers with a new `initialize`.
    func reapIdleSessions() {
        for (id, s, last) in sessions.reapIdle() {
            note("session on \(s.upstream) of agent \(s.agentID) idle past \(config.sessionIdleMs / 1000)s: ended")
            if s.stdio == nil, let up = config.upstreams[s.upstream], case .url(let url)? = up.kind {
                var down = HTTPClient.Request(method: "DELETE", url: url, headers: [HTTPHeader("Mcp-Session-Id", id)] + up.headers)
                down.timeoutMs = Int(up.answerTimeoutMs)
                let request = down
                BackgroundThread.start(name: "warden-session-end") { [http] in _ = try? http.perform(request, onHead: { _ in true }, onBody: { _ in true }) }
            }
            ended(s, agentsLast: last)
        }
    }

    /// Ends a session the client ended (DELETE) or whose stdio server exited: its server is
    /// stopped, and the agent's gateway instance with its last session on the upstream, as
    /// when a session is reaped. Nil when there was no such session.
    @discardableResult
    func endSession(_ id: String) -> SessionTable.Session? {
        guard let (s, last) = sessions.close(id) else { return nil }
        ended(s, agentsLast: last)
        return s
    }

    private func ended(_ s: SessionTable.Session, agentsLast: Bool) {
        s.stdio?.stop()
        if agentsLast, let instance = s.instanceID { instances.stop(instance) }
    }

    private func unauthorized(_ name: String, invalid: Bool, reason: String, note: AccessNote) -> HTTPResponse {
        var n = note
        n.decision = reason
        let body = JSONWriter.write(.object([("error", .string(invalid ? "invalid_token" : "unauthorized")),
                                             ("reason", .string(reason))]), indent: false)
        return .json(401, Array(body.utf8), headers: [("WWW-Authenticate", HeaderRules.challenge(metadataURL: metadataURL(name), invalidToken: invalid))],
                     note: n)
    }

    // MARK: streams

    /// A stream to a client. A server stream (GET) is ended when the service stops, so a
    /// drain does not wait on a quiet one, and once `bearer` no longer stands; a POST's stream
    /// ends with its answers.
    func openStream(serverStreamOf bearer: String? = nil) -> ByteStream {
        let s = ByteStream()
        if let bearer {
            streams.add(s, bearer: bearer)
            let id = ObjectIdentifier(s)
            s.whenReleased { [streams] in streams.remove(id) }
        }
        return s
    }

    /// Server streams open now: a drain waits for every other request, then ends these.
    var openServerStreams: Int { streams.count }

    /// Ends the server streams whose bearer no longer stands (revoked, expired, its chain cut):
    /// a stream is authorized once, when opened, and would otherwise relay the upstream's
    /// messages to a revoked client, and hold its session (never idle) and stdio server, for
    /// ever. The session then idles out as any other. A store that cannot say ends nothing.
    func endFallenStreams() {
        for (bearer, open) in streams.byBearer() {
            guard let s = pool.standing(secret: bearer), !s.stands else { continue }
            note("ended \(open.count) server stream\(open.count == 1 ? "" : "s") of credential \(s.credentialID ?? "unknown"): it no longer stands")
            for stream in open { stream.close() }
        }
    }

    /// After the calls under way finished: server streams end (their clients see the service go).
    func shutdown() {
        streams.closeAll()
    }

    /// After the drain: the stdio servers are asked to exit.
    func stopUpstreams() {
        for s in sessions.closeAll() { s.stdio?.stop() }
    }
}

/// One HTTP request's passage through the gateway.
final class Exchange: @unchecked Sendable {
    let gate: MessageGate
    let upstream: String
    let agentID: String
    let sessionID: String?
    /// The client's token: a server stream it opens lasts only while it stands.
    let bearer: String
    var note: AccessNote
    /// The gateway's instance for this agent on this upstream; nil when the credential has its own.
    var instanceID: String?
    /// A POST's body as read when the request came in (nil: not read yet).
    let parsed: Result<JSONValue, JSONParser.Failure>?

    init(gate: MessageGate, upstream: String, agentID: String, sessionID: String?, bearer: String, note: AccessNote,
         parsed: Result<JSONValue, JSONParser.Failure>? = nil) {
        self.gate = gate
        self.upstream = upstream
        self.agentID = agentID
        self.sessionID = sessionID
        self.bearer = bearer
        self.note = note
        self.parsed = parsed
    }

    /// A body read strictly, once.
    static func parse(_ body: [UInt8]) -> Result<JSONValue, JSONParser.Failure> {
        do throws(JSONParser.Failure) { return .success(try JSONParser.parse(bytes: body)) } catch { return .failure(error) }
    }

    /// A POST body read as the proxy reads a line: strictly, one reading only. Its messages,
    /// whether it was a batch, and what Warden answers itself.
    struct Gated {
        var forwarded: [JSONValue] = []
        var answers: [JSONValue] = []
        var batch = false
        var changed = false
        var decisions: [String] = []
        var hasRequests = false
    }

    enum GateResult {
        case success(Gated)
        case failure(HTTPResponse)
    }

    /// The first MCP revision without JSON-RPC batches: a client that says it speaks it (or a
    /// later one) and sends an array gets a 400 at once, nothing decided or recorded, rather
    /// than a wait for answers its server will never give.
    static let firstRevisionWithoutBatches = "2025-06-18"

    func gateBody(_ body: [UInt8], protocolVersion: String? = nil) -> GateResult {
        let message: JSONValue
        do { message = try (parsed ?? Self.parse(body)).get() } catch {
            let reply = gate.unreadable(error.description)
            note.decision = Authorization.Reason.malformedRequest.rawValue
            return .failure(HTTPResponse.json(400, MessageGate.bytes(reply), note: note))
        }
        var g = Gated()
        let items: [JSONValue]
        switch message {
        case .object: items = [message]
        case .array(let a) where !a.isEmpty:
            if let v = protocolVersion, v >= Self.firstRevisionWithoutBatches {
                let reply = MessageGate.malformed(id: nil, detail: "MCP \(v) has no batches: send one message per POST")
                note.decision = Authorization.Reason.malformedRequest.rawValue
                return .failure(HTTPResponse.json(400, MessageGate.bytes(reply), note: note))
            }
            items = a; g.batch = true
        default:
            let reply = MessageGate.malformed(id: nil, detail: "a POST carries a JSON-RPC message or a batch of them")
            return .failure(HTTPResponse.json(400, MessageGate.bytes(reply), note: note))
        }
        for item in items {
            let outcome = gate.client(item)
            if let d = MessageGate.decision(of: item, outcome: outcome) { g.decisions.append(d) }
            switch outcome {
            case .forward(let m):
                g.forwarded.append(m)
                if m["method"] != nil && m["id"] != nil { g.hasRequests = true }
            case .answer(let a): g.answers.append(a); g.changed = true
            case .drop: g.changed = true
            }
        }
        if !g.decisions.isEmpty {
            note.decision = g.decisions.first { $0 != "allow" } ?? "allow"
        }
        return .success(g)
    }

    /// A POST's first steps, the same for every kind of upstream: JSON only, every message
    /// through the gate, decisions counted. `.failure` is the whole answer (a refusal, or only
    /// Warden's own answers when nothing is left to forward); the exchange is then finished.
    func gatePost(_ request: HTTPRequest, metrics: Metrics) -> GateResult {
        if !(request.header("content-type") ?? "").lowercased().hasPrefix("application/json") {
            gate.finish()
            return .failure(.text(415, "a POST carries application/json", note: note))
        }
        let gated: Gated
        switch gateBody(request.body, protocolVersion: request.header("mcp-protocol-version")) {
        case .failure(let r): gate.finish(); return .failure(r)
        case .success(let g): gated = g
        }
        for d in gated.decisions { metrics.decision(d == "allow" ? nil : d) }
        if gated.forwarded.isEmpty { return .failure(answersOnly(gated)) }
        return .success(gated)
    }

    /// The bytes to send on: the client's own when nothing was taken out (the strict reading
    /// guarantees one meaning), else Warden's writing of what is left.
    func forwardBody(_ g: Gated, original: [UInt8]) -> [UInt8] {
        if !g.changed { return original }
        let v: JSONValue = g.batch ? .array(g.forwarded) : g.forwarded[0]
        return Array(JSONWriter.write(v, indent: false).utf8)
    }

    /// Warden's own answers, as the client expects them (a batch answered with an array).
    func answersOnly(_ g: Gated) -> HTTPResponse {
        gate.finish()
        if g.answers.isEmpty { return HTTPResponse(status: 202, note: note) }
        let v: JSONValue = g.batch ? .array(g.answers) : g.answers[0]
        return .json(200, Array(JSONWriter.write(v, indent: false).utf8), note: note)
    }

    /// A server message (or batch) after the gate: nil when nothing is left to relay.
    func filterServer(_ message: JSONValue) -> (JSONValue, changed: Bool)? {
        if case .array(let items) = message {
            var out: [JSONValue] = []
            var changed = false
            for item in items {
                if let m = gate.server(item) {
                    if m != item { changed = true }
                    out.append(m)
                } else {
                    changed = true
                }
            }
            return out.isEmpty ? nil : (.array(out), changed)
        }
        guard let m = gate.server(message) else { return nil }
        return (m, m != message)
    }
}

/// Client streams open now.
final class OpenStreams: @unchecked Sendable {
    private let lock = Lock()
    private var streams: [ObjectIdentifier: (stream: ByteStream, bearer: String)] = [:]
    private var closing = false

    func add(_ s: ByteStream, bearer: String) {
        lock.lock()
        if closing { lock.unlock(); s.close(); return }
        streams[ObjectIdentifier(s)] = (s, bearer)
        lock.unlock()
    }

    /// The open streams by the token that opened them.
    func byBearer() -> [String: [ByteStream]] {
        lock.lock()
        defer { lock.unlock() }
        return Dictionary(grouping: streams.values, by: \.bearer).mapValues { $0.map(\.stream) }
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return streams.count
    }

    func remove(_ id: ObjectIdentifier) {
        lock.lock()
        streams[id] = nil
        lock.unlock()
    }

    func closeAll() {
        lock.lock()
        closing = true
        let all = streams.values.map(\.stream)
        streams.removeAll()
        lock.unlock()
        for s in all { s.close() }
    }
}
