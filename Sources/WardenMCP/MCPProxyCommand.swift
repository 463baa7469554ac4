import WardenCore

/// The CLI's entry point for `warden mcp-proxy`: parses the command's own arguments (everything
/// after `mcp-proxy`; global options such as `--db` are the CLI's) and runs the proxy.
///
///     warden mcp-proxy (--token SECRET | --token-env VAR) [--server-name NAME] -- COMMAND [ARGS…]
public enum MCPProxyCommand {
    public static let usage = "warden mcp-proxy (--token SECRET | --token-env VAR) [--server-name NAME] -- COMMAND [ARGS…]"
    public static let summary = "enforce identity and scopes in front of a stdio MCP server"

    public struct UsageError: Error, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public struct Arguments: Equatable, Sendable {
        public var token: String
        public var tokenEnvironmentVariable: String?
        public var serverName: String?
        public var command: [String]
    }

    /// Parses `--token SECRET | --token-env VAR`, `--server-name NAME` (also `--flag=value`),
    /// then `--` and the server's command line. The first word that is not one of our flags also
    /// starts the command, so `--` is optional when the command does not begin with `-`.
    public static func parse(_ args: [String], environment: [String: String]) throws(UsageError) -> Arguments {
        var token: String?, tokenEnv: String?, serverName: String?
        var i = 0
        func value(_ flag: String, _ inline: String?) throws(UsageError) -> String {
            if let inline { return inline }
            i += 1
            guard i < args.count else { throw UsageError(message: "\(flag) needs a value") }
            return args[i]
        }
        while i < args.count {
            let arg = args[i]
            if arg == "--" { i += 1; break }
            guard arg.hasPrefix("--") else { break }
            let parts = arg.split(separator: "=", maxSplits: 1)
            let flag = String(parts[0])
            let inline = parts.count > 1 ? String(parts[1]) : nil
            switch flag {
            case "--token": token = try value(flag, inline)
            case "--token-env": tokenEnv = try value(flag, inline)
            case "--server-name": serverName = try value(flag, inline)
            default: throw UsageError(message: "unknown option '\(flag)' for mcp-proxy (put the server's command after --)")
            }
            i += 1
        }
        let command = Array(args[i...])
        if token != nil && tokenEnv != nil { throw UsageError(message: "give --token or --token-env, not both") }
        let secret: String
        if let t = token {
            secret = t
        } else if let v = tokenEnv {
            guard let t = environment[v], !t.isEmpty else {
                throw UsageError(message: "--token-env \(v): the environment variable \(v) is not set")
            }
            secret = t
        } else {
            throw UsageError(message: "mcp-proxy needs --token SECRET or --token-env VAR")
        }
        if let name = serverName {
            guard !name.isEmpty, MCPProxy.serverName(fromServerInfo: name) == name else {
                throw UsageError(message: "--server-name '\(name)' must be one word without '/', '*' or spaces")
            }
        }
        guard let first = command.first, !first.isEmpty else {
            throw UsageError(message: "mcp-proxy needs the server's command after --")
        }
        return Arguments(token: secret, tokenEnvironmentVariable: tokenEnv, serverName: serverName, command: command)
    }

    /// Runs the proxy against the store at `storePath` with already parsed arguments.
    /// Returns the server's exit code, or 2 (store or I/O), 3 (unknown credential), 127 (cannot start).
    public static func run(storePath: String, arguments a: Arguments, environment: [String: String]) -> Int32 {
        let cfg = MCPProxyConfiguration(storePath: storePath, token: a.token, tokenEnvironmentVariable: a.tokenEnvironmentVariable,
                                        serverName: a.serverName, command: a.command, environment: environment)
        return MCPProxy.run(cfg)
    }

    /// Parse and run in one: 1 with a message on stderr for a usage error.
    public static func run(storePath: String, args: [String], environment: [String: String]) -> Int32 {
        do {
            let a = try parse(args, environment: environment)
            return run(storePath: storePath, arguments: a, environment: environment)
        } catch {
            FD.writeAll(2, Array("warden: \(error.message)\n\nUsage: \(usage)\n".utf8))
            return 1
        }
    }
}
