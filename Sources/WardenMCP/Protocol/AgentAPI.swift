import WardenCore
import WardenStore

/// The wire format of Warden's agent API on `warden serve` (`/v1/…`, docs/API.md), shared by
/// the service and `mcp-proxy --decide` so both read and write it one way. Bodies are JSON
/// objects read strictly (`JSONParser`: no duplicate keys, valid UTF-8); an unknown field, a
/// missing one or a wrong type is refused naming its JSON path. Nothing in a body says who is
/// asking: the bearer credential does.
public enum AgentAPI {
    public static let decidePath = "/v1/decide"
    public static let toolsPath = "/v1/tools/visible"
    public static let callsPath = "/v1/calls"
    public static let instancesPath = "/v1/instances"

    /// A body that does not fit, with where (a JSON path).
    public struct Invalid: Error, Equatable, Sendable, CustomStringConvertible {
        public let path: String
        public let message: String
        public init(_ path: String, _ message: String) {
            self.path = path
            self.message = message
        }
        public var description: String { "\(path): \(message)" }
    }

    /// Most records in one body (a batch of calls or instance events).
    public static let maxRecords = 1000
    /// Longest text field kept as given (ids, names, hosts); the store clips further.
    public static let maxText = 1024

    // MARK: decide

    public struct DecideRequest: Equatable, Sendable {
        public var server: String
        public var tool: String
        public init(server: String, tool: String) {
            self.server = server
            self.tool = tool
        }
    }

    public static func encode(_ r: DecideRequest) -> JSONValue {
        .object([("server", .string(r.server)), ("tool", .string(r.tool))])
    }

    public static func decide(_ v: JSONValue) throws(Invalid) -> DecideRequest {
        let o = try object(v, "$", allowed: ["server", "tool"])
        return DecideRequest(server: try server(required(o, "server", "$")),
                             tool: try text(required(o, "tool", "$"), "$.tool"))
    }

    public static func encode(_ v: CallVerdict) -> JSONValue {
        var f: [(String, JSONValue)] = [("decision", .string(v.allowed ? "allow" : "deny"))]
        if let r = v.reason { f.append(("reason", .string(r))) }
        if let a = v.agentID { f.append(("agent_id", .string(a))) }
        if let c = v.credentialID { f.append(("credential_id", .string(c))) }
        if let i = v.credentialInstanceID { f.append(("instance_id", .string(i))) }
        return .object(f)
    }

    public static func verdict(_ v: JSONValue) throws(Invalid) -> CallVerdict {
        let o = try object(v, "$", allowed: ["decision", "reason", "agent_id", "credential_id", "instance_id"])
        let d = try text(required(o, "decision", "$"), "$.decision")
        guard d == "allow" || d == "deny" else { throw Invalid("$.decision", "must be allow or deny") }
        let reason = try optionalText(o, "reason", "$")
        // An allow carries no reason; a deny always does (fail closed on anything else).
        if (d == "allow") == (reason != nil) { throw Invalid("$.reason", d == "allow" ? "an allow has no reason" : "a deny names its reason") }
        return CallVerdict(allowed: d == "allow", reason: reason, credentialID: try optionalText(o, "credential_id", "$"),
                           agentID: try optionalText(o, "agent_id", "$"), credentialInstanceID: try optionalText(o, "instance_id", "$"))
    }

    // MARK: tools/visible

    public struct VisibleRequest: Equatable, Sendable {
        public var server: String
        /// The tools to decide, as listed.
        public var tools: [ObservedTool]
        /// The server's whole list, recorded first (tool pinning); nil: only read the pins.
        public var list: [ObservedTool]?
        public init(server: String, tools: [ObservedTool], list: [ObservedTool]?) {
            self.server = server
            self.tools = tools
            self.list = list
        }
    }

    /// Tool objects travel as JSON (their canonical form parsed back); the service hashes them
    /// itself and never takes a hash from the body.
    public static func encode(_ r: VisibleRequest) -> JSONValue {
        func objects(_ ts: [ObservedTool]) -> JSONValue {
            .array(ts.map { (try? JSONParser.parse($0.canonical)) ?? .null })
        }
        var f: [(String, JSONValue)] = [("server", .string(r.server)), ("tools", objects(r.tools))]
        if let l = r.list { f.append(("list", objects(l))) }
        return .object(f)
    }

    public static func visible(_ v: JSONValue) throws(Invalid) -> VisibleRequest {
        let o = try object(v, "$", allowed: ["server", "tools", "list"])
        func tools(_ key: String) throws(Invalid) -> [ObservedTool] {
            let items = try array(required(o, key, "$"), "$.\(key)")
            var out: [ObservedTool] = []
            for (i, t) in items.enumerated() {
                do { out.append(try ToolHash.observe(t, path: "$.\(key)[\(i)]")) } catch {
                    throw Invalid("$.\(key)[\(i)]", "not a tool object (\(error))")
                }
            }
            return out
        }
        return VisibleRequest(server: try server(required(o, "server", "$")), tools: try tools("tools"),
                              list: o["list"] == nil ? nil : try tools("list"))
    }

