import WardenCore

/// One option a command accepts. The kind decides how its value is read and checked.
struct FlagSpec: Sendable {
    enum Kind: Sendable {
        /// Present or not.
        case bool
        /// Free text.
        case text
        /// A comma-separated scope list, checked with `ScopeSet(parsing:)`.
        case scopes
        /// `90s`, `15m`, `8h`, `7d`, checked with `DurationText.parse`.
        case duration
        /// A whole number ≥ 1.
        case count
    }

    let name: String
    let kind: Kind
    /// The placeholder in usage lines (`LIST`, `DUR`, `ID`).
    let value: String
    let help: String
    /// Shown without brackets in the usage line and checked by the parser.
    let required: Bool

    init(_ name: String, _ kind: Kind, _ value: String = "", required: Bool = false, _ help: String) {
        self.name = name
        self.kind = kind
        self.value = value
        self.help = help
        self.required = required
    }

    init(bool name: String, _ help: String) {
        self.init(name, .bool, "", help)
    }

    var takesValue: Bool { kind != .bool }
    var synopsis: String { takesValue ? "--\(name) \(value)" : "--\(name)" }
}

/// The secret-flag kind: where a command's credential secret comes from. The table adds its
/// flags to the command, the parser reads them into one `SecretSource`, and `SecretInput`
/// resolves that source, the one place a secret is read.
struct SecretFlags: Sendable {
    enum Argv: Sendable {
        /// `--token VALUE` works (with a warning), as does `--token -` (stdin).
        case allowed
        /// Only `--token -`: a secret value on the command line is refused (`token renew`).
        case stdinOnly
        /// No `--token` flag at all (`warden hook`: the runtime passes no argv secret).
        case none
    }

    let argv: Argv
    /// Read when no flag names a source (`warden hook`: WARDEN_TOKEN); nil: one flag is required.
    let defaultVariable: String?

    static let anySource = SecretFlags(argv: .allowed, defaultVariable: nil)
    static let notFromArgv = SecretFlags(argv: .stdinOnly, defaultVariable: nil)
    static func environment(default variable: String) -> SecretFlags { SecretFlags(argv: .none, defaultVariable: variable) }

    var names: [String] { argv == .none ? ["token-env", "token-file"] : ["token", "token-env", "token-file"] }

    var flags: [FlagSpec] {
        let fromEnv = defaultVariable.map { "read the secret from this environment variable (default \($0))" }
            ?? "read the secret from this environment variable (then removed from this process's environment)"
        var out = [FlagSpec("token-env", .text, "VAR", fromEnv),
                   FlagSpec("token-file", .text, "PATH", "read the secret from this file (refused if its group or others have any access: chmod 600)")]
        switch argv {
        case .allowed:
            out.insert(FlagSpec("token", .text, "SECRET", "the credential secret (wdn_…); `-` reads it from stdin. A value here works but warns: argv is visible to every user of the host"), at: 0)
        case .stdinOnly:
            out.insert(FlagSpec("token", .text, "-", "`-` reads the secret from stdin (a secret value here is refused: argv is visible to every user of the host)"), at: 0)
        case .none:
            break
        }
        return out
    }
}

/// Where the parser found the secret to read (nothing is read while parsing).
enum SecretSource: Sendable, Equatable {
    /// `--token VALUE`.
    case argument(String)
    /// `--token -`.
    case standardInput
    /// `--token-env VAR`, or the command's default variable.
    case variable(String, named: Bool)
    /// `--token-file PATH`.
    case file(String)
}

/// A positional argument.
struct PositionalSpec: Sendable {
    let name: String
    let optional: Bool
    let help: String
    init(_ name: String, optional: Bool = false, _ help: String) {
        self.name = name
        self.optional = optional
        self.help = help
    }
}

/// One command of the table: its words, what it says about itself, what it accepts, and the code
/// that runs it. Usage lines and `--help` pages are generated from this, never written by hand.
struct CommandSpec: Sendable {
    typealias Run = @Sendable (Invocation, Context) throws -> Int32

