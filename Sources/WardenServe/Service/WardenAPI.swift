import WardenCore
import WardenMCP

/// `/v1/…`: Warden's agent API (docs/API.md), what `warden mcp-proxy --decide` asks instead of
/// opening the store. POST only, JSON in and out, `Authorization: Bearer wdn_…` acting for that
/// credential alone; the work is `AgentDesk`'s, this is the HTTP around it.
enum WardenAPI {
    /// `WWW-Authenticate` of a 401 here (RFC 6750): no resource metadata, the API is not an MCP
    /// resource; `invalid_token` when a token was given.
    static func challenge(invalid: Bool) -> String {
        "Bearer realm=\"warden\"" + (invalid ? ", error=\"invalid_token\"" : "")
    }

    static func handle(_ request: HTTPRequest, desk: AgentDesk) -> HTTPResponse {
        guard AgentDesk.paths.contains(request.path) else { return .text(404, "not found") }
        guard request.method == "POST" else {
            var r = HTTPResponse.text(405, "use POST")
            r.headers.append(("Allow", "POST"))
            return r
        }
        guard let secret = HeaderRules.bearer(request.header("authorization")) else {
            return json(AgentDesk.missingToken, invalid: false)
        }
        guard request.header("content-type").map(isJSON) ?? false else {
            return .text(415, "send Content-Type: application/json")
        }
        return json(desk.handle(path: request.path, body: request.body, secret: secret), invalid: true)
    }

    static func isJSON(_ contentType: String) -> Bool {
        contentType.split(separator: ";").first.map { $0.trimmingCharacters(" \t").lowercased() == "application/json" } ?? false
    }

    private static func json(_ a: AgentDesk.Answer, invalid: Bool) -> HTTPResponse {
        var headers: [(String, String)] = [("Cache-Control", "no-store")]
        if a.status == 401 { headers.append(("WWW-Authenticate", challenge(invalid: invalid))) }
        return .json(a.status, Array(JSONWriter.write(a.body, indent: false).utf8), headers: headers,
                     note: AccessNote(upstream: nil, decision: a.reason))
    }
}

private extension Substring {
    func trimmingCharacters(_ set: String) -> String { String(self).trimmed(set) }
}
