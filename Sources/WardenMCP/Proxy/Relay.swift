import Glibc
import WardenCore
import WardenStore
import WardenSystem

/// Where a relay's calls come from, recorded on each.
struct CallOrigin {
    var via: ToolCall.Via
    var session: String?
    var client: String?
}

/// The two directions of the relay. Every line either way is read once, strictly; a line that
/// cannot be read so is never relayed. `tools/call` requests are decided before they can reach
/// the server. Server → client lines pass through byte for byte, except answers: `initialize`
/// (learn the server's name), `tools/call` (record the outcome and duration), and any result
/// carrying a `tools` array (drop tools the identity may not use, whether or not a `tools/list`
/// asked for it, and every tool whose definition is not approved: see `filterTools`).
///
/// Why this closes the parser differential: the proxy decides on its reading and
/// forwards the original bytes, so it must be certain the server reads those bytes the same
/// way. It forwards only a line that (1) contains no CR except one just before its LF, so a
/// reader splitting on LF and one with universal newlines (the Python SDK) see the same single
/// message; (2) the strict `JSONParser` accepts: no duplicate key at any depth (first-wins and
/// last-wins readers agree), valid UTF-8 (no U+FFFD substitution), no unpaired surrogate escape;
/// and (3) whose ids are strings or plainly written integers within ±2^53, matched by value (so
/// `-0`, `1.0` or `1e2` cannot name one request to the proxy and another to the peer). Such a line
/// has one meaning under every conforming JSON reader, and it is the meaning the proxy decided on.
/// Anything else is refused: a JSON-RPC error to the client and, for a `tools/call` or a message
/// that cannot be identified, a denied call recorded with `malformed_request`. Server lines
/// failing these rules are dropped (with a note on stderr): relaying them could smuggle a tool
/// list past filtering, and the proxy cannot know which request such a line answers.
final class Relay: @unchecked Sendable {
    struct PendingCall {
        var at: Timestamp
        var startNanos: UInt64
        var server: String
        var tool: String
        var args: String?
        var credentialID: String?
        var agentID: String
    }

    /// The store (`Gatekeeper`) or `warden serve` (`RemoteDecider`): the same rules either way.
    let gate: any CallDecider
    let recorder: Recorder
    let secret: String
    let clock: @Sendable () -> Timestamp
    let agentID: String
    let credentialID: String?
    let instanceID: String
    let fixedServerName: String?
    let clientOut: Int32
    /// Called once when `initialize` tells the server's name (and no --server-name was given).
    let onServerName: @Sendable (String) -> Void
    /// Where notes about dropped server lines go (the proxy's stderr).
    let note: @Sendable (String) -> Void
    /// The tool recorded for a refused message whose tool cannot be known.
    static let unreadableTool = "(unreadable)"

    private let outLock = Lock()
    private let state = Lock()
    private var detectedServerName: String?
    private var pendingCalls: [String: PendingCall] = [:]
    /// Open `tools/list` requests: whether each asked for a later page (carried a cursor).
    private var pendingLists: [String: Bool] = [:]
    /// The tools of the pages of a paginated list seen so far (nil: no list in progress).
    private var listPages: [ObservedTool]?
    private var pendingInits: Set<String> = []
    /// How this relay's calls are recorded: the path, and the session and client when known.
    private var origin: CallOrigin

    /// The server side's stdin; set once the child is started.
    var childIn: Int32 = -1

    init(gate: any CallDecider, recorder: Recorder, secret: String, clock: @escaping @Sendable () -> Timestamp,
         agentID: String, credentialID: String?, instanceID: String, fixedServerName: String?, clientOut: Int32,
         via: ToolCall.Via, onServerName: @escaping @Sendable (String) -> Void, note: @escaping @Sendable (String) -> Void = { _ in }) {
        self.origin = CallOrigin(via: via)
        self.gate = gate
        self.recorder = recorder
        self.secret = secret
        self.clock = clock
        self.agentID = agentID
        self.credentialID = credentialID
        self.instanceID = instanceID
        self.fixedServerName = fixedServerName
        self.clientOut = clientOut
        self.onServerName = onServerName
        self.note = note
    }

