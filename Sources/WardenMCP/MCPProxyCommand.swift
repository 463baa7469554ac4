import Foundation
import WardenCore
import WardenSystem

/// The CLI's entry point for `warden mcp-proxy`: parses the command's own arguments (everything
/// after `mcp-proxy`; global options such as `--db` are the CLI's) and runs the proxy.
///
///     warden mcp-proxy (--token SECRET | --token-env VAR) [--server-name NAME] [--pass-env LIST] -- COMMAND [ARGS…]
///
/// (The `warden` CLI also takes `--token-file PATH` and `--token -`, and builds `Arguments` itself.)
public enum MCPProxyCommand {
    public static let usage = "warden mcp-proxy (--token SECRET | --token-env VAR) [--server-name NAME] [--pass-env LIST] -- COMMAND [ARGS…]"
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
        /// `WARDEN_*` variables the server may have (`--pass-env`); the others are kept from it.
        public var passEnvironment: [String] = []

        public init(token: String, tokenEnvironmentVariable: String? = nil, serverName: String? = nil, command: [String],
                    passEnvironment: [String] = []) {
            self.token = token
            self.tokenEnvironmentVariable = tokenEnvironmentVariable
            self.serverName = serverName
            self.command = command
            self.passEnvironment = passEnvironment
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
        let names = list.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
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

    /// Parses `--token SECRET | --token-env VAR`, `--server-name NAME` (also `--flag=value`),
    /// then `--` and the server's command line. The first word that is not one of our flags also
    /// starts the command, so `--` is optional when the command does not begin with `-`.
    public static func parse(_ args: [String], environment: [String: String]) throws(UsageError) -> Arguments {
        var token: String?, tokenEnv: String?, serverName: String?
        var pass: [String] = []
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
            case "--pass-env": pass += try passEnvironment(try value(flag, inline))
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
            guard isEnvironmentName(v) else { throw UsageError(message: notAnEnvironmentName) }
            guard let t = environment[v], !t.isEmpty else {
                throw UsageError(message: "--token-env \(v): the environment variable \(v) is not set")
            }
            secret = t
        } else {
            throw UsageError(message: "mcp-proxy needs --token SECRET or --token-env VAR")
        }
        if let name = serverName { try checkServerName(name) }
        guard let first = command.first, !first.isEmpty else {
            throw UsageError(message: "mcp-proxy needs the server's command after --")
        }
        return Arguments(token: secret, tokenEnvironmentVariable: tokenEnv, serverName: serverName, command: command,
                         passEnvironment: pass)
    }

    /// Runs the proxy against the store at `storePath` with already parsed arguments.
    /// Returns the server's exit code, or 2 (store or I/O), 3 (unknown credential), 127 (cannot start).
    public static func run(storePath: String, arguments a: Arguments, environment: [String: String]) -> Int32 {
        let cfg = MCPProxyConfiguration(storePath: storePath, token: a.token, tokenEnvironmentVariable: a.tokenEnvironmentVariable,
                                        serverName: a.serverName, command: a.command, environment: environment,
                                        passEnvironment: a.passEnvironment)
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