    public static func encode(visible: [Bool]) -> JSONValue { .object([("visible", .array(visible.map { .bool($0) }))]) }

    public static func visible(answer v: JSONValue, count: Int) throws(Invalid) -> [Bool] {
        let o = try object(v, "$", allowed: ["visible"])
        let items = try array(required(o, "visible", "$"), "$.visible")
        guard items.count == count else { throw Invalid("$.visible", "has \(items.count) answers for \(count) tools") }
        var out: [Bool] = []
        for (i, b) in items.enumerated() {
            guard let b = b.bool else { throw Invalid("$.visible[\(i)]", "expected a boolean, found \(b.typeName)") }
            out.append(b)
        }
        return out
    }

    // MARK: calls

    /// Calls without agent or credential: the service fills them in from the bearer.
    public static func encode(calls: [ToolCall]) -> JSONValue {
        .object([("calls", .array(calls.map { c in
            var f: [(String, JSONValue)] = [("at", .number(String(c.at)))]
            if let i = c.instanceID { f.append(("instance_id", .string(i))) }
            f += [("server", .string(c.server)), ("tool", .string(c.tool)), ("decision", .string(c.decision.rawValue))]
            if let r = c.reason { f.append(("reason", .string(r))) }
            if let d = c.durationMs { f.append(("duration_ms", .number(String(d)))) }
            if let r = c.result { f.append(("result", .string(r.rawValue))) }
            if let a = c.args { f.append(("args", .string(a))) }
            return .object(f)
        }))])
    }

    /// The calls of a body, attributed to `agentID` and `credentialID` (the bearer's).
    public static func calls(_ v: JSONValue, agentID: String, credentialID: String) throws(Invalid) -> [ToolCall] {
        let o = try object(v, "$", allowed: ["calls"])
        let items = try records(required(o, "calls", "$"), "$.calls")
        var out: [ToolCall] = []
        for (i, item) in items.enumerated() {
            let p = "$.calls[\(i)]"
            let c = try object(item, p, allowed: ["at", "instance_id", "server", "tool", "decision", "reason", "duration_ms", "result", "args"])
            let decision = try text(required(c, "decision", p), p + ".decision")
            guard let d = ToolCall.Decision(rawValue: decision) else { throw Invalid(p + ".decision", "must be allow or deny") }
            var result: ToolCall.Result?
            if let r = try optionalText(c, "result", p) {
                guard let parsed = ToolCall.Result(rawValue: r) else { throw Invalid(p + ".result", "must be ok or error") }
                result = parsed
            }
            // What a proxy records is what Warden decided: one of rule 4's reasons for a deny,
            // none for an allow, names by the rules the decision read them with.
            let reason = try optionalText(c, "reason", p)
            switch (d, reason) {
            case (.deny, nil): throw Invalid(p + ".reason", "a denied call names its reason")
            case (.allow, _?): throw Invalid(p + ".reason", "an allowed call has no reason")
            case (.deny, let r?) where Authorization.Reason(rawValue: r) == nil:
                throw Invalid(p + ".reason", "must be one of Warden's reasons (\(Authorization.Reason.allCases.map(\.rawValue).joined(separator: ", ")))")
            default: break
            }
            let tool = try text(required(c, "tool", p), p + ".tool")
            // A malformed request is recorded with what the client sent, cut to the MCP maximum.
            let malformed = reason == Authorization.Reason.malformedRequest.rawValue
            guard malformed ? tool == Authorization.recordableToolName(tool) : Authorization.isValidToolName(tool) else {
                throw Invalid(p + ".tool", "a tool name is 1 to 128 characters of A-Z a-z 0-9 _ . -")
            }
            out.append(ToolCall(at: try int(required(c, "at", p), p + ".at"), agentID: agentID,
                                instanceID: try optionalText(c, "instance_id", p), credentialID: credentialID,
                                server: try server(required(c, "server", p), p + ".server"),
                                tool: tool, decision: d, reason: reason,
                                durationMs: try c["duration_ms"].map { (x) throws(Invalid) in try int(x, p + ".duration_ms") },
                                result: result, args: try optionalText(c, "args", p, max: 4 * ToolCall.maxArgsLength)))
        }
        return out
    }

    // MARK: instances

    public static func encode(events: [InstanceEvent]) -> JSONValue {
        .object([("events", .array(events.map { e in
            switch e {
            case .started(let i):
                var f: [(String, JSONValue)] = [("event", .string("started")), ("instance_id", .string(i.id)), ("host", .string(i.host))]
                if let pid = i.pid { f.append(("pid", .number(String(pid)))) }
                f += [("started_at", .number(String(i.startedAt))), ("at", .number(String(i.lastHeartbeat)))]
                return .object(f)
            case .heartbeat(let id, let at):
                return .object([("event", .string("heartbeat")), ("instance_id", .string(id)), ("at", .number(String(at)))])
            case .stopped(let id, let at):
                return .object([("event", .string("stopped")), ("instance_id", .string(id)), ("at", .number(String(at)))])
            }
        }))])
    }