    /// SERVER in `SERVER/TOOL`: --server-name, else the name from `initialize`, else `unknown`.
    var serverName: String {
        if let fixedServerName { return fixedServerName }
        state.lock()
        defer { state.unlock() }
        return detectedServerName ?? "unknown"
    }

    // MARK: Output

    func sendToClient(_ bytes: [UInt8], newline: Bool = true) {
        outLock.lock()
        FD.writeAll(clientOut, bytes)
        if newline { FD.writeAll(clientOut, [10]) }
        outLock.unlock()
    }

    /// Only the client-reading thread writes to the server, so no lock is needed.
    func sendToServer(_ bytes: [UInt8], newline: Bool = true) {
        guard childIn >= 0 else { return }
        // A server that has gone away (EPIPE) is noticed by the other direction reaching EOF.
        FD.writeAll(childIn, bytes)
        if newline { FD.writeAll(childIn, [10]) }
    }

    // MARK: Client → server

    enum Action {
        case forward
        case answer(JSONValue)
        case drop
    }

    func handleClient(_ event: RelayLineReader.Event) {
        switch event {
        case .line(let line):
            handleClientLine(line)
        case .oversized(_, let final):
            if final { refuseUnreadable("message longer than \(RelayLineReader.defaultMaxLine >> 20) MiB") }
        }
    }

    /// The bytes of a line without the CR of a CRLF ending, and an error when a CR is anywhere
    /// else: a reader with universal newlines (the Python SDK) would see more than one line.
    static func strictLine(_ line: [UInt8]) -> (body: ArraySlice<UInt8>, error: String?) {
        var body = line[...]
        if body.last == 13 { body = body.dropLast() }
        if body.contains(13) { return (body, "a carriage return inside a line (only CRLF may end one)") }
        return (body, nil)
    }

    func handleClientLine(_ line: [UInt8]) {
        let (body, crError) = Self.strictLine(line)
        if let crError { return refuseUnreadable(crError) }
        if body.allSatisfy({ $0 == 32 || $0 == 9 }) { return }  // blank line: nothing to relay
        let message: JSONValue
        do {
            message = try body.withUnsafeBufferPointer { (b) throws(JSONParser.Failure) -> JSONValue in try JSONParser.parse(bytes: b) }
        } catch {
            return refuseUnreadable(error.description)
        }
        // From here the line has one reading (see the type's comment), so its bytes are forwarded.
        switch message {
        case .object:
            switch inspectRequest(message) {
            case .forward: sendToServer(line)
            case .answer(let reply): sendToClient(JSONRPC.bytes(reply), newline: false)
            case .drop: break
            }
        case .array(let items) where !items.isEmpty:
            // A batch: refused calls are answered by the proxy (in a batch of their own), the
            // rest go to the server as a batch; untouched batches go byte for byte.
            var forward: [JSONValue] = [], answers: [JSONValue] = []
            var changed = false
            for item in items {
                switch inspectRequest(item) {
                case .forward: forward.append(item)
                case .answer(let reply): answers.append(reply); changed = true
                case .drop: changed = true
                }
            }
            if !changed {
                sendToServer(line)
            } else {
                if !forward.isEmpty { sendToServer(JSONRPC.bytes(.array(forward)), newline: false) }
                if !answers.isEmpty { sendToClient(JSONRPC.bytes(.array(answers)), newline: false) }
            }
        default:
            // Valid JSON that is not a request (an empty batch, a scalar): the server answers it.
            sendToServer(line)
        }
    }

    /// A client line that cannot be read one way only: a parse error to the client, a denied
    /// call recorded (it cannot be told apart from a tool call), nothing forwarded.
    private func refuseUnreadable(_ detail: String) {
        recordMalformed(tool: Self.unreadableTool, args: nil)
        sendToClient(JSONRPC.bytes(JSONRPC.parseError(detail)), newline: false)
    }

    func recordMalformed(tool: String, args: String?) {
        record(ToolCall(at: clock(), agentID: agentID, instanceID: instanceID, credentialID: credentialID,
                        server: serverName, tool: Authorization.recordableToolName(tool), decision: .deny,
                        reason: Authorization.Reason.malformedRequest.rawValue, durationMs: 0, result: .error,
                        args: args))
    }

