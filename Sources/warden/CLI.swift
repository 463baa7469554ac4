import Glibc
import WardenCore
import WardenStore
import WardenSystem

/// Parses, dispatches, and maps every failure to its exit code:
/// 0 success, 1 usage error, 2 runtime error, 3 authorization denied.
enum CLI {
    static let version = "0.1.0"

    static func run(_ args: [String], environment: [String: String]) -> Int32 {
        let parser = ArgumentParser(commands: CommandTable.all)
        let result: ParseResult
        do { result = try parser.parse(args) } catch {
            if let code = HookCommand.answerUsageError(args, error.message) { return code }
            return usageFailure(error)
        }
        switch result {
        case .version:
            Stdio.write("warden \(version)\n")
            return 0
        case .bare(let globals):
            if globals.json { return usageFailure(UsageError("--json does not apply to the dashboard")) }
            return DashboardCommand.run(globals: globals, environment: environment, backend: nil)
        case .help(let command, let group, _):
            if let command { Stdio.write(Help.command(command)) }
            else if let group { Stdio.write(Help.group(group)) }
            else { Stdio.write(Help.top()) }
            return 0
        case .run(let inv, let globals):
            if (globals.theme != nil || globals.readOnly) && !inv.command.opensDashboard {
                return usageFailure(UsageError("--theme and --read-only apply to the dashboard (`warden` alone or `warden demo`)", command: inv.command))
            }
            let ctx = Context(globals: globals, environment: environment, now: WallClock.now())
            do {
                let code = try inv.command.run(inv, ctx)
                Stdio.flush()
                return code
            } catch let error as UsageError {
                return usageFailure(error)
            } catch let exit as Exit {
                fail(exit.message)
                return exit.code
            } catch let error as StoreError {
                fail(TerminalText.safe(error.description))
                return 2
            } catch let error as RuntimeError {
                fail(error.description)
                return 2
            } catch {
                fail(TerminalText.safe(String(describing: error)))
                return 2
            }
        }
    }

    static func usageFailure(_ error: UsageError) -> Int32 {
        Stdio.flush()
        var text = "warden: \(error.message)\n\n"
        if let command = error.command {
            text += "Usage: \(command.usageLine)\nRun `warden \(command.name) --help` for details.\n"
        } else if let group = error.group, error.oneLine {
            let words = group.joined(separator: " ")
            text += "Usage: warden \(words) SUBCOMMAND [ARGS]\nRun `warden \(words) --help` for its subcommands.\n"
        } else if let group = error.group {
            text += Help.group(group)
        } else {
            // One line, not the whole command list: the mistake stays on screen.
            text += "Usage: warden [GLOBAL OPTIONS] COMMAND [ARGS]\nRun `warden --help` for the commands.\n"
        }
        Stdio.error(text)
        return 1
    }

    static func fail(_ message: String) {
        Stdio.flush()
        Stdio.error("warden: \(message)\n")
    }
}
/// Help pages generated from the command table.
enum Help {
    static func top() -> String {
        var s = "Warden: identity, delegation and revocation for fleets of AI agents.\n\n"
        s += "Usage: warden [GLOBAL OPTIONS] COMMAND [ARGS]\n\nCommands:\n"
        s += commandList(CommandTable.all)
        s += "\nGlobal options (before or after the command):\n" + flagList(GlobalOptions.flags)
        s += "\n" + footer
        return s
    }

    static func group(_ words: [String]) -> String {
        let members = CommandTable.all.filter { $0.words.starts(with: words) }
        var s = "Usage: warden \(words.joined(separator: " ")) SUBCOMMAND [ARGS]\n\nSubcommands:\n"
        s += commandList(members)
        s += "\nRun `warden \(words.joined(separator: " ")) SUBCOMMAND --help` for details.\n"
        return s
    }

    static func command(_ c: CommandSpec) -> String {
        var s = "Usage: \(c.usageLine)\n\n\(capitalized(c.summary)).\n"
        if !c.details.isEmpty { s += "\n" + wrap(c.details, width: 92) + "\n" }
        if !c.positionals.isEmpty {
            s += "\nArguments:\n"
            let width = c.positionals.map(\.name.count).max()! + 2
            for p in c.positionals { s += "  " + p.name.fixedWidth(width) + p.help + "\n" }
        }
        if !c.flags.isEmpty { s += "\nOptions:\n" + flagList(c.flags) }
        s += "\nGlobal options:\n" + flagList(GlobalOptions.flags)
        s += "\n" + footer
        return s
    }

    static let footer = """
        Durations: 90s, 15m, 8h, 7d. Lists: comma-separated. IDs: a full ID, a unique ID prefix (spiffe://DOMAIN/agent/NAME/…, tok_ + 6), or an exact agent name.
        Exit codes: 0 success, 1 usage error, 2 runtime error (store, I/O, refused rule), 3 authorization denied.

        """

    static func commandList(_ commands: [CommandSpec]) -> String {
        // Long usage lines would push every summary off screen: put summaries on their own line.
        var s = ""
        for c in commands {
            s += "  " + String(c.usageLine.dropFirst("warden ".count)) + "\n"
            s += "      " + c.summary + "\n"
        }
        return s
    }

    static func flagList(_ flags: [FlagSpec]) -> String {
        let width = flags.map { $0.synopsis.count }.max()! + 2
        var s = ""
        for f in flags {
            s += "  " + f.synopsis.fixedWidth(width)
            s += (f.required ? "(required) " : "") + f.help + "\n"
        }
        return s
    }

    static func capitalized(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }

    static func wrap(_ text: String, width: Int) -> String {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && current.count + 1 + word.count > width { lines.append(current); current = "" }
            current += (current.isEmpty ? "" : " ") + word
        }
        if !current.isEmpty { lines.append(current) }
        return lines.joined(separator: "\n")
    }
}
