import WardenCore
import WardenMCP
import WardenSystem

/// `warden mcp-proxy`: flags (the secret-flag kind among them) parsed by the table, the secret
/// read by `SecretInput`, the proxy itself in WardenMCP.
enum MCPProxyCLI {
    static func run(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        var parsed = MCPProxyCommand.Arguments(token: "", command: inv.trailing)
        do {
            parsed.serverName = inv.text("server-name")
            if let name = parsed.serverName { try MCPProxyCommand.checkServerName(name) }
            if let list = inv.text("pass-env") { parsed.passEnvironment = try MCPProxyCommand.passEnvironment(list) }
        } catch {
            throw UsageError(TerminalText.safe(error.message), command: inv.command)
        }
        parsed.host = try HostFlag.read(inv)
        let secret = try SecretInput.read(inv, ctx)
        parsed.token = secret.value
        parsed.tokenEnvironmentVariable = secret.variable
        Stdio.flush()
        // `store_timeout` is read from the config file only when the store first fails.
        let environment = ctx.environment
        return MCPProxyCommand.run(store: try ctx.storeBackend, arguments: parsed, environment: environment,
                                   storeTimeoutMs: { storeTimeoutMs(environment) })
    }

    /// A config that cannot be read still denies, after the default wait.
    @Sendable static func storeTimeoutMs(_ environment: [String: String]) -> Int64 {
        do { return try Settings.load(environment: environment).store.storeTimeoutMs } catch {
            Stdio.error("warden mcp-proxy: \(error); waiting the default store_timeout of \(DurationText.canonical(StoreRetry.defaultTimeoutMs))\n")
            return StoreRetry.defaultTimeoutMs
        }
    }
}