    func inspectRequest(_ message: JSONValue) -> Action {
        let id = message["id"]
        guard let methodValue = message["method"] else {
            // An answer to a server request: its id must be one the server reads as we do (an
            // error answer may carry null, as JSON-RPC allows for an unreadable request).
            if let id, !JSONRPC.isValidID(id), !(id == .null && message["error"] != nil) {
                return refuse(message, id: id, detail: "id must be a string or an integer within ±2^53", record: false)
            }
            return .forward
        }
        guard let method = methodValue.string else {
            return refuse(message, id: id, detail: "method must be a string", record: true)
        }
        if let id, !JSONRPC.isValidID(id) {
            return refuse(message, id: id, detail: "id must be a string or an integer within ±2^53",
                          record: method == "tools/call")
        }
        let key = JSONRPC.idKey(id)
        switch method {
        case "initialize":
            learnClient(message)
            if let key { state.lock(); pendingInits.insert(key); state.unlock() }
            return .forward
        case "tools/list":
            let cursor = message["params"]?["cursor"]
            let laterPage = cursor != nil && cursor != .null
            if let key { state.lock(); pendingLists[key] = laterPage; state.unlock() }
            return .forward
        case "tools/call":
            return inspectCall(message, id: id, key: key)
        default:
            return .forward
        }
    }

    /// Refuses a message read strictly but not acceptable; `record` when it may be a tool call.
    private func refuse(_ message: JSONValue, id: JSONValue?, detail: String, record: Bool) -> Action {
        if record {
            let name = message["params"]?["name"]?.string ?? Self.unreadableTool
            recordMalformed(tool: name, args: ArgumentSummary.make(message["params"]?["arguments"], secret: secret))
        }
        // A notification (no id) gets no answer.
        guard id != nil else { return .drop }
        return .answer(JSONRPC.malformed(id: id, detail: detail))
    }

    private func inspectCall(_ message: JSONValue, id: JSONValue?, key: String?) -> Action {
        let params = message["params"]
        guard let tool = params?["name"]?.string else {
            recordMalformed(tool: Self.unreadableTool, args: nil)
            guard let id else { return .drop }
            return .answer(JSONRPC.error(id: id, code: JSONRPC.invalidParamsCode,
                                         message: "warden: tools/call needs params.name (a tool name)",
                                         data: .object([("reason", .string(Authorization.Reason.malformedRequest.rawValue))])))
        }
        guard Authorization.isValidToolName(tool) else {
            return refuse(message, id: id, detail: "a tool name is 1 to 128 characters of A-Z a-z 0-9 _ . -", record: true)
        }
        let server = serverName
        let at = clock()
        let start = MonotonicClock.nanos()
        let verdict = gate.check(server: server, tool: tool)
        let args = ArgumentSummary.make(params?["arguments"], secret: secret)
        let call = PendingCall(at: at, startNanos: start, server: server, tool: tool, args: args,
                               credentialID: verdict.credentialID ?? credentialID, agentID: verdict.agentID ?? agentID)
        if verdict.allowed {
            if let key {
                state.lock()
                let previous = pendingCalls.updateValue(call, forKey: key)
                state.unlock()
                if let previous { finish(previous, result: nil) }  // the client reused an id still open
            } else {
                finish(call, result: nil)  // a notification: no answer will come
            }
            return .forward
        }
        let reason = verdict.reason ?? Authorization.Reason.outOfScope.rawValue
        record(ToolCall(at: at, agentID: call.agentID, instanceID: instanceID, credentialID: call.credentialID,
                        server: server, tool: tool, decision: .deny, reason: reason,
                        durationMs: Int64((MonotonicClock.nanos() - start) / 1_000_000), result: .error, args: args))
        guard let id else { return .drop }
        return .answer(JSONRPC.denied(id: id, reason: reason, serverTool: server + "/" + tool))
    }