    let words: [String]
    let summary: String
    let positionals: [PositionalSpec]
    let flags: [FlagSpec]
    /// Groups of flags of which exactly one must be given, e.g. `(--drop LIST | --keep LIST)`.
    let exactlyOne: [[String]]
    /// Extra paragraphs for `--help` (output fields, notes).
    let details: String
    /// Words after `--`, taken as they are (`mcp-proxy … -- COMMAND [ARGS…]`); required when set.
    let trailing: PositionalSpec?
    /// The command takes a credential secret: its flags come first, one of them is required
    /// unless the kind names a default variable.
    let secret: SecretFlags?
    let run: Run

    init(_ words: [String], _ summary: String, positionals: [PositionalSpec] = [], secret: SecretFlags? = nil, flags: [FlagSpec] = [],
         exactlyOne: [[String]] = [], details: String = "", trailing: PositionalSpec? = nil, run: @escaping Run) {
        self.words = words
        self.summary = summary
        self.positionals = positionals
        self.secret = secret
        self.flags = (secret?.flags ?? []) + flags
        self.exactlyOne = (secret.map { $0.defaultVariable == nil ? [$0.names] : [] } ?? []) + exactlyOne
        self.details = details
        self.trailing = trailing
        self.run = run
    }

    var name: String { words.joined(separator: " ") }

    /// Commands that open the dashboard accept `--theme` and `--read-only`.
    var opensDashboard: Bool { words == ["demo"] }

    func flag(_ name: String) -> FlagSpec? { flags.first { $0.name == name } }

    /// `warden agent register NAME --by ID --scopes LIST [--ttl DUR]`
    var usageLine: String {
        var parts = ["warden"] + words
        for p in positionals { parts.append(p.optional ? "[\(p.name)]" : p.name) }
        var grouped = Set<String>()
        for group in exactlyOne {
            let alternatives = group.compactMap { flag($0)?.synopsis }
            parts.append("(" + alternatives.joined(separator: " | ") + ")")
            grouped.formUnion(group)
        }
        for f in flags where !grouped.contains(f.name) {
            parts.append(f.required ? f.synopsis : "[\(f.synopsis)]")
        }
        if let t = trailing { parts.append("-- " + t.name) }
        return parts.joined(separator: " ")
    }
}

/// A parsed command line: the command, its checked values, and the global options.
struct Invocation: Sendable {
    enum Value: Sendable {
        case present
        case text(String)
        case scopes(ScopeSet)
        case duration(Int64)
        case count(Int)
    }

    let command: CommandSpec
    var positionals: [String: String] = [:]
    var values: [String: Value] = [:]
    /// The words after `--` for a command with a `trailing` spec.
    var trailing: [String] = []
    /// For a command with a secret-flag kind: where its secret is to be read from.
    var secret: SecretSource?

    func positional(_ name: String) -> String? { positionals[name] }
    func has(_ flag: String) -> Bool { values[flag] != nil }
    func text(_ flag: String) -> String? {
        if case .text(let s)? = values[flag] { return s }
        return nil
    }
    func scopes(_ flag: String) -> ScopeSet? {
        if case .scopes(let s)? = values[flag] { return s }
        return nil
    }
    func duration(_ flag: String) -> Int64? {
        if case .duration(let d)? = values[flag] { return d }
        return nil
    }
    func count(_ flag: String) -> Int? {
        if case .count(let n)? = values[flag] { return n }
        return nil
    }
}

/// Options every command accepts, before or after the command words.
struct GlobalOptions: Sendable {
    var db: String?
    var operatorName: String?
    var json = false
    /// Tables print every character, whatever the terminal's width.
    var wide = false
    var help = false
    var version = false
    /// Dashboard only (`warden [--theme NAME] [--read-only]`).
    var theme: String?
    var readOnly = false
    /// ASCII glyphs in the dashboard and in text output, whatever the locale.
    var ascii = false

