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
        let service = try decideService(inv, ctx)
        let secret = try SecretInput.read(inv, ctx)
        parsed.token = secret.value
        parsed.tokenEnvironmentVariable = secret.variable
        Stdio.flush()
        // `store_timeout` is read from the config file only when the store first fails.
        let environment = ctx.environment
        if let service {
            return MCPProxyCommand.run(arguments: parsed, service: service, environment: environment,
                                       storeTimeoutMs: { storeTimeoutMs(environment) })
        }
        return MCPProxyCommand.run(store: try ctx.storeBackend, arguments: parsed, environment: environment,
                                   storeTimeoutMs: { storeTimeoutMs(environment) })
    }

    /// `--decide URL [--ca-file FILE]`. An explicit `--db` with it is refused: a user naming a
    /// store expects it to be used, and this mode never opens one. `$WARDEN_DB` and the config
    /// file's `db` are ignored (an agent's host may share a config that names a store it cannot read).
    static func decideService(_ inv: Invocation, _ ctx: Context) throws -> DecideService? {
        let caFile = inv.text("ca-file")
        guard let url = inv.text("decide") else {
            if caFile != nil { throw UsageError("--ca-file goes with --decide (it is the CA the service's certificate is checked against)", command: inv.command) }
            return nil
        }
        if ctx.globals.db != nil {
            throw UsageError("--decide asks warden serve and never opens a store; drop --db (or drop --decide to use the store directly)", command: inv.command)
        }
        let checked: String
        do { checked = try MCPProxyCommand.checkDecideURL(url) } catch {
            throw UsageError(TerminalText.safe(error.message), command: inv.command)
        }
        if let caFile {
            guard let data = try? FileContents.read(caFile) else {
                throw RuntimeError("--ca-file \(TerminalText.safe(caFile)): cannot read the file")
            }
            guard String(decoding: data, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
                throw UsageError("--ca-file \(TerminalText.safe(caFile)): not a PEM certificate", command: inv.command)
            }
            if !checked.hasPrefix("https://") {
                throw UsageError("--ca-file goes with an https:// --decide URL", command: inv.command)
            }
        }
        return DecideService(url: checked, caFile: caFile)
    }

    /// A config that cannot be read still denies, after the default wait.
    @Sendable static func storeTimeoutMs(_ environment: [String: String]) -> Int64 {
        do { return try Settings.load(environment: environment).store.storeTimeoutMs } catch {
            Stdio.error("warden mcp-proxy: \(error); waiting the default store_timeout of \(DurationText.canonical(StoreRetry.defaultTimeoutMs))\n")
            return StoreRetry.defaultTimeoutMs
        }
    }
}
