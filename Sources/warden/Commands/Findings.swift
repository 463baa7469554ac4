import Glibc
import WardenCore
import WardenDashboard
import WardenStore

/// `warden findings`: the risks the findings engine sees in the store now, with the policy of
/// the config file (the same one the dashboard's Findings view uses).
enum FindingsCommand {
    static func run(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let policy = try ctx.settings().policy
        let store = try ctx.openStore(readOnly: true)
        let now = ctx.now
        let (tools, definitions) = try toolInput(store)
        let findings = FindingsEngine.evaluate(FindingsEngine.Input(
            principals: try store.principals(), agents: try store.agents(), credentials: try store.credentials(agentID: nil),
            instances: try store.instances(agentID: nil), calls: try store.calls(CallQuery(limit: FindingsEngine.callWindow)),
            usage: try store.toolUsage(since: now - policy.unusedScopeMs), now: now, policy: policy,
            stateCheck: try store.verifyState(), tools: tools, toolDefinitions: definitions))
        if ctx.json {
            ctx.emit(.array(findings.map { json($0, db: ctx.globals.db) }))
            return 0
        }
        if findings.isEmpty {
            ctx.note("no findings")
            return 0
        }
        // FIX is a command to paste: cut, it would not run.
        var t = Table(["SEVERITY", "KIND", "SUBJECT", "EXPLANATION", "FIX"], freeText: [3])
        for f in findings {
            t.add([f.severity.name, f.kind.rawValue, f.subject.id, f.explanation, command(f, db: ctx.globals.db)])
        }
        ctx.out(t.render(width: ctx.tableWidth))
        for f in findings where f.evidence.count > 1 {
            ctx.line("")
            ctx.line("\(f.kind.rawValue) \(TerminalText.safe(f.subject.id)):")
            for e in f.evidence { ctx.line("  " + TerminalText.safe(e)) }
        }
        let high = findings.filter { $0.severity == .high }.count
        ctx.note("\(plural(findings.count, "finding")) (\(high) high)")
        return 0
    }

    /// The pins and the current definitions the tool findings read: one read per pin that can
    /// raise `suspicious_tool` (pins are few; calls are never scanned for them).
    static func toolInput(_ store: any FleetStore) throws -> ([ToolPin], [String: String]) {
        let pins = try store.toolPins(server: nil)
        var definitions: [String: String] = [:]
        for p in pins where p.goneAt == nil && p.status != .rejected && definitions[p.hash] == nil {
            definitions[p.hash] = try store.toolDefinition(hash: p.hash)
        }
        return (pins, definitions)
    }

    /// What an operator types to act on it: complete, quoted for a POSIX shell, and aimed at the
    /// same store when `--db` chose it (a copy-paste must not act on another store).
    static func command(_ f: Finding, db: String?) -> String {
        (["warden"] + (db.map { ["--db", $0] } ?? []) + f.command).map(shellQuoted).joined(separator: " ")
    }

    /// A word as a shell reads it back unchanged: bare when it holds only safe characters, else
    /// in single quotes (a quote inside becomes '\'').
    static func shellQuoted(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:@%+=,")
        if !word.isEmpty && word.allSatisfy({ safe.contains($0) }) { return word }
        return "'" + word.replacing("'", with: "'\\''") + "'"
    }

    static func json(_ f: Finding, db: String?) -> JSONValue {
        let subjectKind: String
        switch f.subject {
        case .agent: subjectKind = "agent"
        case .credential: subjectKind = "credential"
        case .instance: subjectKind = "instance"
        case .store: subjectKind = "store"
        case .tool: subjectKind = "tool"
        }
        return .object([
            ("severity", .string(f.severity.name)),
            ("kind", .string(f.kind.rawValue)),
            ("subject_kind", .string(subjectKind)),
            ("subject", .string(f.subject.id)),
            ("agent_id", .optString(f.agentID)),
            ("explanation", .string(f.explanation)),
            ("fix", .string(f.fix.rawValue)),
            ("command", .string(command(f, db: db))),
            ("evidence", .strings(f.evidence)),
        ])
    }
}