    private func finish(_ call: PendingCall, result: ToolCall.Result?) {
        record(ToolCall(at: call.at, agentID: call.agentID, instanceID: instanceID, credentialID: call.credentialID,
                        server: call.server, tool: call.tool, decision: .allow, reason: nil,
                        durationMs: Int64((MonotonicClock.nanos() - call.startNanos) / 1_000_000),
                        result: result, args: call.args))
    }

    // MARK: Origin

    /// Records `call` with where it came from: this relay's path, session and client.
    private func record(_ call: ToolCall) {
        var c = call
        state.lock()
        c.via = origin.via
        c.session = origin.session
        c.client = origin.client
        state.unlock()
        recorder.record(c)
    }

    /// The gateway's session this exchange belongs to, and the client that opened it.
    func setSession(_ session: String?, client: String?) {
        state.lock()
        origin.session = session
        if let client { origin.client = client }
        state.unlock()
    }

    /// The client as its `initialize` named itself, once learned.
    var client: String? {
        state.lock()
        defer { state.unlock() }
        return origin.client
    }

    /// `initialize`'s `clientInfo`: name and version, as the client gives them (the store caps
    /// and redacts them; a terminal shows them sanitized). The first one stands.
    private func learnClient(_ message: JSONValue) {
        guard let info = message["params"]?["clientInfo"], let name = info["name"]?.string, !name.isEmpty else { return }
        let text = info["version"]?.string.map { name + " " + $0 } ?? name
        state.lock()
        if origin.client == nil { origin.client = String(text.prefix(RecordLimits.client * 2)) }
        state.unlock()
    }

    /// Calls still waiting for an answer when the relay ends are recorded without a result.
    func finishUnanswered() {
        state.lock()
        let open = pendingCalls.values.sorted { $0.startNanos < $1.startNanos }
        pendingCalls.removeAll()
        state.unlock()
        for c in open { finish(c, result: nil) }
    }

    // MARK: Server → client

    func handleServer(_ event: RelayLineReader.Event) {
        switch event {
        case .line(let line):
            handleServerLine(line)
        case .oversized(_, let final):
            if final { dropServerLine("a line longer than \(RelayLineReader.defaultMaxLine >> 20) MiB") }
        }
    }

    private func dropServerLine(_ detail: String) {
        note("dropped a line from the server that cannot be read one way only (\(detail))")
    }

    /// What to do with one server message.
    enum Outgoing {
        case relay
        case replace(JSONValue)
        case drop
    }

    func handleServerLine(_ line: [UInt8]) {
        let (body, crError) = Self.strictLine(line)
        if let crError { return dropServerLine(crError) }
        if body.allSatisfy({ $0 == 32 || $0 == 9 }) { return }
        let message: JSONValue
        do {
            message = try body.withUnsafeBufferPointer { (b) throws(JSONParser.Failure) -> JSONValue in try JSONParser.parse(bytes: b) }
        } catch {
            return dropServerLine(error.description)
        }
        switch message {
        case .array(let items):
            var changed = false
            var out: [JSONValue] = []
            for item in items {
                switch inspectResponse(item) {
                case .relay: out.append(item)
                case .replace(let r): out.append(r); changed = true
                case .drop: changed = true
                }
            }
            if !changed { sendToClient(line) } else if !out.isEmpty { sendToClient(JSONRPC.bytes(.array(out)), newline: false) }
        default:
            switch inspectResponse(message) {
            case .relay: sendToClient(line)
            case .replace(let r): sendToClient(JSONRPC.bytes(r), newline: false)
            case .drop: dropServerLine("an answer whose id is not a string or an integer within ±2^53")
            }
        }
    }

