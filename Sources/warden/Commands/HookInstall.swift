import Glibc
import WardenCore
import WardenSystem

/// `warden hook install claude-code [--settings PATH]`: the `hooks` block that runs
/// `warden hook claude-code` before and after every tool call, printed or merged into a Claude
/// Code settings file (backed up first; other keys and hooks kept; a second run changes nothing).
enum HookInstallCommand {
    static let events = ["PreToolUse", "PostToolUse"]

    static func run(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let command = try hookCommand(ctx)
        guard let path = inv.text("settings") else {
            ctx.out(JSONWriter.write(.object([("hooks", .object(events.map { ($0, .array([entry(command)])) }))])) + "\n")
            return 0
        }
        let shown = TerminalText.safe(path)
        var settings: [(String, JSONValue)] = []
        var original: [UInt8]?
        if FileContents.exists(path) {
            guard let data = try? FileContents.read(path) else {
                throw RuntimeError("\(shown): cannot be read; nothing changed")
            }
            original = data
            let value: JSONValue
            do { value = try JSONParser.parse(bytes: data) } catch {
                throw RuntimeError("\(shown): not valid JSON (\(error)); nothing changed")
            }
            guard case .object(let members) = value else {
                throw RuntimeError("\(shown): a settings file must be a JSON object, this one is \(value.typeName); nothing changed")
            }
            settings = members
        }
        var hooks: [(String, JSONValue)] = []
        if let existing = settings.first(where: { $0.0 == "hooks" })?.1 {
            guard case .object(let members) = existing else {
                throw RuntimeError("\(shown): $.hooks must be an object, it is \(existing.typeName); nothing changed")
            }
            hooks = members
        }
        var added: [String] = []
        for event in events {
            var list: [JSONValue] = []
            if let i = hooks.firstIndex(where: { $0.0 == event }) {
                guard case .array(let items) = hooks[i].1 else {
                    throw RuntimeError("\(shown): $.hooks.\(event) must be an array, it is \(hooks[i].1.typeName); nothing changed")
                }
                list = items
            }
            if list.contains(where: { installed($0, command) }) { continue }
            list.append(entry(command))
            if let i = hooks.firstIndex(where: { $0.0 == event }) { hooks[i].1 = .array(list) } else { hooks.append((event, .array(list))) }
            added.append(event)
        }
        if added.isEmpty {
            ctx.note("\(shown): the Warden hook is already installed for \(events.joined(separator: " and ")); nothing changed")
            return 0
        }
        if let i = settings.firstIndex(where: { $0.0 == "hooks" }) { settings[i].1 = .object(hooks) } else { settings.append(("hooks", .object(hooks))) }
        if let original {
            let backup = freeBackupPath(path)
            do { try FileWrite.createNew(backup, original, mode: 0o600) } catch {
                throw RuntimeError("\(shown): cannot write the backup \(TerminalText.safe(backup)); nothing changed")
            }
            ctx.note("backed up \(shown) to \(TerminalText.safe(backup))")
        }
        let text = JSONWriter.write(.object(settings)) + "\n"
        do { try FileWrite.atomic(path, Array(text.utf8)) } catch {
            throw RuntimeError("\(shown): cannot be written (\(error.reason))")
        }
        ctx.note("\(shown): added the Warden hook for \(added.joined(separator: " and "))")
        return 0
    }

    /// `warden`'s own absolute path and the store it used, shell-quoted. A PostgreSQL URI goes in
    /// as given, unless it holds a password: that would be written into the agent's settings.
    static func hookCommand(_ ctx: Context) throws -> String {
        let exe = FileContents.linkTarget("/proc/self/exe") ?? "warden"
        var store: String
        let location = try ctx.storeLocation
        switch location {
        case .sqlite(let path):
            store = path
            if !store.hasPrefix("/") { store = ProcessEnvironment.currentDirectory() + "/" + store }
        case .postgres(let uri):
            if location.description != uri {
                throw RuntimeError("\(TerminalText.safe(location.description)) holds a password, which the hook would write into the settings; keep it in a password file (PGPASSFILE) or a service (PGSERVICE) and name the store without it")
            }
            store = uri
        }
        return "\(shellQuote(exe)) --db \(shellQuote(store)) hook claude-code"
    }

    static func entry(_ command: String) -> JSONValue {
        .object([("matcher", .string("*")),
                 ("hooks", .array([.object([("type", .string("command")), ("command", .string(command))])]))])
    }

    /// Whether a matcher entry already runs this command.
    static func installed(_ entry: JSONValue, _ command: String) -> Bool {
        entry["hooks"]?.array?.contains { $0["command"]?.string == command } ?? false
    }

    static func freeBackupPath(_ path: String) -> String {
        var candidate = path + ".bak"
        var n = 1
        while FileContents.exists(candidate) {
            candidate = path + ".bak.\(n)"
            n += 1
        }
        return candidate
    }

    static func shellQuote(_ s: String) -> String {
        let plain = s.unicodeScalars.allSatisfy { isAlphanumeric($0) || "/._-+:@".unicodeScalars.contains($0) }
        return plain && !s.isEmpty ? s : "'" + s.replacing("'", with: "'\\''") + "'"
    }

    /// A letter, mark or digit of any script (what Foundation's `CharacterSet.alphanumerics` holds).
    static func isAlphanumeric(_ u: Unicode.Scalar) -> Bool {
        switch u.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }
}
