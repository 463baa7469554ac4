import Foundation
import WardenCore
import WardenDashboard
import WardenStore

/// `warden findings`: the risks the findings engine sees in the store now, with the policy of
/// the config file (the same one the dashboard's Findings view uses).
enum FindingsCommand {
    /// Recent calls the call-based findings look at (shared credentials, use after revoke,
    /// unregistered callers).
    static let callWindow = 10_000

    static func run(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let policy = try ConfigFile.load(ctx.environment).policy
        let store = try ctx.openStore(readOnly: true)
        let now = ctx.now
        let findings = FindingsEngine.evaluate(FindingsEngine.Input(
            principals: try store.principals(), agents: try store.agents(), credentials: try store.credentials(agentID: nil),
            instances: try store.instances(agentID: nil), calls: try store.calls(CallQuery(limit: callWindow)),
            usage: try store.toolUsage(since: now - policy.unusedScopeMs), now: now, policy: policy,
            stateCheck: try store.verifyState()))
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
        let high = findings.filter { $0.severity == .high }.count
        ctx.note("\(plural(findings.count, "finding")) (\(high) high)")
        return 0
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
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func json(_ f: Finding, db: String?) -> JSONValue {
        let subjectKind: String
        switch f.subject {
        case .agent: subjectKind = "agent"
        case .credential: subjectKind = "credential"
        case .instance: subjectKind = "instance"
        case .store: subjectKind = "store"
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
        ])
    }
}

/// The config file (`$XDG_CONFIG_HOME/warden/config`), parsed as the dashboard parses it.
enum ConfigFile {
    static func load(_ environment: [String: String]) throws -> DashboardConfig {
        let path = DashboardConfig.path(environment: environment)
        guard let data = FileManager.default.contents(atPath: path) else { return DashboardConfig() }
        do { return try DashboardConfig.parse(String(decoding: data, as: UTF8.self), file: path) } catch {
            throw RuntimeError(TerminalText.safe(error.description))
        }
    }
}

/// `warden doctor`: is the store sound, its journal intact, its files private?
enum DoctorCommand {
    typealias Check = HealthCheck

    static func run(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let path = ctx.storePath
        let backend = ctx.storeBackend
        // The backend's checks of the location first: they need no connection.
        var checks = backend.healthChecks()
        do {
            let store = try backend.open(for: .inspect)
            let v = try store.schemaVersion()
            checks.append(Check(name: "schema", ok: v.file == v.latest,
                                detail: v.file == v.latest ? "version \(v.file) (current)"
                                    : v.file < v.latest ? "version \(v.file), this build writes \(v.latest): open it once read-write to migrate"
                                    : "version \(v.file) is newer than this build (\(v.latest)): upgrade warden"))
            let stats = try store.storeStats()
            checks.append(Check(name: "size", ok: true, detail: sizeSummary(stats, now: ctx.now)))
            checks += try store.healthChecks()
            switch try store.verifyAudit(expectedHead: nil) {
            case .intact(let n, let head):
                checks.append(Check(name: "journal", ok: true, detail: "intact: \(n) records, head \(head?.description ?? "(empty)")"))
                let state = try store.verifyState()
                checks.append(Check(name: "state", ok: !state.isDrifted,
                                    detail: state.isDrifted ? state.summary + " (investigate, then `warden audit accept-drift --reason TEXT`)"
                                        : state.summary))
            case .broken(let seq, let problem):
                checks.append(Check(name: "journal", ok: false, detail: "broken at record \(seq): \(problem)"))
            }
        } catch .missing(let missingPath) {
            checks.append(Check(name: "store", ok: false, detail: StoreError.missing(path: missingPath).description))
        } catch {
            checks.append(Check(name: "open", ok: false, detail: error.description))
        }
        let failed = checks.filter { !$0.ok }.count
        if ctx.json {
            ctx.emit(.object([
                ("path", .string(path)),
                ("ok", .bool(failed == 0)),
                ("checks", .array(checks.map { .object([("name", .string($0.name)), ("ok", .bool($0.ok)), ("detail", .string($0.detail))]) })),
            ]))
        } else {
            for c in checks {
                ctx.line("\(c.ok ? "ok     " : "PROBLEM") \(c.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(TerminalText.safe(c.detail))")
            }
        }
        if failed > 0 { throw Exit(code: 2, message: "\(plural(failed, "problem")) found in \(TerminalText.safe(path))") }
        return 0
    }
}

extension DoctorCommand {
    /// `12.4 MB; rows: principals 2, agents 40, …; oldest call kept 2026-…`: what retention keeps.
    static func sizeSummary(_ s: StoreStats, now: Timestamp) -> String {
        let mb = Double(s.bytes) / 1_048_576
        let size = mb >= 0.1 ? "\((mb * 10).rounded() / 10) MB" : "\(s.bytes) bytes"
        let rows = s.rows.map { "\($0.table) \($0.count)" }.joined(separator: ", ")
        let oldest = s.oldestCall.map { "oldest call kept \(UTC.rfc3339($0)) (\(TimeText.relative($0, now: now)))" } ?? "no calls kept"
        return "\(size); rows: \(rows); \(oldest)"
    }
}

private func plural(_ n: Int, _ what: String) -> String { "\(n) \(what)\(n == 1 ? "" : "s")" }
