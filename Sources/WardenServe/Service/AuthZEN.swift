import WardenCore
import WardenMCP
import WardenStore

/// AuthZEN Authorization API 1.0: `POST /access/v1/evaluation(s)` and the PDP's metadata. The
/// caller authenticates with `Authorization: Bearer`: a gate's credential may ask about any
/// subject; an agent's credential only about itself. Every decision is the proxy's
/// (`GateConnections.decide`), and none is recorded as a call: the asking gateway enforces.
final class AuthZEN: @unchecked Sendable {
    static let evaluationPath = "/access/v1/evaluation"
    static let evaluationsPath = "/access/v1/evaluations"
    static let metadataPath = "/.well-known/authzen-configuration"

    let pool: GateConnections
    let metrics: Metrics
    let baseURL: String
    let ownOrigins: [String]
    let allowedOrigins: [String]

    init(pool: GateConnections, metrics: Metrics, baseURL: String, ownOrigins: [String], allowedOrigins: [String]) {
        self.pool = pool
        self.metrics = metrics
        self.baseURL = baseURL
        self.ownOrigins = ownOrigins
        self.allowedOrigins = allowedOrigins
    }

    /// The spec's PDP metadata (`/.well-known/authzen-configuration`).
    func metadata() -> HTTPResponse {
        let doc: JSONValue = .object([
            ("policy_decision_point", .string(baseURL)),
            ("access_evaluation_endpoint", .string(baseURL + Self.evaluationPath)),
            ("access_evaluations_endpoint", .string(baseURL + Self.evaluationsPath)),
        ])
        return .json(200, Array(JSONWriter.write(doc, indent: false).utf8))
    }

    /// Who asks.
    enum Caller {
        case gate(String)
        /// An agent's credential: it may ask about this secret only.
        case agent(secret: String)
    }

    func handle(_ request: HTTPRequest, batch: Bool) -> HTTPResponse {
        var note = AccessNote()
        var response = answer(request, batch: batch, note: &note)
        response.note = note
        // The spec: a request's X-Request-ID is echoed (only a short, printable one).
        if let id = request.header("x-request-id"), id.utf8.count <= 128, id.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7e }) {
            response.headers.append(("X-Request-ID", id))
        }
        return response
    }

    private func answer(_ request: HTTPRequest, batch: Bool, note: inout AccessNote) -> HTTPResponse {
        guard HeaderRules.originAllowed(request.header("origin"), own: ownOrigins, allowed: allowedOrigins) else {
            return .text(403, "origin not allowed")
        }
        guard request.method == "POST" else {
            var r = HTTPResponse.text(405, "use POST")
            r.headers.append(("Allow", "POST"))
            return r
        }
        guard let bearer = HeaderRules.bearer(request.header("authorization")) else {
            note.decision = "missing_token"
            return unauthorized(invalid: false, reason: "missing_token")
        }
        let questions: AuthZENRequest.Batch
        do {
            questions = batch ? try AuthZENRequest.batch(request.body)
                : AuthZENRequest.Batch(questions: [try AuthZENRequest.single(request.body)], semantic: .executeAll, single: true)
        } catch {
            note.decision = Authorization.Reason.malformedRequest.rawValue
            return Self.invalid(error)
        }
        // Who asks: a gate's credential first (kept apart from agents'), else an agent's.
        guard let gate = pool.authenticateGate(secret: bearer) else {
            return decided(questions, note: &note) { _ in DecisionVerdict(allowed: false, reason: Authorization.Reason.storeUnavailable.rawValue) }
        }
        if let refusal = gate.refusal, refusal != .unknown {
            note.decision = refusal.rawValue
            return unauthorized(invalid: true, reason: refusal.rawValue)
        }
        if gate.refusal == nil {
            return decided(questions, note: &note) { q in pool.decide(secret: q.secret, server: q.server, tool: q.tool) }
        }
        // An agent's credential: first, is it one (401 if not); then, does it ask about itself.
        let first = questions.questions[0]
        let own = pool.decide(secret: bearer, server: first.server, tool: first.tool)
        if let reason = own.reason, HeaderRules.isTokenFailure(reason) {
            note.decision = reason
            return unauthorized(invalid: true, reason: reason)
        }
        if let i = questions.questions.firstIndex(where: { !Self.sameSecret($0.secret, bearer) }) {
            note.decision = "forbidden"
            let path = questions.single ? "subject.id" : "evaluations[\(i)].subject.id"
            return Self.error(403, "forbidden", path: path, "an agent's credential may ask only about itself; a gateway asks with a gate's credential (`warden token issue --gate NAME`)")
        }
        var reuse: DecisionVerdict? = own
        return decided(questions, note: &note) { q in
            if let r = reuse, q.server == first.server, q.tool == first.tool { reuse = nil; return r }
            return pool.decide(secret: bearer, server: q.server, tool: q.tool)
        }
    }

    /// Runs the questions by the batch's semantic and writes the answer.
    private func decided(_ b: AuthZENRequest.Batch, note: inout AccessNote,
                         _ decide: (AuthZENRequest.Question) -> DecisionVerdict) -> HTTPResponse {
        var results: [JSONValue] = []
        var firstDeny: String?
        for q in b.questions {
            let v = decide(q)
            metrics.authzenDecision(v.reason)
            if let r = v.reason, firstDeny == nil { firstDeny = r }
            results.append(Self.evaluation(v))
            if b.semantic == .denyOnFirstDeny && !v.allowed { break }
            if b.semantic == .permitOnFirstPermit && v.allowed { break }
        }
        note.decision = firstDeny ?? "allow"
        let body: JSONValue = b.single ? results[0] : .object([("evaluations", .array(results))])
        return .json(200, Array(JSONWriter.write(body, indent: false).utf8))
    }

    /// `{"decision": …, "context": {"reason": …}}`: the reason Warden's (`allow` for a permit),
    /// and the agent when the credential was found. Never the secret.
    static func evaluation(_ v: DecisionVerdict) -> JSONValue {
        var context: [(String, JSONValue)] = [("reason", .string(v.reason ?? "allow"))]
        if let a = v.agentID { context.append(("agent_id", .string(a))) }
        if let c = v.credentialID { context.append(("credential_id", .string(c))) }
        return .object([("decision", .bool(v.allowed)), ("context", .object(context))])
    }

    /// The same secret, compared in time that does not depend on where they differ.
    static func sameSecret(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
        return diff == 0
    }

    static func invalid(_ e: AuthZENRequest.Invalid) -> HTTPResponse {
        error(400, "invalid_request", path: e.path, e.message)
    }

    static func error(_ status: Int, _ code: String, path: String?, _ message: String) -> HTTPResponse {
        var fields: [(String, JSONValue)] = [("error", .string(code))]
        if let path { fields.append(("path", .string(path))) }
        fields.append(("message", .string(path.map { $0 == "$" ? message : "\($0): \(message)" } ?? message)))
        return .json(status, Array(JSONWriter.write(.object(fields), indent: false).utf8))
    }

    private func unauthorized(invalid: Bool, reason: String) -> HTTPResponse {
        var challenge = "Bearer realm=\"warden\""
        if invalid { challenge += ", error=\"invalid_token\"" }
        let body = JSONWriter.write(.object([("error", .string(invalid ? "invalid_token" : "unauthorized")), ("reason", .string(reason))]), indent: false)
        return .json(401, Array(body.utf8), headers: [("WWW-Authenticate", challenge)])
    }
}