    static let flags: [FlagSpec] = [
        FlagSpec("db", .text, "PATH|URI", "the store: a SQLite file or a postgresql:// URI (else $WARDEN_DB, else the config file's db, else $XDG_DATA_HOME/warden/warden.db, else ~/.local/share/warden/warden.db)"),
        FlagSpec("operator", .text, "NAME", "who is acting, for the audit journal (else $WARDEN_OPERATOR, else the OS user)"),
        FlagSpec(bool: "json", "one JSON document on stdout (an array for lists)"),
        FlagSpec(bool: "wide", "tables print every character (on a terminal they are fitted to its width by cutting free text, never IDs)"),
        FlagSpec(bool: "help", "show help (also -h)"),
        FlagSpec(bool: "version", "print the version"),
        FlagSpec("theme", .text, "NAME", "dashboard only: a theme from Themes/ (default, light, dracula, …)"),
        FlagSpec(bool: "read-only", "dashboard only: open the store read-only; revoke and narrow do not exist"),
        FlagSpec(bool: "ascii", "draw with ASCII only (tree lines, status marks), as on a terminal whose locale is not UTF-8"),
    ]
}

/// A command line the parser refuses (exit 1). `command` is whose usage to show.
struct UsageError: Error {
    let message: String
    let command: CommandSpec?
    /// For a command group (`warden agent`): its words, to list its subcommands.
    let group: [String]?
    /// Show the group's one usage line rather than its list of subcommands (a typo).
    let oneLine: Bool
    init(_ message: String, command: CommandSpec? = nil, group: [String]? = nil, oneLine: Bool = false) {
        self.message = message
        self.command = command
        self.group = group
        self.oneLine = oneLine
    }
}

/// The result of parsing: run a command, or show help or the version.
enum ParseResult {
    case run(Invocation, GlobalOptions)
    case help(CommandSpec?, group: [String]?, GlobalOptions)
    case version
    /// No command at all: `warden` alone, the dashboard.
    case bare(GlobalOptions)
}

/// Hand-written, table-driven parsing: finds the command words, then reads flags by the
/// command's table. `--flag=value` and `--flag value` both work; `--` ends the options.
struct ArgumentParser {
    let commands: [CommandSpec]

