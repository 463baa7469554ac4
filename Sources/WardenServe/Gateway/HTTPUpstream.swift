import Glibc
import WardenSystem
import WardenCore
import WardenHTTPClient
import WardenMCP

/// An upstream reached over Streamable HTTP through libcurl. The client's request goes on with
/// the MCP headers it carried and the upstream's configured headers, never the client's
/// Authorization or cookies; the answer comes back as JSON or as an SSE stream, each message
/// through the gate (answers to calls recorded, tools filtered).
struct HTTPUpstream {
    let gateway: Gateway
    let config: UpstreamConfig
    let url: String

    /// Client headers relayed to the upstream: the MCP ones (session, protocol version, the
    /// 2026 routing headers `Mcp-Method`/`Mcp-Name`), and what content the client accepts.
    static func relayedHeaders(_ request: HTTPRequest) -> [HTTPHeader] {
        var out: [HTTPHeader] = []
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key })
        where name.hasPrefix("mcp-") || name == "last-event-id" || name == "accept" {
            out.append(HTTPHeader(name, value))
        }
        return out
    }

    func handle(_ request: HTTPRequest, _ ex: Exchange) -> HTTPResponse {
        var headers = Self.relayedHeaders(request) + config.headers
        switch request.method {
        case "POST":
            let gated: Exchange.Gated
            switch ex.gatePost(request, metrics: gateway.metrics) {
            case .failure(let answer): return answer
            case .success(let g): gated = g
            }
            if ex.sessionID == nil, let no = gateway.sessions.admits(agentID: ex.agentID).refusal {
                ex.gate.finish()
                return .text(no.status, no.text, note: ex.note)
            }
            headers.append(HTTPHeader("Content-Type", "application/json"))
            if request.header("accept") == nil { headers.append(HTTPHeader("Accept", "application/json, text/event-stream")) }
            var up = HTTPClient.Request(method: "POST", url: url, headers: headers, body: ex.forwardBody(gated, original: request.body))
            // A POST's exchange ends with its answers: an upstream that has not given them
            // within the timeout is cut off, and each request waiting gets an error.
            up.timeoutMs = Int(config.answerTimeoutMs)
            return exchange(up, ex, localAnswers: gated.answers, batch: gated.batch, ids: gated.forwarded.compactMap { $0["method"] != nil ? $0["id"] : nil })
        case "GET":
            guard ex.sessionID != nil else {
                ex.gate.finish()
                var r = HTTPResponse.text(405, "the server stream needs a session", note: ex.note)
                r.headers.append(("Allow", "POST, DELETE"))
                return r
            }
            return exchange(HTTPClient.Request(method: "GET", url: url, headers: headers), ex, localAnswers: [], batch: false, ids: [])
        default:  // DELETE
            var down = HTTPClient.Request(method: "DELETE", url: url, headers: headers)
            down.timeoutMs = Int(config.answerTimeoutMs)
            let r = exchange(down, ex, localAnswers: [], batch: false, ids: [])
            if let id = ex.sessionID, r.status < 300 || r.status == 404 { gateway.endSession(id) }
            return r
        }
    }

    /// Runs the upstream exchange on its own thread; answers as soon as the kind of answer is
    /// known: an SSE stream relayed event by event, or a whole body read, gated and sent.
    private func exchange(_ up: HTTPClient.Request, _ ex: Exchange, localAnswers: [JSONValue], batch: Bool, ids: [JSONValue]) -> HTTPResponse {
        let waiter = HeadWaiter()
        let gateway = self.gateway
        let stream = gateway.openStream(serverStreamOf: up.method == "GET" ? ex.bearer : nil)
        let name = config.name
        BackgroundThread.start(name: "warden-upstream") {
            var parser = SSEParser()
            var streaming = false
            var body: [UInt8] = []
            var answered: Set<String> = []
            do throws(HTTPClientError) {
                let head = try gateway.http.perform(up, onHead: { head in
                    streaming = head.status == 200 && (head.value("content-type") ?? "").lowercased().hasPrefix("text/event-stream")
                    if streaming {
                        for a in localAnswers { stream.write(SSEEvent(event: "message", data: JSONWriter.write(a, indent: false)).bytes) }
                        waiter.set(.stream(head))
                    }
                    return true
                }, onBody: { bytes in
                    if streaming {
                        for e in parser.feed(bytes) {
                            if let out = Self.gateEvent(e, ex, answered: &answered, note: gateway.note) { stream.write(out.bytes) }
                        }
                        return !stream.isClosed
                    }
                    body.append(contentsOf: bytes)
                    return body.count <= 16 << 20
                })
                if !streaming { waiter.set(.whole(head, body)) }
            } catch {
                gateway.metrics.upstreamError(name)
                gateway.note("upstream \(name): \(error.description)")
                // Each request still waiting gets an error it can match, through the gate so
                // that its call is recorded as failed (before the gate finishes, below).
                let errors = ids.filter { !answered.contains(StdioSession.key($0)) }.compactMap { id in
                    ex.filterServer(MessageGate.error(id: id, message: "warden: the upstream \(name) did not answer", reason: "upstream_unavailable"))?.0
                }
                if streaming {
                    for e in errors { stream.write(SSEEvent(event: "message", data: JSONWriter.write(e, indent: false)).bytes) }
                }
                waiter.set(.failed(errors))
            }
            stream.close()
            ex.gate.finish()
        }

        switch waiter.wait() {
        case .stream(let head):
            register(head, ex)
            var headers: [(String, String)] = [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")]
            if let sid = head.value("mcp-session-id") { headers.append(("Mcp-Session-Id", sid)) }
            return HTTPResponse(status: 200, headers: headers, body: .stream(stream), note: ex.note)
        case .whole(let head, let body):
            stream.close()
            register(head, ex)
            return wholeAnswer(head, body, ex, localAnswers: localAnswers, batch: batch)
        case .failed(let errors):
            stream.close()
            if errors.isEmpty && localAnswers.isEmpty { return .text(502, "the upstream \(config.name) did not answer", note: ex.note) }
            let all = localAnswers + errors
            let v: JSONValue = batch ? .array(all) : all[0]
            return .json(200, Array(JSONWriter.write(v, indent: false).utf8), note: ex.note)
        }
    }

    /// A session the upstream opened is bound to the agent that opened it.
    private func register(_ head: HTTPClient.Head, _ ex: Exchange) {
        guard let sid = head.value("mcp-session-id"), !sid.isEmpty else { return }
        gateway.sessions.open(sid, SessionTable.Session(upstream: config.name, agentID: ex.agentID, instanceID: ex.instanceID, client: ex.gate.client))
        ex.gate.setSession(sid, client: nil)
    }

    private func wholeAnswer(_ head: HTTPClient.Head, _ body: [UInt8], _ ex: Exchange, localAnswers: [JSONValue], batch: Bool) -> HTTPResponse {
        var headers: [(String, String)] = []
        if let sid = head.value("mcp-session-id") { headers.append(("Mcp-Session-Id", sid)) }
        // The upstream refusing its own credentials is not the client's token failing.
        if head.status == 401 || head.status == 403 {
            gateway.metrics.upstreamError(config.name)
            return .text(502, "the upstream \(config.name) refused the gateway's credentials (HTTP \(head.status))", note: ex.note)
        }
        if head.status == 404, let id = ex.sessionID { gateway.endSession(id) }
        let contentType = head.value("content-type") ?? ""
        guard !body.isEmpty, contentType.lowercased().hasPrefix("application/json") else {
            if !localAnswers.isEmpty {
                let v: JSONValue = batch ? .array(localAnswers) : localAnswers[0]
                return .json(200, Array(JSONWriter.write(v, indent: false).utf8), headers: headers, note: ex.note)
            }
            // Nothing to read: the status says it all (202 for notifications, 405 for no stream).
            return HTTPResponse(status: head.status, headers: headers, note: ex.note)
        }
        guard let message = try? JSONParser.parse(bytes: body) else {
            gateway.metrics.upstreamError(config.name)
            gateway.note("upstream \(config.name): dropped an answer that cannot be read one way only")
            return .text(502, "the upstream \(config.name) answered with JSON that cannot be read one way only", note: ex.note)
        }
        var out: JSONValue
        var changed = false
        if let (m, c) = ex.filterServer(message) { out = m; changed = c } else { out = .array([]); changed = true }
        if !localAnswers.isEmpty {
            let upstreamItems: [JSONValue] = out.array ?? [out]
            out = batch ? .array(localAnswers + upstreamItems) : .array(localAnswers + upstreamItems)
            changed = true
        }
        let bytes = changed ? Array(JSONWriter.write(out, indent: false).utf8) : body
        return .json(head.status, bytes, headers: headers, note: ex.note)
    }

    /// One event of an upstream stream through the gate: its data read strictly (an event that
    /// cannot be is dropped), answers recorded, tools filtered; events without data pass (the
    /// priming event of 2025-11-25 carries only an id).
    /// `answered` gains the ids of the answers it carries.
    static func gateEvent(_ e: SSEEvent, _ ex: Exchange, answered: inout Set<String>, note: @Sendable (String) -> Void) -> SSEEvent? {
        guard let data = e.data, !data.isEmpty else { return e }
        guard let message = try? JSONParser.parse(data) else {
            note("upstream \(ex.upstream): dropped a stream event that cannot be read one way only")
            return nil
        }
        for m in message.array ?? [message] where m["method"] == nil {
            if let id = m["id"] { answered.insert(StdioSession.key(id)) }
        }
        guard let (m, changed) = ex.filterServer(message) else { return nil }
        var out = e
        if changed { out.data = JSONWriter.write(m, indent: false) }
        return out
    }
}

/// The first thing an upstream exchange knows, handed to the request's thread.
final class HeadWaiter: @unchecked Sendable {
    enum Outcome {
        case stream(HTTPClient.Head)
        case whole(HTTPClient.Head, [UInt8])
        /// No answer: the errors (already through the gate) for the requests that waited.
        case failed([JSONValue])
    }

    private let cond = Condition()
    private var outcome: Outcome?

    func set(_ o: Outcome) {
        cond.lock()
        if outcome == nil { outcome = o }
        cond.signal()
        cond.unlock()
    }

    func wait() -> Outcome {
        cond.lock()
        defer { cond.unlock() }
        while outcome == nil { cond.wait() }
        return outcome!
    }
}
