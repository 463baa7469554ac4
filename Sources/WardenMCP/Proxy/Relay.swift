import Foundation
import WardenCore
import WardenStore

/// The two directions of the relay. Client → server lines are parsed (a malformed line is
/// answered with a parse error, never forwarded); `tools/call` requests are decided before they
/// can reach the server. Server → client lines pass through byte for byte, except the answers
/// the proxy is waiting for: `initialize` (learn the server's name), `tools/list` (drop tools the
/// identity may not use) and `tools/call` (record the outcome and duration).
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

    let gate: Gatekeeper
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

    private let outLock = NSLock()
    private let state = NSLock()
    private var detectedServerName: String?
    private var pendingCalls: [String: PendingCall] = [:]
    private var pendingLists: Set<String> = []
    private var pendingInits: Set<String> = []

    /// The server side's stdin; set once the child is started.
    var childIn: Int32 = -1

    init(gate: Gatekeeper, recorder: Recorder, secret: String, clock: @escaping @Sendable () -> Timestamp,
         agentID: String, credentialID: String?, instanceID: String, fixedServerName: String?, clientOut: Int32,
         onServerName: @escaping @Sendable (String) -> Void) {
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

    func handleClient(_ event: LineReader.Event) {
        switch event {
        case .line(let line):
            handleClientLine(line)
        case .oversized(_, let final):
            if final {
                let detail = "message longer than \(LineReader.defaultMaxLine >> 20) MiB"
                sendToClient(JSONRPC.bytes(JSONRPC.parseError(detail)), newline: false)
            }
        }
    }

    func handleClientLine(_ line: [UInt8]) {
        if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { return }  // blank line: nothing to relay
        let message: JSONValue
        do {
            message = try JSONParser.parse(bytes: line)
        } catch {
            sendToClient(JSONRPC.bytes(JSONRPC.parseError(error.description)), newline: false)
            return
        }
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

    func inspectRequest(_ message: JSONValue) -> Action {
        guard let method = message["method"]?.string else { return .forward }  // e.g. answers to server requests
        let id = message["id"]
        let key = JSONRPC.idKey(id)
        switch method {
        case "initialize":
            if let key { state.lock(); pendingInits.insert(key); state.unlock() }
            return .forward
        case "tools/list":
            if let key { state.lock(); pendingLists.insert(key); state.unlock() }
            return .forward
        case "tools/call":
            return inspectCall(message, id: id, key: key)
        default:
            return .forward
        }
    }

    private func inspectCall(_ message: JSONValue, id: JSONValue?, key: String?) -> Action {
        let params = message["params"]
        guard let tool = params?["name"]?.string, !tool.isEmpty else {
            guard let id else { return .drop }
            return .answer(JSONRPC.error(id: id, code: JSONRPC.invalidParamsCode,
                                         message: "warden: tools/call needs params.name (a tool name)"))
        }
        let server = serverName
        let at = clock()
        let start = Monotonic.nanos()
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
        recorder.record(ToolCall(at: at, agentID: call.agentID, instanceID: instanceID, credentialID: call.credentialID,
                                 server: server, tool: tool, decision: .deny, reason: reason,
                                 durationMs: Int64((Monotonic.nanos() - start) / 1_000_000), result: .error, args: args))
        guard let id else { return .drop }
        return .answer(JSONRPC.denied(id: id, reason: reason, serverTool: server + "/" + tool))
    }

    private func finish(_ call: PendingCall, result: ToolCall.Result?) {
        recorder.record(ToolCall(at: call.at, agentID: call.agentID, instanceID: instanceID, credentialID: call.credentialID,
                                 server: call.server, tool: call.tool, decision: .allow, reason: nil,
                                 durationMs: Int64((Monotonic.nanos() - call.startNanos) / 1_000_000),
                                 result: result, args: call.args))
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

    func handleServer(_ event: LineReader.Event) {
        switch event {
        case .line(let line):
            handleServerLine(line)
        case .oversized(let piece, let final):
            sendToClient(piece, newline: final)
        }
    }

    func handleServerLine(_ line: [UInt8]) {
        state.lock()
        let waiting = !pendingCalls.isEmpty || !pendingLists.isEmpty || !pendingInits.isEmpty
        state.unlock()
        // Nothing awaited, or it cannot be an answer: pass through without parsing.
        guard waiting, Self.mayBeResponse(line), let message = try? JSONParser.parse(bytes: line) else {
            sendToClient(line)
            return
        }
        switch message {
        case .object:
            if let replaced = inspectResponse(message) { sendToClient(JSONRPC.bytes(replaced), newline: false) }
            else { sendToClient(line) }
        case .array(let items):
            var changed = false
            let out = items.map { item -> JSONValue in
                guard let r = inspectResponse(item) else { return item }
                changed = true
                return r
            }
            if changed { sendToClient(JSONRPC.bytes(.array(out)), newline: false) } else { sendToClient(line) }
        default:
            sendToClient(line)
        }
    }

    /// Answers carry `"result"` or `"error"`; a cheap byte search spares parsing other lines
    /// (notifications, server requests) when something is awaited.
    static func mayBeResponse(_ line: [UInt8]) -> Bool {
        line.withUnsafeBufferPointer { b in
            contains(b, Array("\"result\"".utf8)) || contains(b, Array("\"error\"".utf8))
        }
    }

    private static func contains(_ b: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        // memchr for the first byte, memcmp for the rest (memmem is not visible from Swift).
        guard let base = b.baseAddress, needle.count <= b.count else { return false }
        return needle.withUnsafeBufferPointer { n in
            var i = 0
            let last = b.count - n.count
            while i <= last {
                guard let hit = memchr(base + i, Int32(n[0]), last - i + 1) else { return false }
                let at = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
                if memcmp(base + at, n.baseAddress!, n.count) == 0 { return true }
                i = at + 1
            }
            return false
        }
    }

    /// The replacement for an answer, or nil to relay it unchanged.
    func inspectResponse(_ message: JSONValue) -> JSONValue? {
        guard message["method"] == nil, let key = JSONRPC.idKey(message["id"]) else { return nil }
        state.lock()
        if let call = pendingCalls.removeValue(forKey: key) {
            state.unlock()
            let failed = message["error"] != nil || message["result"]?["isError"]?.bool == true
            finish(call, result: failed ? .error : .ok)
            return nil
        }
        if pendingInits.remove(key) != nil {
            var learned: String?
            if fixedServerName == nil, detectedServerName == nil,
               let name = message["result"]?["serverInfo"]?["name"]?.string {
                learned = MCPProxy.serverName(fromServerInfo: name)
                detectedServerName = learned
            }
            state.unlock()
            if let learned { onServerName(learned) }
            return nil
        }
        let wasList = pendingLists.remove(key) != nil
        state.unlock()
        return wasList ? filterTools(message) : nil
    }

    /// Removes the tools this identity may not call, decided against the store now.
    func filterTools(_ message: JSONValue) -> JSONValue? {
        guard let result = message["result"], let tools = result["tools"]?.array,
              case .object(let members) = message, case .object(let resultMembers) = result else { return nil }
        let server = serverName
        let kept = tools.filter { tool in
            guard let name = tool["name"]?.string, !name.isEmpty else { return false }
            return gate.check(server: server, tool: name).allowed
        }
        if kept.count == tools.count { return nil }
        let newResult = JSONValue.object(resultMembers.map { $0.0 == "tools" ? ("tools", .array(kept)) : $0 })
        return .object(members.map { $0.0 == "result" ? ("result", newResult) : $0 })
    }
}
