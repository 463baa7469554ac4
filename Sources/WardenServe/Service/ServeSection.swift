import WardenConfig
import WardenCore
import WardenHTTPClient

/// One upstream MCP server behind `/mcp/NAME`.
public struct UpstreamConfig: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A Streamable HTTP endpoint.
        case url(String)
        /// A stdio server the service starts (one process per session) and supervises.
        case command([String])
    }

    public var name: String
    public var kind: Kind?
    /// Sent to the upstream on every request; values are secrets as far as logs are concerned.
    public var headers: [HTTPHeader] = []
    /// The config line that named it first, for errors about the upstream as a whole.
    public var line: Int
    /// How long a request waits for the upstream's answer before the client gets a JSON-RPC
    /// error (`upstream_unavailable`) instead: a hung upstream must not hold its client forever.
    public var answerTimeoutMs: Int64 = UpstreamConfig.defaultAnswerTimeoutMs
    public static let defaultAnswerTimeoutMs: Int64 = 30_000

    public init(name: String, kind: Kind? = nil, headers: [HTTPHeader] = [], line: Int = 0) {
        self.name = name
        self.kind = kind
        self.headers = headers
        self.line = line
    }
}

/// The config keys of `warden serve`: `serve.*` for the service, `server.NAME.*` per upstream.
/// A header value `env:VAR` is read from the service's environment when the file is read.
public struct ServeSection: ConfigSection {
    public var upstreams: [String: UpstreamConfig] = [:]
    /// The environment variables header values were read from (`env:VAR`): upstream
    /// credentials, taken out of the service's environment once read, so no stdio upstream
    /// (which inherits that environment) receives another upstream's secret.
    public var secretVariables: Set<String> = []
    public var listen: ListenAddress?
    public var maxBodyBytes = 4 << 20
    public var maxSessions = 1000
    /// Sessions one agent may hold at once (`serve.max_sessions_per_agent`).
    public var maxSessionsPerAgent = 16
    /// A session no request used for this long is ended (`serve.session_idle`).
    public var sessionIdleMs: Int64 = 30 * 60_000
    /// A connection that sends nothing for this long is closed (`serve.client_timeout`); an
    /// answer being streamed counts as activity.
    public var clientTimeoutSeconds = 60
    /// A request's headers must be complete this long after its connection opened, or after
    /// the connection's previous request (`serve.header_timeout`): a client trickling bytes
    /// (slowloris) is cut even though it is never idle for `client_timeout`.
    public var headerTimeoutSeconds = 10
    /// Connections open at once, in all and from one address (`serve.max_connections`,
    /// `serve.max_connections_per_ip`; 0 for no per-address limit, behind a proxy whose
    /// address every client shares). Beyond them a new connection is closed at once; those
    /// already open are served as before.
    public var maxConnections = 1024
    public var maxConnectionsPerIP = 256
    /// The service's public base URL (`https://warden.example.com`), when it differs from the
    /// listen address (behind a load balancer): names the resource in RFC 9728 documents.
    public var publicURL: String?
    public var allowedOrigins: [String] = []
    public var authorizationServers: [String] = []
    /// Where `env:VAR` values come from (the process environment, set by the command).
    public var environment: [String: String] = [:]

    public init() {}

    public static func owns(_ key: String) -> Bool {
        key.hasPrefix("server.") || ["serve.listen", "serve.max_body", "serve.max_sessions", "serve.max_sessions_per_agent", "serve.public_url",
                                     "serve.allowed_origins", "serve.authorization_servers", "serve.session_idle",
                                     "serve.client_timeout", "serve.header_timeout", "serve.max_connections",
                                     "serve.max_connections_per_ip"].contains(key)
    }

    /// `scheme://host[:port]`, as a browser sends it in `Origin`.
    static func isOrigin(_ s: String) -> Bool {
        let lower = s.lowercased()
        guard let scheme = ["https://", "http://"].first(where: { lower.hasPrefix($0) }) else { return false }
        let rest = s.dropFirst(scheme.count)
        return !rest.isEmpty && !rest.contains(where: { "/?#*@ ".contains($0) || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? true })
    }

