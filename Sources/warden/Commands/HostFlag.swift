import WardenCore

/// `--host NAME` of the commands that run instances (`simulate`, `mcp-proxy`): the host label
/// their instances carry, so processes on many machines sharing one store tell apart.
enum HostFlag {
    /// The flag, its help naming what the instances carry without it.
    static func spec(default otherwise: String) -> FlagSpec {
        FlagSpec("host", .text, "NAME", "the host recorded on the instances this process runs (default: \(otherwise))")
    }

    static func read(_ inv: Invocation) throws -> String? {
        guard let name = inv.text("host") else { return nil }
        if let problem = Instance.hostProblem(name) {
            throw UsageError("--host '\(TerminalText.safe(name))' \(problem)", command: inv.command)
        }
        return name
    }
}