    func parse(_ args: [String]) throws(UsageError) -> ParseResult {
        var globals = GlobalOptions()
        var rest: [String] = []  // tokens after the command words
        var words: [String] = []
        var command: CommandSpec?
        var i = 0

        // 1. The command words, with global options allowed among them.
        while i < args.count {
            let token = args[i]
            if token.hasPrefix("-") && token != "-" {
                if try readGlobal(args, &i, &globals) { continue }
                if command == nil && !words.isEmpty {
                    throw UsageError("'\(words.joined(separator: " "))' needs a subcommand", group: words)
                }
                break  // a command flag (checked below) or an unknown option
            }
            if command != nil {
                // A longer command may extend this one (`audit` → `audit head`).
                let candidate = words + [token]
                if let longer = commands.first(where: { $0.words == candidate }) {
                    command = longer; words = candidate; i += 1; continue
                }
                break
            }
            // `warden help [COMMAND…]` is `warden [COMMAND…] --help`.
            if words.isEmpty && token == "help" && !globals.help { globals.help = true; i += 1; continue }
            let candidate = words + [token]
            if let exact = commands.first(where: { $0.words == candidate }) {
                command = exact; words = candidate; i += 1; continue
            }
            if commands.contains(where: { $0.words.starts(with: candidate) }) {
                words = candidate; i += 1; continue
            }
            // The words that could come next, for a "did you mean".
            let next = Set(commands.filter { $0.words.count > words.count && $0.words.starts(with: words) }.map { $0.words[words.count] })
            let hint = Suggest.closest(to: token, among: next + (words.isEmpty ? ["help"] : [])).map { "; did you mean `\($0)`?" } ?? ""
            if words.isEmpty {
                throw UsageError("unknown command '\(Redact.argument(token))'\(hint)")
            }
            throw UsageError("unknown subcommand '\(Redact.argument(token))' for 'warden \(words.joined(separator: " "))'\(hint)", group: words, oneLine: true)
        }
        rest = Array(args[i...])

        guard let command else {
            if globals.version { return .version }
            if !words.isEmpty {
                if globals.help { return .help(nil, group: words, globals) }
                throw UsageError("'\(words.joined(separator: " "))' needs a subcommand", group: words)
            }
            if let first = rest.first {
                if globals.help { return .help(nil, group: nil, globals) }
                throw UsageError("unknown option '\(Redact.flagName(first))'")
            }
            return globals.help ? .help(nil, group: nil, globals) : .bare(globals)
        }

        // 2. The command's own flags and positionals, global options still allowed.
        var inv = Invocation(command: command)
        var positionals: [String] = []
        var optionsEnded = false
        var j = 0
        while j < rest.count {
            let token = rest[j]
            if optionsEnded || !token.hasPrefix("-") || token == "-" {
                positionals.append(token); j += 1; continue
            }
            if token == "--" {
                if command.trailing != nil { inv.trailing = Array(rest[(j + 1)...]); break }
                optionsEnded = true; j += 1; continue
            }
            if try readGlobal(rest, &j, &globals) { continue }
            guard token.hasPrefix("--") else {
                throw UsageError("unknown option '\(Redact.flagName(token))'", command: command)
            }
            let body = token.dropFirst(2)
            let name: String, inline: String?
            if let eq = body.firstIndex(of: "=") {
                name = String(body[..<eq]); inline = String(body[body.index(after: eq)...])
            } else {
                name = String(body); inline = nil
            }
            guard let spec = command.flag(name) else {
                throw UsageError("unknown option '--\(Redact.flagName(name))' for 'warden \(command.name)'", command: command)
            }
            if inv.values[name] != nil {
                throw UsageError("--\(name) given twice", command: command)
            }
            var raw: String?
            if spec.takesValue {
                if let inline { raw = inline; j += 1 } else if j + 1 < rest.count, !isKnownFlag(rest[j + 1], command) {
                    raw = rest[j + 1]; j += 2
                } else {
                    throw UsageError("--\(name) needs a value (\(spec.value))", command: command)
                }
            } else {
                if inline != nil { throw UsageError("--\(name) takes no value", command: command) }
                j += 1
            }
            inv.values[name] = try value(of: spec, raw, command)
        }

        if globals.help { return .help(command, group: nil, globals) }
        if globals.version { return .version }

        // 3. Positionals by the table; flags the table requires.
        let required = command.positionals.filter { !$0.optional }.count
        if positionals.count < required {
            let missing = command.positionals[positionals.count]
            throw UsageError("missing \(missing.name)", command: command)
        }
        if positionals.count > command.positionals.count {
            let extra = positionals[command.positionals.count]
            throw UsageError("unexpected argument '\(Redact.argument(extra))'", command: command)
        }
        for (spec, text) in zip(command.positionals, positionals) {
            if text.isEmpty { throw UsageError("\(spec.name) must not be empty", command: command) }
            inv.positionals[spec.name] = text
        }
        if let t = command.trailing, inv.trailing.isEmpty {
            throw UsageError("missing -- \(t.name)", command: command)
        }
        for f in command.flags where f.required && inv.values[f.name] == nil {
            throw UsageError("missing --\(f.name) \(f.value)", command: command)
        }
        for group in command.exactlyOne {
            let given = group.filter { inv.values[$0] != nil }
            if given.count != 1 {
                let names = group.map { "--\($0)" }.joined(separator: " or ")
                throw UsageError(given.isEmpty ? "give one of \(names)" : "give only one of \(names)", command: command)
            }
        }
        if let kind = command.secret { inv.secret = secretSource(inv, kind) }
        return .run(inv, globals)
    }