    /// The events of a body; a started instance belongs to `agentID` (the bearer's agent).
    public static func events(_ v: JSONValue, agentID: String) throws(Invalid) -> [InstanceEvent] {
        let o = try object(v, "$", allowed: ["events"])
        let items = try records(required(o, "events", "$"), "$.events")
        var out: [InstanceEvent] = []
        for (i, item) in items.enumerated() {
            let p = "$.events[\(i)]"
            guard let kind = item["event"]?.string else { throw Invalid(p + ".event", "is required: started, heartbeat or stopped") }
            switch kind {
            case "started":
                let e = try object(item, p, allowed: ["event", "instance_id", "host", "pid", "started_at", "at"])
                out.append(.started(Instance(id: try text(required(e, "instance_id", p), p + ".instance_id"), agentID: agentID,
                                             host: try text(required(e, "host", p), p + ".host"),
                                             pid: try e["pid"].map { (x) throws(Invalid) in try int(x, p + ".pid") },
                                             startedAt: try int(required(e, "started_at", p), p + ".started_at"),
                                             lastHeartbeat: try int(required(e, "at", p), p + ".at"))))
            case "heartbeat", "stopped":
                let e = try object(item, p, allowed: ["event", "instance_id", "at"])
                let id = try text(required(e, "instance_id", p), p + ".instance_id")
                let at = try int(required(e, "at", p), p + ".at")
                out.append(kind == "heartbeat" ? .heartbeat(instanceID: id, at: at) : .stopped(instanceID: id, at: at))
            default:
                throw Invalid(p + ".event", "must be started, heartbeat or stopped")
            }
        }
        return out
    }

    /// The instance an event or call names.
    public static func instanceID(of e: InstanceEvent) -> String {
        switch e {
        case .started(let i): return i.id
        case .heartbeat(let id, _), .stopped(let id, _): return id
        }
    }

    /// The instance ID a proxy without a bound instance uses through the service: it carries the
    /// credential's ID, so the service can tell (without remembering anything) that an instance
    /// is this credential's own and no one else's.
    public static func proxyInstanceID(pid: Int64, host: String, credentialID: String) -> String {
        "mcp-\(pid)@\(host)/\(credentialID)"
    }

    /// Whether the credential may report on the instance: its bound instance, or one it named
    /// with `proxyInstanceID`.
    public static func owns(instanceID id: String, credentialID: String, boundInstance: String?) -> Bool {
        if let boundInstance { return id == boundInstance }
        let suffix = "/" + credentialID
        guard id.hasPrefix("mcp-"), id.hasSuffix(suffix) else { return false }
        return !id.dropFirst(4).dropLast(suffix.count).contains("/")
    }

    // MARK: strict accessors that name the path

    static func object(_ v: JSONValue, _ path: String, allowed: Set<String>) throws(Invalid) -> JSONValue {
        guard let members = v.object else { throw Invalid(path, "expected an object, found \(v.typeName)") }
        for (k, _) in members where !allowed.contains(k) {
            throw Invalid("\(path).\(k)", "unknown field (expected one of: \(allowed.sorted().joined(separator: ", ")))")
        }
        return v
    }

    static func required(_ o: JSONValue, _ key: String, _ path: String) throws(Invalid) -> JSONValue {
        guard let v = o[key] else { throw Invalid("\(path).\(key)", "is required") }
        return v
    }

    static func text(_ v: JSONValue, _ path: String, max: Int = maxText) throws(Invalid) -> String {
        guard let s = v.string else { throw Invalid(path, "expected a string, found \(v.typeName)") }
        guard s.utf8.count <= max else { throw Invalid(path, "is longer than \(max) bytes") }
        return s
    }

    static func optionalText(_ o: JSONValue, _ key: String, _ path: String, max: Int = maxText) throws(Invalid) -> String? {
        guard let v = o[key] else { return nil }
        return try text(v, "\(path).\(key)", max: max)
    }

    /// SERVER of `SERVER/TOOL`: one word (the store would read another as matching nothing).
    static func server(_ v: JSONValue, _ path: String = "$.server") throws(Invalid) -> String {
        let s = try text(v, path)
        guard !s.isEmpty, MCPProxy.serverName(fromServerInfo: s) == s else { throw Invalid(path, "must be one word without '/', '*' or spaces") }
        return s
    }

    static func int(_ v: JSONValue, _ path: String) throws(Invalid) -> Int64 {
        guard let n = v.int64, n >= 0 else { throw Invalid(path, "expected a whole number ≥ 0, found \(v.typeName == "a number" ? "another number" : v.typeName)") }
        return n
    }

    static func array(_ v: JSONValue, _ path: String) throws(Invalid) -> [JSONValue] {
        guard let a = v.array else { throw Invalid(path, "expected an array, found \(v.typeName)") }
        return a
    }

    static func records(_ v: JSONValue, _ path: String) throws(Invalid) -> [JSONValue] {
        let a = try array(v, path)
        guard a.count <= maxRecords else { throw Invalid(path, "more than \(maxRecords) records in one body") }
        return a
    }
}
