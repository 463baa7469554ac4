import WardenMCP

/// `warden mcp-proxy`: flags checked by the table, the proxy itself in WardenMCP.
enum MCPProxyCLI {
    static func run(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        var args: [String] = []
        if let n = inv.text("server-name") { args += ["--server-name", n] }
        if let t = inv.text("token") { args += ["--token", t] }
        if let v = inv.text("token-env") { args += ["--token-env", v] }
        let parsed: MCPProxyCommand.Arguments
        do { parsed = try MCPProxyCommand.parse(args + ["--"] + inv.trailing, environment: ctx.environment) } catch {
            throw UsageError(TerminalText.safe(error.message), command: inv.command)
        }
        Stdio.flush()
        return MCPProxyCommand.run(storePath: ctx.storePath, arguments: parsed, environment: ctx.environment)
    }
}