    /// Headers whose value is a secret: given as `env:VAR`, never written in a config file.
    static func isCredentialHeader(_ header: String) -> Bool {
        let h = header.lowercased()
        return ["authorization", "proxy-authorization", "cookie"].contains(h) || ["token", "key", "secret", "auth", "password"].contains { h.contains($0) }
    }

    /// An upstream's NAME: also a path segment and SERVER in `SERVER/TOOL` scopes.
    public static func isUpstreamName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 || $0 == 46
        }
    }

    public mutating func read(key: String, value: String) throws(ConfigValueError) {
        switch key {
        case "serve.listen":
            do { listen = try ListenAddress.parse(value) } catch { throw ConfigValueError("serve.listen: \(error.description)") }
        case "serve.max_body":
            guard value.utf8.count <= 10, let n = Int(value), n >= 1024 else { throw ConfigValueError("serve.max_body must be a number of bytes, at least 1024") }
            maxBodyBytes = n
        case "serve.max_sessions":
            guard value.utf8.count <= 7, let n = Int(value), n >= 1 else { throw ConfigValueError("serve.max_sessions must be a positive whole number") }
            maxSessions = n
        case "serve.max_sessions_per_agent":
            guard value.utf8.count <= 7, let n = Int(value), n >= 1 else { throw ConfigValueError("serve.max_sessions_per_agent must be a positive whole number") }
            maxSessionsPerAgent = n
        case "serve.session_idle":
            sessionIdleMs = try Self.duration(key, value, from: 1000, to: 7 * 86_400_000, range: "1s to 7d")
        case "serve.client_timeout":
            clientTimeoutSeconds = Int(try Self.duration(key, value, from: 1000, to: 3_600_000, range: "1s to 1h") / 1000)
        case "serve.header_timeout":
            headerTimeoutSeconds = Int(try Self.duration(key, value, from: 1000, to: 600_000, range: "1s to 10m") / 1000)
        case "serve.max_connections":
            guard value.utf8.count <= 6, let n = Int(value), n >= 4, n <= 65_536 else { throw ConfigValueError("serve.max_connections must be a whole number from 4 to 65536") }
            maxConnections = n
        case "serve.max_connections_per_ip":
            guard value.utf8.count <= 6, let n = Int(value), n >= 0, n <= 65_536 else { throw ConfigValueError("serve.max_connections_per_ip must be a whole number from 0 (no limit) to 65536") }
            maxConnectionsPerIP = n
        case "serve.public_url":
            guard let u = Self.baseURL(value) else { throw ConfigValueError("serve.public_url must be an https:// or http:// URL without a path, query or fragment") }
            publicURL = u
        case "serve.allowed_origins":
            allowedOrigins = value.split(separator: ",").map { $0.trimmingCharacters }.filter { !$0.isEmpty }
            // Compared whole with a browser's Origin header: a pattern would match nothing.
            for origin in allowedOrigins where !Self.isOrigin(origin) {
                throw ConfigValueError("serve.allowed_origins: \(FileText.quoted(origin)) is not an origin; list each that may call, like https://app.example.com (no '*', no path)")
            }
        case "serve.authorization_servers":
            authorizationServers = value.split(separator: ",").map { $0.trimmingCharacters }.filter { !$0.isEmpty }
        default:
            try readServer(key: key, value: value)
        }
    }

    private mutating func readServer(key: String, value: String) throws(ConfigValueError) {
        // server.NAME.url | server.NAME.command | server.NAME.timeout | server.NAME.header.HEADER
        let parts = key.split(separator: ".", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3 else { throw ConfigValueError("unknown setting '\(key)': expected server.NAME.url, server.NAME.command, server.NAME.timeout or server.NAME.header.HEADER") }
        let name = parts[1]
        guard Self.isUpstreamName(name) else { throw ConfigValueError("server name \(FileText.quoted(name)) must be 1 to 64 characters of A-Z a-z 0-9 . _ -") }
        var up = upstreams[name] ?? UpstreamConfig(name: name)
        switch (parts[2], parts.count) {
        case ("url", 3):
            guard up.kind == nil else { throw ConfigValueError("server.\(name) already has a url or a command") }
            guard value.hasPrefix("http://") || value.hasPrefix("https://"), !value.contains(where: { $0.isWhitespace }) else {
                throw ConfigValueError("server.\(name).url must be an http:// or https:// URL")
            }
            // Its headers carry the upstream's credential, and its answers the tools agents run.
            if value.hasPrefix("http://"), !Loopback.isLoopback(authority: String(value.dropFirst(7).prefix { $0 != "/" && $0 != "?" })) {
                throw ConfigValueError("server.\(name).url: plain http:// is only allowed to a loopback address (127.0.0.1, [::1], localhost); use https://")
            }
            up.kind = .url(value)
        case ("command", 3):
            guard up.kind == nil else { throw ConfigValueError("server.\(name) already has a url or a command") }
            let words = FileText.words(value)
            guard !words.isEmpty else { throw ConfigValueError("server.\(name).command needs a command line") }
            up.kind = .command(words)
        case ("timeout", 3):
            let ms: Int64
            do { ms = try DurationText.parse(value) } catch {
                throw ConfigValueError("server.\(name).timeout: invalid duration \(FileText.quoted(value)): expected a whole number and a unit, e.g. 30s, 5m")
            }
            // Under a second would fail healthy calls; over an hour is no bound at all.
            guard ms >= 1000, ms <= 3_600_000 else { throw ConfigValueError("server.\(name).timeout must be from 1s to 1h") }
            up.answerTimeoutMs = ms
        case ("header", 4):
            let header = parts[3]
            guard !header.isEmpty, header.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 }) else {
                throw ConfigValueError("server.\(name).header.HEADER: a header name is letters, digits and '-'")
            }
            let reserved = ["host", "content-length", "content-type", "accept", "transfer-encoding", "connection", "mcp-session-id", "mcp-protocol-version"]
            guard !reserved.contains(header.lowercased()) else { throw ConfigValueError("server.\(name).header.\(header): this header is the gateway's to set") }
            var v = value
            if !value.hasPrefix("env:"), Self.isCredentialHeader(header) {
                throw ConfigValueError("server.\(name).header.\(header): give a credential as env:VAR, not in the file (the value is not shown)")
            }
            if value.hasPrefix("env:") {
                let variable = String(value.dropFirst(4))
                guard let set = environment[variable], !set.isEmpty else {
                    throw ConfigValueError("server.\(name).header.\(header): the environment variable \(FileText.quoted(variable)) is not set")
                }
                v = set
                secretVariables.insert(variable)
            }
            // The value is never quoted in an error: it may be a secret.
            guard !v.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw ConfigValueError("server.\(name).header.\(header): the value holds a control character (not shown)")
            }
            up.headers.append(HTTPHeader(header, v))
        default:
            throw ConfigValueError("unknown setting '\(key)': expected server.NAME.url, server.NAME.command, server.NAME.timeout or server.NAME.header.HEADER")
        }
        upstreams[name] = up
    }

    /// Every upstream needs a url or a command.
    public func checked() throws(ConfigValueError) -> ServeSection {
        for (name, up) in upstreams.sorted(by: { $0.key < $1.key }) where up.kind == nil {
            throw ConfigValueError("server.\(name) needs server.\(name).url or server.\(name).command")
        }
        return self
    }

    /// A duration setting in whole seconds or more (`30s`, `5m`), within `from`...`to` ms.
    static func duration(_ key: String, _ value: String, from: Int64, to: Int64, range: String) throws(ConfigValueError) -> Int64 {
        let ms: Int64
        do { ms = try DurationText.parse(value) } catch {
            throw ConfigValueError("\(key): invalid duration \(FileText.quoted(value)): expected a whole number and a unit, e.g. 30s, 5m")
        }
        guard ms >= from, ms <= to, ms % 1000 == 0 else { throw ConfigValueError("\(key) must be whole seconds from \(range)") }
        return ms
    }

    static func baseURL(_ text: String) -> String? {
        var t = text
        while t.hasSuffix("/") { t.removeLast() }
        for scheme in ["https://", "http://"] where t.hasPrefix(scheme) {
            let rest = t.dropFirst(scheme.count)
            guard !rest.isEmpty, !rest.contains(where: { "/?#@ ".contains($0) || $0.isWhitespace }) else { return nil }
            return t
        }
        return nil
    }
}
