import WardenCore
import WardenStore

/// Decodes OTLP/JSON traces as the OpenTelemetry Collector's file exporter writes them: one
/// `{"resourceSpans": […]}` document per line, int64 values as strings, hex trace and span IDs,
/// attributes as `{key, value: {stringValue|intValue|boolValue|doubleValue|arrayValue|…}}`.
///
/// GenAI and MCP semantic conventions are mapped to Warden events:
/// - `execute_tool` spans (`gen_ai.operation.name`, or a name starting `execute_tool`) and MCP
///   spans with `mcp.method.name = tools/call` become tool calls. A tool span whose parent is
///   a tool span (an MCP client span under `execute_tool`, a server span under its client) is
///   the same call seen twice and is skipped.
/// - `invoke_agent` / `create_agent` spans mark the agent's instance live; an agent span under
///   another agent's span is a delegation seen in the wild.
/// - Every other span is counted and skipped.
/// The decoder remembers agent and tool spans across lines (a trace is often split over
/// several exports), up to a bounded number, and decides a span only once its ancestors are
/// known, whatever order the spans come in (OTLPSpanJoin.swift).
public final class OTLPDecoder {
    /// Spans seen on earlier lines: what each span was (bounded memory). `parentOfSpan` holds
    /// every span seen, a root as "".
    var agentOfSpan: [String: String] = [:]
    var toolSpans: Set<String> = []
    var parentOfSpan: [String: String] = [:]
    static let memory = 200_000
    /// Spans waiting for an ancestor not seen yet (see OTLPSpanJoin.swift), bounded in number
    /// and in how many documents they wait.
    var held: [Held] = []
    /// Lines with spans still held: how many, and whether the line has given events yet.
    var pendingLines: [Int: (waiting: Int, gave: Bool)] = [:]
    var documents = 0
    public static let maxHeldSpans = 10_000
    public static let maxHeldDocuments = 1000
    /// Following a file (`releaseStale`): how long a span may wait for its ancestors.
    public static let maxHeldMilliseconds: Int64 = 60_000
    /// Monotonic milliseconds, for `releaseStale` (set by the pipeline; tests set their own).
    public var clock: () -> Int64 = { 0 }

    public init() {}

    /// What one line gave: its events, and those of earlier lines' spans that were waiting
    /// for an ancestor this line brought (each event keeps its line as `source`).
    public struct Document {
        /// In the order to apply them: an agent's delegation before its calls.
        public var events: [TelemetryEvent] = []
        /// `events` by line, in order: (line, how many, whether the line gives events for the first time).
        public var groups: [(source: Int, count: Int, first: Bool)] = []
        /// Spans of this line.
        public var spans = 0
        public var toolCalls = 0
        public var agentSpans = 0
        /// Spans that carry nothing Warden records (model calls, HTTP, duplicates, …).
        public var skippedSpans = 0
        /// Spans of this line held for an ancestor not seen yet.
        public var heldSpans = 0
        /// This line gave no events and holds none: nothing to record.
        public var lineEmpty = false
        /// Earlier lines whose held spans were all decided now without giving any event.
        public var settledEmptyLines = 0
    }

