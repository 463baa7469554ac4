import WardenCore

/// The AuthZEN Authorization API 1.0 requests Warden answers, read strictly. Warden decides on
/// credentials, not on names: the subject is `{"type": "agent", "id": "<the agent's credential
/// secret>"}`, the action `{"name": "tools/call"}`, the resource `{"type": "tool", "id":
/// "server/tool"}`; `context` is optional and not used. Each refusal names its JSON path.
public enum AuthZENRequest {
    public static let subjectType = "agent"
    public static let actionName = "tools/call"
    public static let resourceType = "tool"

    /// One question: may the credential `secret` call `server/tool`?
    public struct Question: Equatable, Sendable {
        public var secret: String
        public var server: String
        public var tool: String
    }

    /// `options.evaluations_semantic` of a batch.
    public enum Semantic: String, Sendable {
        case executeAll = "execute_all"
        case denyOnFirstDeny = "deny_on_first_deny"
        case permitOnFirstPermit = "permit_on_first_permit"
    }

    /// A batch: its questions, how to run them, and whether it was a single question in the
    /// batch endpoint's form (no `evaluations`: answered as a single evaluation is).
    public struct Batch: Equatable, Sendable {
        public var questions: [Question]
        public var semantic: Semantic
        public var single: Bool
    }

    /// A request that cannot be answered, and where in it.
    public struct Invalid: Error, Equatable, Sendable {
        public var path: String
        public var message: String
        public init(_ path: String, _ message: String) {
            self.path = path
            self.message = message
        }
    }

    public static func single(_ body: [UInt8]) throws(Invalid) -> Question {
        let root = try object(try parse(body), at: "$")
        return try question(root, defaults: nil, at: "")
    }

    public static func batch(_ body: [UInt8]) throws(Invalid) -> Batch {
        let root = try object(try parse(body), at: "$")
        var semantic = Semantic.executeAll
        if let options = root["options"] {
            let o = try object(options, at: "options")
            if let s = o["evaluations_semantic"] {
                guard let text = s.string, let v = Semantic(rawValue: text) else {
                    throw Invalid("options.evaluations_semantic", "must be \"execute_all\", \"deny_on_first_deny\" or \"permit_on_first_permit\"")
                }
                semantic = v
            }
        }
        guard let list = root["evaluations"] else {
            return Batch(questions: [try question(root, defaults: nil, at: "")], semantic: semantic, single: true)
        }
        guard let items = list.array else { throw Invalid("evaluations", "must be an array") }
        if items.isEmpty { return Batch(questions: [try question(root, defaults: nil, at: "")], semantic: semantic, single: true) }
        if items.count > maxEvaluations { throw Invalid("evaluations", "at most \(maxEvaluations) evaluations in one request") }
        var questions: [Question] = []
        questions.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            let at = "evaluations[\(i)]"
            questions.append(try question(try object(item, at: at), defaults: root, at: at + "."))
        }
        return Batch(questions: questions, semantic: semantic, single: false)
    }

    /// A bound on one batch: each question is a store read.
    public static let maxEvaluations = 1000

    /// One evaluation: its own subject, action, resource and context, each else the request's
    /// top-level one (the spec's defaults: a member replaces the default whole).
    static func question(_ item: JSONValue, defaults: JSONValue?, at prefix: String) throws(Invalid) -> Question {
        func member(_ name: String) -> (JSONValue, String)? {
            if let v = item[name] { return (v, prefix + name) }
            if let v = defaults?[name] { return (v, name) }
            return nil
        }
        guard let (subject, sp) = member("subject") else { throw Invalid(prefix + "subject", "is required") }
        guard let (action, ap) = member("action") else { throw Invalid(prefix + "action", "is required") }
        guard let (resource, rp) = member("resource") else { throw Invalid(prefix + "resource", "is required") }
        if let (context, cp) = member("context") { _ = try object(context, at: cp) }

        _ = try object(subject, at: sp)
        try expect(subject, "type", subjectType, at: sp)
        guard let secret = subject["id"]?.string, !secret.isEmpty else {
            throw Invalid(sp + ".id", "must be the agent's credential secret (a non-empty string)")
        }
        _ = try object(action, at: ap)
        try expect(action, "name", actionName, at: ap)
        _ = try object(resource, at: rp)
        try expect(resource, "type", resourceType, at: rp)
        guard let id = resource["id"]?.string, let (server, tool) = Authorization.splitTool(id) else {
            throw Invalid(rp + ".id", "must be \"server/tool\"")
        }
        return Question(secret: secret, server: String(server), tool: String(tool))
    }

    private static func expect(_ v: JSONValue, _ key: String, _ wanted: String, at path: String) throws(Invalid) {
        guard v[key]?.string == wanted else { throw Invalid(path + "." + key, "must be \"\(wanted)\"") }
    }

    private static func object(_ v: JSONValue, at path: String) throws(Invalid) -> JSONValue {
        guard v.object != nil else { throw Invalid(path, "must be a JSON object") }
        return v
    }

    private static func parse(_ body: [UInt8]) throws(Invalid) -> JSONValue {
        do { return try JSONParser.parse(bytes: body) } catch { throw Invalid("$", "not JSON read one way only: \(error.description)") }
    }
}