    /// The one source the secret flags name (the table already allowed at most one); a hook's
    /// `--token-env` and `--token-file` together are left to the hook, which answers a refusal.
    private func secretSource(_ inv: Invocation, _ kind: SecretFlags) -> SecretSource? {
        if let variable = inv.text("token-env") { return .variable(variable, named: true) }
        if let path = inv.text("token-file") { return .file(path) }
        if let token = inv.text("token") { return token == "-" ? .standardInput : .argument(token) }
        return kind.defaultVariable.map { .variable($0, named: false) }
    }

    /// Reads a global option at `args[i]` if it is one; advances `i` past it (and its value).
    private func readGlobal(_ args: [String], _ i: inout Int, _ g: inout GlobalOptions) throws(UsageError) -> Bool {
        let token = args[i]
        if token == "-h" { g.help = true; i += 1; return true }
        guard token.hasPrefix("--") else { return false }
        let body = token.dropFirst(2)
        let name = String(body.prefix { $0 != "=" })
        let inline: String? = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
        switch name {
        case "json", "wide", "help", "version", "read-only", "ascii":
            if inline != nil { throw UsageError("--\(name) takes no value") }
            switch name {
            case "json": g.json = true
            case "wide": g.wide = true
            case "help": g.help = true
            case "version": g.version = true
            case "ascii": g.ascii = true
            default: g.readOnly = true
            }
            i += 1
            return true
        case "db", "operator", "theme":
            let v: String
            if let inline { v = inline; i += 1 } else if i + 1 < args.count, !args[i + 1].hasPrefix("--") {
                v = args[i + 1]; i += 2
            } else {
                throw UsageError("--\(name) needs a value (\(name == "db" ? "PATH" : "NAME"))")
            }
            if v.isEmpty { throw UsageError("--\(name) must not be empty") }
            switch name {
            case "db": g.db = v
            case "theme": g.theme = v
            default: g.operatorName = v
            }
            return true
        default:
            return false
        }
    }

    private func isKnownFlag(_ token: String, _ command: CommandSpec) -> Bool {
        guard token.hasPrefix("--") else { return false }
        let name = String(token.dropFirst(2).prefix { $0 != "=" })
        return command.flag(name) != nil || GlobalOptions.flags.contains { $0.name == name } || token == "--"
    }

    private func value(of spec: FlagSpec, _ raw: String?, _ command: CommandSpec) throws(UsageError) -> Invocation.Value {
        guard let raw else { return .present }
        switch spec.kind {
        case .bool:
            return .present
        case .text:
            if raw.isEmpty { throw UsageError("--\(spec.name) must not be empty", command: command) }
            return .text(raw)
        case .scopes:
            do { return .scopes(try ScopeSet(parsing: raw)) } catch {
                throw UsageError("--\(spec.name): \(error.description)", command: command)
            }
        case .duration:
            do { return .duration(try DurationText.parse(raw)) } catch {
                throw UsageError("--\(spec.name): \(error.description)", command: command)
            }
        case .count:
            guard let n = Int(raw), n >= 1 else {
                throw UsageError("--\(spec.name): expected a whole number of at least 1, got '\(Redact.argument(raw))'", command: command)
            }
            return .count(n)
        }
    }
}

/// Keeps secrets out of error messages: a token that looks like a credential is never echoed.
enum Redact {
    static func argument(_ text: String) -> String {
        if text.hasPrefix(Credential.secretPrefix) { return "wdn_…(redacted)" }
        return TerminalText.safe(text.count > 80 ? String(text.prefix(80)) + "…" : text)
    }

    /// The name part of `--name=value` only.
    static func flagName(_ token: String) -> String {
        argument(String(token.prefix { $0 != "=" }))
    }
}
