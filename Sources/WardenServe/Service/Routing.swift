import WardenCore

/// Where a request goes, by its path alone.
public enum Route: Equatable, Sendable {
    case health
    case metrics
    /// `/mcp/NAME`: the gateway to one upstream.
    case mcp(String)
    /// `/.well-known/oauth-protected-resource/mcp/NAME` (RFC 9728).
    case resourceMetadata(String)
    /// `/v1/…`: the agent API (`WardenAPI`).
    case agentAPI
    /// AuthZEN: `/access/v1/evaluation`, `/access/v1/evaluations`, the PDP metadata.
    case evaluation
    case evaluations
    case authzenMetadata
    case notFound

    static let metadataPrefix = "/.well-known/oauth-protected-resource"

    public static func of(path: String) -> Route {
        switch path {
        case "/healthz": return .health
        case "/metrics": return .metrics
        case AuthZEN.evaluationPath: return .evaluation
        case AuthZEN.evaluationsPath: return .evaluations
        case AuthZEN.metadataPath: return .authzenMetadata
        default: break
        }
        if path.hasPrefix("/v1/") { return .agentAPI }
        if path.hasPrefix("/mcp/") {
            let name = String(path.dropFirst(5))
            return ServeSection.isUpstreamName(name) ? .mcp(name) : .notFound
        }
        if path.hasPrefix(metadataPrefix + "/mcp/") {
            let name = String(path.dropFirst(metadataPrefix.count + 5))
            return ServeSection.isUpstreamName(name) ? .resourceMetadata(name) : .notFound
        }
        return .notFound
    }
}

/// The header rules of the gateway: who may call (Origin), with what (Bearer), and what a
/// refusal says (RFC 6750 / RFC 9728).
public enum HeaderRules {
    /// An `Origin` the service accepts: none (not a browser), its own, or one configured. A
    /// browser page elsewhere must not drive a local MCP server (DNS rebinding), hence 403.
    public static func originAllowed(_ origin: String?, own: [String], allowed: [String]) -> Bool {
        guard let origin else { return true }
        let o = origin.lowercased()
        return own.contains { $0.lowercased() == o } || allowed.contains { $0.lowercased() == o }
    }

    /// Whether an `Accept` value names `type` (lower-case ASCII), its case ignored. Compared on
    /// bytes: the standard library's Character-wise `contains` cost microseconds per request.
    public static func accepts(_ accept: String?, _ type: String) -> Bool {
        guard let accept else { return false }
        let hay = Array(accept.utf8), needle = Array(type.utf8)
        guard !needle.isEmpty, hay.count >= needle.count else { return false }
        for start in 0...(hay.count - needle.count) {
            var i = 0
            while i < needle.count, Self.asciiLower(hay[start + i]) == needle[i] { i += 1 }
            if i == needle.count { return true }
        }
        return false
    }

    private static func asciiLower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }

    /// The secret of `Authorization: Bearer wdn_…`; nil when absent or of another scheme.
    public static func bearer(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = String(parts[1]).trimmed(" \t")
        return token.isEmpty || token.contains(" ") ? nil : token
    }

    /// `WWW-Authenticate` of a 401: where the resource's metadata is, and `invalid_token` when
    /// a token was given but is not (or no longer) good. Never echoes the token.
    public static func challenge(metadataURL: String, invalidToken: Bool) -> String {
        var v = "Bearer resource_metadata=\"\(metadataURL)\""
        if invalidToken { v += ", error=\"invalid_token\"" }
        return v
    }

    /// Deny reasons that mean the token itself is not good: 401. Every other reason is a
    /// decision about one call, answered inside the session (JSON-RPC error, HTTP 200).
    public static func isTokenFailure(_ reason: String) -> Bool {
        reason == Authorization.Reason.unknownCredential.rawValue
            || reason == Authorization.Reason.credentialRevoked.rawValue
            || reason == Authorization.Reason.credentialExpired.rawValue
    }

    /// The RFC 9728 document for one upstream.
    public static func resourceMetadata(resource: String, upstream: String, authorizationServers: [String]) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("resource", .string(resource)),
            ("bearer_methods_supported", .array([.string("header")])),
            ("scopes_supported", .array([.string(upstream + "/*")])),
            ("resource_name", .string("Warden MCP gateway: \(upstream)")),
        ]
        if !authorizationServers.isEmpty {
            fields.insert(("authorization_servers", .array(authorizationServers.map { .string($0) })), at: 1)
        }
        return .object(fields)
    }
}

extension String {
    func trimmed(_ set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