    /// An attribute value.
    public indirect enum AttributeValue: Equatable, Sendable {
        case string(String), int(Int64), bool(Bool), double(Double), bytes(String)
        case array([AttributeValue])
        case kvlist([(String, AttributeValue)])

        public static func == (a: AttributeValue, b: AttributeValue) -> Bool {
            switch (a, b) {
            case (.string(let x), .string(let y)), (.bytes(let x), .bytes(let y)): return x == y
            case (.int(let x), .int(let y)): return x == y
            case (.bool(let x), .bool(let y)): return x == y
            case (.double(let x), .double(let y)): return x == y
            case (.array(let x), .array(let y)): return x == y
            case (.kvlist(let x), .kvlist(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            default: return false
            }
        }

        /// Text for IDs and names; ints as digits.
        public var text: String? {
            switch self {
            case .string(let s): return s
            case .int(let n): return String(n)
            default: return nil
            }
        }

        /// Compact JSON (for argument summaries).
        public var json: JSONValue {
            switch self {
            case .string(let s), .bytes(let s): return .string(s)
            case .int(let n): return .number(String(n))
            case .bool(let b): return .bool(b)
            case .double(let d): return d.isFinite ? .number(String(d)) : .string(String(d))
            case .array(let a): return .array(a.map(\.json))
            case .kvlist(let kv): return .object(kv.map { ($0.0, $0.1.json) })
            }
        }
    }

    struct Span {
        var path: String
        var traceID: String
        var spanID: String
        var parentID: String?
        var name: String
        var start: Timestamp
        var end: Timestamp
        var attributes: [String: AttributeValue]
        var statusError: Bool
        var statusMessage: String?
        var resource: Int
    }

    struct Resource {
        var attributes: [String: AttributeValue]
        var serviceName: String? { attributes["service.name"]?.text }
        var host: String? { attributes["host.name"]?.text }
        var pid: Int64? { if case .int(let n)? = attributes["process.pid"] { return n }; return attributes["process.pid"]?.text.flatMap { Int64($0) } }
        /// Where instance IDs start: `service.instance.id`, else `host:pid`, else the host.
        var instanceBase: String? {
            if let id = attributes["service.instance.id"]?.text, !id.isEmpty { return id }
            if let h = host, let p = pid { return "\(h):\(p)" }
            return host
        }
    }

    /// Decodes one line.
    public func decode(_ line: UnsafeBufferPointer<UInt8>, source: Int) throws(LineError) -> Document {
        if let bad = UTF8Check.firstInvalid(line) { throw LineError("invalid UTF-8 at byte \(bad + 1)") }
        let root: JSONValue
        do { root = try JSONParser.parse(bytes: line) } catch {
            throw LineError("bad JSON at column \(error.column): \(error.message)")
        }
        guard case .object = root else { throw LineError("expected an object {\"resourceSpans\": […]}, not \(root.typeName)") }
        guard let rsValue = root["resourceSpans"] else { throw LineError("missing field 'resourceSpans' (is this an OTLP/JSON trace export?)") }
        let rs = try array(rsValue, "resourceSpans")
        var resources: [Resource] = []
        var spans: [Span] = []
        for (ri, r) in rs.enumerated() {
            let rpath = "resourceSpans[\(ri)]"
            try object(r, rpath)
            var attrs: [String: AttributeValue] = [:]
            if let res = r["resource"] {
                try object(res, "\(rpath).resource")
                attrs = try attributes(res["attributes"], "\(rpath).resource.attributes")
            }
            resources.append(Resource(attributes: attrs))
            let scopesKey = r["scopeSpans"] != nil ? "scopeSpans" : "instrumentationLibrarySpans"
            for (si, ss) in try array(r[scopesKey] ?? .array([]), "\(rpath).\(scopesKey)").enumerated() {
                let spath = "\(rpath).\(scopesKey)[\(si)]"
                try object(ss, spath)
                for (k, sp) in try array(ss["spans"] ?? .array([]), "\(spath).spans").enumerated() {
                    spans.append(try span(sp, "\(spath).spans[\(k)]", resource: ri))
                }
            }
        }
        return map(spans, resources, source: source)
    }

    // MARK: mapping

    enum Role { case agent(String?), tool, other }

    func role(_ s: Span) -> Role {
        let op = s.attributes["gen_ai.operation.name"]?.text ?? s.name.split(separator: " ").first.map(String.init) ?? ""
        if op == "invoke_agent" || op == "create_agent" {
            return .agent(s.attributes["gen_ai.agent.id"]?.text ?? s.attributes["gen_ai.agent.name"]?.text)
        }
        if op == "execute_tool" || s.attributes["mcp.method.name"]?.text == "tools/call" { return .tool }
        return .other
    }

    /// One instance per agent per process. The process's own agent (its `service.name`) keeps
    /// `service.instance.id` as given; otherwise, and for other agents hosted in the same
    /// process, `NAME@BASE`, so each agent gets its own instance.
    func instanceID(agent: String, _ res: Resource) -> String? {
        let name = Identity.agentName(fromID: agent) ?? agent
        if let id = res.attributes["service.instance.id"]?.text, !id.isEmpty, res.serviceName == name { return id }
        guard let base = res.instanceBase else { return nil }
        return "\(name)@\(base)"
    }

    func call(_ s: Span, agent: String, instance: String?) -> ToolCall {
        let a = s.attributes
        var tool = a["gen_ai.tool.name"]?.text ?? String(s.name.split(separator: " ").dropFirst().first ?? "")
        var server = a["mcp.server.name"]?.text ?? a["server.address"]?.text
        if let slash = tool.firstIndex(of: "/") {
            server = String(tool[..<slash]); tool = String(tool[tool.index(after: slash)...])
        } else if tool.hasPrefix("mcp__") {
            // Claude-style qualified names: mcp__SERVER__TOOL.
            let parts = tool.dropFirst(5).split(separator: "_", maxSplits: .max, omittingEmptySubsequences: false)
            if let gap = parts.indices.dropFirst().first(where: { parts[$0].isEmpty && $0 + 1 < parts.count }) {
                server = parts[..<gap].joined(separator: "_")
                tool = parts[(gap + 1)...].joined(separator: "_")
            }
        }
        if tool.isEmpty { tool = "unknown" }
        let errorType = a["error.type"]?.text
        let failed = s.statusError || errorType != nil
        var decision = ToolCall.Decision.allow
        var reason: String?
        if a["warden.decision"]?.text == "deny" {
            decision = .deny
            reason = a["warden.reason"]?.text ?? errorType
        } else if let e = errorType, Authorization.Reason(rawValue: e) != nil {
            decision = .deny  // an enforcement point refused it
            reason = e
        }
        var args: String?
        if let v = a["gen_ai.tool.call.arguments"] {
            // Structured values are redacted here, where keys are known; the store redacts text.
            if case .string(let text) = v { args = text } else { args = Redaction.summary(v.json).text }
        }
        return ToolCall(at: s.start, agentID: agent, instanceID: instance,
                        credentialID: a["warden.credential.id"]?.text, server: server ?? a["gen_ai.tool.type"]?.text ?? "unknown",
                        tool: tool, decision: decision, reason: reason, durationMs: max(0, s.end - s.start),
                        result: decision == .deny ? nil : (failed ? .error : .ok), args: args)
    }

    // MARK: structure

    func object(_ v: JSONValue, _ path: String) throws(LineError) {
        guard case .object = v else { throw LineError("\(path) must be an object, not \(v.typeName)") }
    }

    func array(_ v: JSONValue, _ path: String) throws(LineError) -> [JSONValue] {
        guard case .array(let a) = v else { throw LineError("\(path) must be an array, not \(v.typeName)") }
        return a
    }

    func string(_ v: JSONValue?, _ path: String) throws(LineError) -> String? {
        guard let v, v != .null else { return nil }
        guard case .string(let s) = v else { throw LineError("\(path) must be a string, not \(v.typeName)") }
        return s
    }

    /// An OTLP int64: a decimal string (proto3 JSON) or a number.
    func int64(_ v: JSONValue?, _ path: String) throws(LineError) -> Int64? {
        guard let v, v != .null else { return nil }
        switch v {
        case .string(let s):
            guard let n = Int64(s) else { throw LineError("\(path): '\(s)' is not an integer") }
            return n
        case .number(let s):
            guard let n = Int64(s) else { throw LineError("\(path): \(s) is not an integer") }
            return n
        default: throw LineError("\(path) must be an integer (as a string), not \(v.typeName)")
        }
    }

    func hexID(_ v: JSONValue?, _ path: String, digits: Int, required: Bool) throws(LineError) -> String? {
        guard let s = try string(v, path), !s.isEmpty else {
            if required { throw LineError("missing \(path)") }
            return nil
        }
        guard s.utf8.count == digits, s.utf8.allSatisfy({ JSONLexer.hexDigit($0) != nil }) else {
            throw LineError("\(path): '\(s)' is not \(digits) hex digits")
        }
        if s.utf8.allSatisfy({ $0 == 48 }) {
            if required { throw LineError("\(path) is all zeros (invalid)") }
            return nil
        }
        return s.lowercased()
    }

    func span(_ v: JSONValue, _ path: String, resource: Int) throws(LineError) -> Span {
        try object(v, path)
        let trace = try hexID(v["traceId"], "\(path).traceId", digits: 32, required: true)!
        let id = try hexID(v["spanId"], "\(path).spanId", digits: 16, required: true)!
        let parent = try hexID(v["parentSpanId"], "\(path).parentSpanId", digits: 16, required: false)
        let name = try string(v["name"], "\(path).name") ?? ""
        guard let startNs = try int64(v["startTimeUnixNano"], "\(path).startTimeUnixNano") else {
            throw LineError("missing \(path).startTimeUnixNano")
        }
        let endNs = try int64(v["endTimeUnixNano"], "\(path).endTimeUnixNano") ?? startNs
        if startNs < 0 || endNs < startNs { throw LineError("\(path): the span ends before it starts") }
        var error = false
        var message: String?
        if let st = v["status"] {
            try object(st, "\(path).status")
            if let code = st["code"] {
                switch code {
                case .number(let n): error = n == "2"
                case .string(let s): error = s == "STATUS_CODE_ERROR" || s == "2"
                default: throw LineError("\(path).status.code must be a number, not \(code.typeName)")
                }
            }
            message = try string(st["message"], "\(path).status.message")
        }
        return Span(path: path, traceID: trace, spanID: id, parentID: parent, name: name,
                    start: startNs / 1_000_000, end: endNs / 1_000_000,
                    attributes: try attributes(v["attributes"], "\(path).attributes"),
                    statusError: error, statusMessage: message, resource: resource)
    }

    func attributes(_ v: JSONValue?, _ path: String) throws(LineError) -> [String: AttributeValue] {
        guard let v, v != .null else { return [:] }
        var out: [String: AttributeValue] = [:]
        for (i, kv) in try array(v, path).enumerated() {
            let p = "\(path)[\(i)]"
            try object(kv, p)
            guard let key = try string(kv["key"], "\(p).key") else { throw LineError("missing \(p).key") }
            guard let value = kv["value"] else { throw LineError("missing \(p).value") }
            out[key] = try anyValue(value, "\(p).value")
        }
        return out
    }

    /// An OTLP AnyValue; nesting is bounded by the JSON parser's depth limit.
    func anyValue(_ v: JSONValue, _ path: String) throws(LineError) -> AttributeValue {
        if case .object(let members) = v, members.isEmpty { return .string("") }  // an unset AnyValue
        guard case .object(let members) = v, let (kind, inner) = members.first else {
            throw LineError("\(path) must be an object with one of stringValue, intValue, boolValue, doubleValue, arrayValue, kvlistValue, bytesValue")
        }
        switch kind {
        case "stringValue":
            guard let s = inner.string else { throw LineError("\(path).stringValue must be a string, not \(inner.typeName)") }
            return .string(s)
        case "intValue":
            return .int(try int64(inner, "\(path).intValue")!)
        case "boolValue":
            guard let b = inner.bool else { throw LineError("\(path).boolValue must be a boolean, not \(inner.typeName)") }
            return .bool(b)
        case "doubleValue":
            switch inner {
            case .number(let n): return .double(Double(n) ?? 0)
            case .string(let s):  // proto3 JSON writes NaN and Infinity as strings
                guard let d = Double(s) else { throw LineError("\(path).doubleValue: '\(s)' is not a number") }
                return .double(d)
            default: throw LineError("\(path).doubleValue must be a number, not \(inner.typeName)")
            }
        case "bytesValue":
            guard let s = inner.string else { throw LineError("\(path).bytesValue must be base64 text, not \(inner.typeName)") }
            return .bytes(s)
        case "arrayValue":
            try object(inner, "\(path).arrayValue")
            var items: [AttributeValue] = []
            for (i, item) in try array(inner["values"] ?? .array([]), "\(path).arrayValue.values").enumerated() {
                items.append(try anyValue(item, "\(path).arrayValue.values[\(i)]"))
            }
            return .array(items)
        case "kvlistValue":
            try object(inner, "\(path).kvlistValue")
            let kv = try attributes(inner["values"], "\(path).kvlistValue.values")
            return .kvlist(kv.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        default:
            throw LineError("\(path): unknown value type '\(kind)'")
        }
    }
}
