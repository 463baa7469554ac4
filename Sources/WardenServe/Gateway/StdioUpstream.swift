import Glibc
import WardenCore
import WardenMCP
import WardenSystem

/// An upstream that is a stdio MCP server: the service starts one process per session (a stdio
/// server holds one client's state), at `initialize`, and ends it when the session ends. Its
/// environment is the service's less every `WARDEN_*` variable (the store's location is none of
/// its business); it never sees a client's token.
struct StdioUpstream {
    let gateway: Gateway
    let config: UpstreamConfig
    let command: [String]
    /// How long a POST waits for the server's answers before the client gets errors instead.
    /// The answer to `initialize` includes the process's start (`npx` may fetch a package
    /// first), so it gets at least `startSeconds`.
    func answerTimeoutSeconds(starting: Bool) -> Double {
        let configured = Double(config.answerTimeoutMs) / 1000
        return starting ? max(configured, Self.startSeconds) : configured
    }
    static let startSeconds = 60.0
    /// How long a streamed POST's headers wait for its answers to be all in (then they go out
    /// together); well under any client's wait for headers.
    static let wholeAnswerSeconds = 0.25

    func handle(_ request: HTTPRequest, _ ex: Exchange) -> HTTPResponse {
        switch request.method {
        case "POST": return post(request, ex)
        case "GET":
            guard let sid = ex.sessionID, let session = gateway.sessions.stdio(sid) else {
                ex.gate.finish()
                return .text(405, "the server stream needs a session", note: ex.note)
            }
            let stream = gateway.openStream(serverStreamOf: ex.bearer)
            session.attachServerStream(stream, ex)
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")],
                                body: .stream(stream), note: ex.note)
        default:  // DELETE
            ex.gate.finish()
            guard let sid = ex.sessionID, gateway.endSession(sid) != nil else { return .text(404, "no such session", note: ex.note) }
            return HTTPResponse(status: 204, note: ex.note)
        }
    }

    /// Without a session and without an `initialize`, no process can take the messages: each
    /// request gets a JSON-RPC error (SDK clients answer it with `initialize`), before anything
    /// is decided or recorded, since nothing is forwarded. Nil when the POST may go on.
    private func sessionRequired(_ ex: Exchange) -> HTTPResponse? {
        guard ex.sessionID == nil, case .success(let body)? = ex.parsed else { return nil }
        let messages = body.array ?? [body]
        guard !messages.isEmpty, messages.allSatisfy({ $0.object != nil }),
              !messages.contains(where: { $0["method"]?.string == "initialize" }) else { return nil }
        ex.gate.finish()
        let replies = messages.compactMap { m -> JSONValue? in
            guard let id = m["id"], m["method"] != nil else { return nil }
            return MessageGate.error(id: id, message: "warden: \(config.name) is a stdio server; open a session with initialize", reason: "session_required")
        }
        var note = ex.note
        note.decision = "session_required"
        if replies.isEmpty { return HTTPResponse(status: 202, note: note) }
        let v: JSONValue = body.array != nil ? .array(replies) : replies[0]
        return .json(400, Array(JSONWriter.write(v, indent: false).utf8), note: note)
    }

    private func post(_ request: HTTPRequest, _ ex: Exchange) -> HTTPResponse {
        if let refused = sessionRequired(ex) { return refused }
        let gated: Exchange.Gated
        switch ex.gatePost(request, metrics: gateway.metrics) {
        case .failure(let answer): return answer
        case .success(let g): gated = g
        }

        var headers: [(String, String)] = []
        let session: StdioSession
        if let sid = ex.sessionID, let s = gateway.sessions.stdio(sid) {
            if s.hasEnded {
                // The server process is gone: the session is over, and the client starts anew.
                // Reaps the process (and stops the instance with the agent's last session).
                if gateway.endSession(sid) == nil { s.stop() }
                ex.gate.finish()
                return .text(404, "the session's server process ended", note: ex.note)
            }
            session = s
        } else if gated.forwarded.contains(where: { $0["method"]?.string == "initialize" }) {
            if let no = gateway.sessions.admits(agentID: ex.agentID).refusal {
                ex.gate.finish()
                return .text(no.status, no.text, note: ex.note)
            }
            do {
                session = try StdioSession(command: command, upstream: config.name, note: gateway.note) { [gateway, name = config.name] in
                    gateway.metrics.upstreamError(name)
                }
            } catch {
                gateway.metrics.upstreamError(config.name)
                gateway.note("upstream \(config.name): \(error.description)")
                ex.gate.finish()
                return .text(502, "the upstream \(config.name) could not be started", note: ex.note)
            }
            let sid = Self.newSessionID()
            gateway.sessions.open(sid, SessionTable.Session(upstream: config.name, agentID: ex.agentID, stdio: session,
                                                            instanceID: ex.instanceID, client: ex.gate.client))
            ex.gate.setSession(sid, client: nil)
            headers.append(("Mcp-Session-Id", sid))
        } else {
            // Sessionless requests (the 2026 stateless revision's `server/discover`) have no
            // process to go to: a JSON-RPC error, which SDK clients answer with `initialize`.
            ex.gate.finish()
            let replies = gated.forwarded.compactMap { m -> JSONValue? in
                guard let id = m["id"], m["method"] != nil else { return nil }
                return MessageGate.error(id: id, message: "warden: \(config.name) is a stdio server; open a session with initialize", reason: "session_required")
            } + gated.answers
            if replies.isEmpty { return HTTPResponse(status: 202, headers: headers, note: ex.note) }
            let v: JSONValue = gated.batch ? .array(replies) : replies[0]
            return .json(400, Array(JSONWriter.write(v, indent: false).utf8), note: ex.note)
        }

        let ids = gated.forwarded.compactMap { $0["method"] != nil ? $0["id"] : nil }
        let timeout = answerTimeoutSeconds(starting: gated.forwarded.contains { $0["method"]?.string == "initialize" })
        let body = ex.forwardBody(gated, original: request.body)
        // A stdio server reads one message per line: Warden's own writing when the client's had line breaks.
        let line = body.contains(10) || body.contains(13)
            ? Array(JSONWriter.write(gated.batch ? .array(gated.forwarded) : gated.forwarded[0], indent: false).utf8) : body
        if ids.isEmpty {
            session.send(line)
            ex.gate.finish()
            if gated.answers.isEmpty { return HTTPResponse(status: 202, headers: headers, note: ex.note) }
            return .json(200, Array(JSONWriter.write(gated.batch ? .array(gated.answers) : gated.answers[0], indent: false).utf8),
                         headers: headers, note: ex.note)
        }
        if HeaderRules.accepts(request.header("accept"), "text/event-stream") {
            let stream = gateway.openStream()
            for a in gated.answers { stream.write(SSEEvent(event: "message", data: JSONWriter.write(a, indent: false)).bytes) }
            // The stream's own clock: when the answers have not all come in time, the ids still
            // waiting get errors and the stream ends (the request thread is already streaming).
            // Made first, so that answers all in before it is scheduled still cancel it.
            let deadline = DeadlineWatch.shared.handle()
            let waiter = session.await(ids: ids, ex: ex, deliver: { m in
                // A server's request or notification (progress) goes out as it comes.
                if m["method"] != nil { stream.streamNow() }
                stream.write(SSEEvent(event: "message", data: JSONWriter.write(m, indent: false)).bytes)
            }, done: { stream.close(); ex.gate.finish(); deadline.cancel() })
            session.send(line)
            deadline.schedule(at: Deadline.after(seconds: timeout)) { [gateway, name = config.name, seconds = timeout] in
                guard let missing = session.expire(waiter), !missing.isEmpty else { return }
                gateway.metrics.upstreamError(name)
                gateway.note("upstream \(name): no answer within \(Int(seconds))s")
                for e in Self.noAnswer(missing, ex, upstream: name) {
                    stream.write(SSEEvent(event: "message", data: JSONWriter.write(e, indent: false)).bytes)
                }
                stream.close()
                ex.gate.finish()
            }
            let sse: [(String, String)] = [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")] + headers
            // The answers all in soon (most calls): one piece, sent with the headers in one write,
            // instead of the headers, each event and the stream's end apart (a send and a client
            // wake-up each). Otherwise the stream goes on as it comes, its headers sent by then.
            if let whole = stream.whole(until: Deadline.after(seconds: Self.wholeAnswerSeconds)) {
                return HTTPResponse(status: 200, headers: sse, body: .bytes(whole), note: ex.note)
            }
            return HTTPResponse(status: 200, headers: sse, body: .stream(stream), note: ex.note)
        }
        // JSON: wait for every answer, then send them together.
        let collected = Collected()
        let waiter = session.await(ids: ids, ex: ex, deliver: { collected.add($0) }, done: { collected.finish() })
        session.send(line)
        _ = collected.wait(seconds: timeout)
        var missing: [JSONValue] = []
        if let m = session.expire(waiter), !m.isEmpty {
            missing = m
            gateway.metrics.upstreamError(config.name)
            gateway.note("upstream \(config.name): no answer within \(Int(timeout))s")
        }
        // Read after the waiter is gone: nothing more is delivered to it.
        var answers = collected.items + Self.noAnswer(missing, ex, upstream: config.name)
        ex.gate.finish()
        answers = answers.filter { $0["method"] == nil } + gated.answers
        // Every id ended one way or the other, but the gate may have dropped what came.
        if answers.isEmpty { return .text(502, "the upstream \(config.name) gave no answer that can be relayed", note: ex.note) }
        let v: JSONValue = gated.batch || answers.count > 1 ? .array(answers) : answers[0]
        return .json(200, Array(JSONWriter.write(v, indent: false).utf8), headers: headers, note: ex.note)
    }

    /// Errors for requests the server did not answer in time, through the gate so that their
    /// calls are recorded as failed.
    static func noAnswer(_ ids: [JSONValue], _ ex: Exchange, upstream: String) -> [JSONValue] {
        ids.compactMap { id in
            ex.filterServer(MessageGate.error(id: id, message: "warden: the upstream \(upstream) did not answer in time", reason: "upstream_unavailable"))?.0
        }
    }

    /// 128 random bits from the system's CSPRNG (getrandom), as hex.
    static func newSessionID() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(g.next() as UInt64, radix: 16).leftPadded(16) }.joined()
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

/// Answers gathered for a JSON reply.
final class Collected: @unchecked Sendable {
    private let cond = Condition()
    private var gathered: [JSONValue] = []
    private var finished = false

    func add(_ m: JSONValue) { cond.lock(); gathered.append(m); cond.unlock() }
    func finish() { cond.lock(); finished = true; cond.signal(); cond.unlock() }

    var items: [JSONValue] {
        cond.lock()
        defer { cond.unlock() }
        return gathered
    }

    func wait(seconds: Double) -> [JSONValue] {
        let deadline = Deadline.after(seconds: seconds)
        cond.lock()
        defer { cond.unlock() }
        while !finished { if !cond.wait(until: deadline) { break } }
        return gathered
    }
}