    /// What becomes of one message from the server. Requests and notifications are relayed;
    /// an answer must carry an id read one way only (null only on an error); answers to pending
    /// calls and `initialize` are noted; any result carrying `tools` is filtered to the grant.
    func inspectResponse(_ message: JSONValue) -> Outgoing {
        guard case .object = message else { return .relay }
        // A request that also carries a result may be read as an answer by some clients: its
        // tools are filtered too.
        if message["method"] != nil { return filterTools(message, laterPage: false).map { .replace($0) } ?? .relay }
        var laterPage = false
        let id = message["id"] ?? .null
        guard JSONRPC.isValidID(id) || (id == .null && message["error"] != nil) else { return .drop }
        if let key = JSONRPC.idKey(id) {
            state.lock()
            if let call = pendingCalls.removeValue(forKey: key) {
                state.unlock()
                let failed = message["error"] != nil || message["result"]?["isError"]?.bool == true
                finish(call, result: failed ? .error : .ok)
            } else if pendingInits.remove(key) != nil {
                var learned: String?
                if fixedServerName == nil, detectedServerName == nil,
                   let name = message["result"]?["serverInfo"]?["name"]?.string {
                    learned = MCPProxy.serverName(fromServerInfo: name)
                    detectedServerName = learned
                }
                state.unlock()
                if let learned { onServerName(learned) }
            } else {
                laterPage = pendingLists.removeValue(forKey: key) ?? false
                state.unlock()
            }
        }
        // Every result with a tools array, expected or not: a server cannot slip tools outside
        // the grant past the filter by answering another request, or an id no one is waiting for.
        return filterTools(message, laterPage: laterPage).map { .replace($0) } ?? .relay
    }

    /// Removes the tools this identity may not call, decided against the store now; nil when
    /// the message carries no `result.tools` array or every tool in it may be called.
    ///
    /// Tool pinning: each tool object is hashed as sent (`ToolHash.observe`, RFC 8785) and the
    /// list reported to the store (`observeTools`: one read when nothing changed); only a tool
    /// in scope (the chain read once: `Gatekeeper.standing`) whose pin is approved with exactly
    /// the hash just seen stays (pending, changed, rejected are hidden from this very answer).
    /// A store that cannot record the list, or read the chain, hides all of it.
    ///
    /// Pagination (`nextCursor`): a page is not the whole list, and recording it alone would mark
    /// the other pages' tools gone. The pages of one listing (a `tools/list` without a cursor,
    /// then the ones with) are gathered, and the whole is recorded with the last page. Until
    /// then a page shows only tools already approved with the hash it carries (read, nothing
    /// recorded), so a tool seen first on an earlier page is hidden there until it is reported.
    /// A later page with no first page before it is only read, never recorded.
    func filterTools(_ message: JSONValue, laterPage: Bool) -> JSONValue? {
        guard let result = message["result"], let tools = result["tools"]?.array,
              case .object(let members) = message, case .object(let resultMembers) = result else { return nil }
        let server = serverName
        var observed: [ObservedTool?] = []
        observed.reserveCapacity(tools.count)
        for (i, tool) in tools.enumerated() {
            do { observed.append(try ToolHash.observe(tool, path: "$.result.tools[\(i)]")) } catch {
                note("hid a tool of \(server) that cannot be pinned (\(error))")
                observed.append(nil)
            }
        }
        let listed = observed.compactMap { $0 }
        let visible = gate.visible(server: server, page: listed, recording: wholeList(listed, laterPage: laterPage,
                                   lastPage: result["nextCursor"] == nil || result["nextCursor"] == .null))
        var kept: [JSONValue] = []
        kept.reserveCapacity(tools.count)
        var next = 0
        for (tool, seen) in zip(tools, observed) where seen != nil {
            defer { next += 1 }
            if let visible, next < visible.count, visible[next] { kept.append(tool) }
        }
        if kept.count == tools.count { return nil }
        let newResult = JSONValue.object(resultMembers.map { $0.0 == "tools" ? ("tools", .array(kept)) : $0 })
        return .object(members.map { $0.0 == "result" ? ("result", newResult) : $0 })
    }

    /// The server's whole list when this page completes it (then it is recorded), else nil
    /// (the page is only read). A later page with no first page before it is never recorded.
    private func wholeList(_ listed: [ObservedTool], laterPage: Bool, lastPage: Bool) -> [ObservedTool]? {
        state.lock()
        defer { state.unlock() }
        if !laterPage {
            listPages = lastPage ? nil : listed
            return lastPage ? listed : nil
        }
        guard let pages = listPages else { return nil }
        listPages = lastPage ? nil : pages + listed
        return lastPage ? pages + listed : nil
    }
}
