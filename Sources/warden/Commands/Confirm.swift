import Glibc
import WardenCore
import WardenStore

/// How a destructive command (`revoke`, `principal disable`, `narrow`) decides whether to act:
/// like the dashboard, a cascade over more than `askAbove` agents needs a person's yes. On a
/// terminal it asks; `--yes` answers for a script; a script without `--yes` is refused, so a
/// pipeline never revokes a large subtree on a guess.
enum Confirm {
    static let askAbove = 10

    enum Decision: Equatable {
        case proceed
        case ask
        case refuse
    }

    /// Pure: what to do for a cascade reaching `agents` agents.
    static func decide(agents: Int, yes: Bool, terminal: Bool) -> Decision {
        if agents <= askAbove || yes { return .proceed }
        return terminal ? .ask : .refuse
    }

    /// Throws unless the action may go ahead. `what` says what would happen, for the question.
    static func require(agents: Int, what: String, _ inv: Invocation, _ ctx: Context) throws {
        switch decide(agents: agents, yes: inv.has("yes"), terminal: isatty(0) == 1) {
        case .proceed:
            return
        case .refuse:
            throw UsageError("\(what) reaches \(agents) agents (more than \(askAbove)); pass --yes to confirm, or --dry-run to see the plan",
                             command: inv.command)
        case .ask:
            try ask("\(what) reaches \(agents) agents.")
        }
    }

    /// For an act that is risky whatever its size (approving a tool with poisoning signals,
    /// rejecting a tool in use): asks on a terminal, else needs `--yes`.
    static func require(_ why: String, _ inv: Invocation) throws {
        if inv.has("yes") { return }
        guard isatty(0) == 1 else {
            throw UsageError("\(why); pass --yes to confirm", command: inv.command)
        }
        try ask(why + ".")
    }

    private static func ask(_ question: String) throws {
        Stdio.flush()
        Stdio.error("\(question) Type yes to go on: ")
        let answer = readLine(strippingNewline: true)?.trimmingCharacters(in: " \t")
        guard answer == "yes" || answer == "y" else {
            throw Exit(code: 1, message: "cancelled; nothing was changed")
        }
    }
}

extension String {
    /// The string without leading and trailing characters of `set`.
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
