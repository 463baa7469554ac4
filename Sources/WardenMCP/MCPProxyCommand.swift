import Glibc
import WardenCore
import WardenHTTPClient
import WardenStore
import WardenSystem

/// What `warden mcp-proxy` runs once the CLI's command table has parsed its flags and read
/// the secret: the checks of its own values, and the proxy itself.
public enum MCPProxyCommand {
    public struct UsageError: Error, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public struct Arguments: Equatable, Sendable {
        public var token: String
        public var tokenEnvironmentVariable: String?
        public var serverName: String?
        public var command: [String]
        /// `WARDEN_*` variables the server may have (`--pass-env`); the others are kept from it.
        public var passEnvironment: [String] = []
        /// The host recorded on the proxy's instance (`--host`); nil → the machine's host name.
        public var host: String?

        public init(token: String, tokenEnvironmentVariable: String? = nil, serverName: String? = nil, command: [String],
                    passEnvironment: [String] = [], host: String? = nil) {
            self.token = token
            self.tokenEnvironmentVariable = tokenEnvironmentVariable
            self.serverName = serverName
            self.command = command
            self.passEnvironment = passEnvironment
            self.host = host
        }
    }

    /// Whether `name` can name an environment variable (`[A-Za-z_][A-Za-z0-9_]*`). A value that
    /// cannot is likely a secret given by mistake, and is never echoed.
    public static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !name.hasPrefix(Credential.secretPrefix), name.utf8.count <= 255 else { return false }
        func ok(_ b: UInt8, digits: Bool) -> Bool {
            (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || (digits && b >= 48 && b <= 57)
        }
        return ok(first, digits: false) && name.utf8.allSatisfy { ok($0, digits: true) }
    }

    /// The message for `--token-env` given something that is not a variable's name (not shown).
    public static let notAnEnvironmentName =
        "--token-env takes the NAME of an environment variable holding the secret, not the secret itself (the value given is not shown)"

    /// `--pass-env LIST`: comma-separated variable names.
    public static func passEnvironment(_ list: String) throws(UsageError) -> [String] {
        let names = list.split(separator: ",").map { String($0).trimmingWhitespace }
        guard !names.isEmpty, names.allSatisfy(isEnvironmentName) else {
            throw UsageError(message: "--pass-env takes comma-separated environment variable names")
        }
        return names
    }

    /// Checks `--server-name`.
    public static func checkServerName(_ name: String) throws(UsageError) {
        guard !name.isEmpty, MCPProxy.serverName(fromServerInfo: name) == name else {
            throw UsageError(message: "--server-name '\(name)' must be one word without '/', '*' or spaces")
        }
    }

    /// Checks `--decide URL`: `https://HOST[:PORT]`, or `http://` to a loopback address only (a
    /// bearer credential in clear text must not cross a network). No user, password, query or
    /// fragment; a URL carrying a user or password is not echoed (it may hold a secret).
    public static func checkDecideURL(_ url: String) throws(UsageError) -> String {
        let lower = url.lowercased()
        let https = lower.hasPrefix("https://")
        guard https || lower.hasPrefix("http://") else {
            throw UsageError(message: "--decide takes the service's URL, https://HOST:PORT (http:// only to a loopback address)")
        }
        var rest = url.dropFirst(https ? 8 : 7)
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("@") else {
            throw UsageError(message: "--decide: the URL must not carry a user or password (the URL is not shown); the proxy authenticates with its token")
        }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("#"),
              !rest.contains(where: { $0 == " " || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false }) else {
            throw UsageError(message: "--decide '\(url)': give the service's base URL only, like https://warden.internal:8414")
        }
        if !https && !Loopback.isLoopback(authority: String(rest)) {
            throw UsageError(message: "--decide '\(url)': plain http:// is only allowed to a loopback address (127.0.0.1, [::1], localhost); use https://")
        }
        return (https ? "https://" : "http://") + rest
    }

    /// Runs the proxy through `warden serve` (`a.decide` set): no store is opened.
    public static func run(arguments a: Arguments, service: DecideService, environment: [String: String],
                           storeTimeoutMs: @escaping @Sendable () -> Int64 = { StoreRetry.defaultTimeoutMs }) -> Int32 {
        var cfg = MCPProxyConfiguration(service: service, token: a.token, tokenEnvironmentVariable: a.tokenEnvironmentVariable,
                                        serverName: a.serverName, command: a.command, environment: environment,
                                        passEnvironment: a.passEnvironment)
        cfg.storeTimeoutMs = storeTimeoutMs
        cfg.hostName = a.host
        return MCPProxy.run(cfg)
    }

    /// Runs the proxy against `store` with already parsed arguments.
    /// Returns the server's exit code, or 2 (store or I/O), 3 (unknown credential), 127 (cannot start).
    /// `storeTimeoutMs`: `store_timeout`, asked only when the store first fails.
    public static func run(store: any StoreBackend, arguments a: Arguments, environment: [String: String],
                           storeTimeoutMs: @escaping @Sendable () -> Int64 = { StoreRetry.defaultTimeoutMs }) -> Int32 {
        var cfg = MCPProxyConfiguration(store: store, token: a.token, tokenEnvironmentVariable: a.tokenEnvironmentVariable,
                                        serverName: a.serverName, command: a.command, environment: environment,
                                        passEnvironment: a.passEnvironment)
        cfg.storeTimeoutMs = storeTimeoutMs
        cfg.hostName = a.host
        return MCPProxy.run(cfg)
    }
}
