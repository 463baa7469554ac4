import Glibc
import WardenCore
import WardenDashboard
import WardenStore

/// `warden doctor`: is the store sound, its journal intact, its files private?
enum DoctorCommand {
    typealias Check = HealthCheck

    static func run(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let path = try ctx.storePath
        let backend = try ctx.storeBackend
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
            // A gate's or ingester's login may not read the journal: not a problem of the store.
            switch try readableJournal(store) {
            case nil:
                checks.append(Check(name: "journal", ok: true,
                                    detail: "not checked: this login may not read the journal (a gate or ingest role); run doctor with a viewer or operator login"))
            case .intact(let n, let head)?:
                checks.append(Check(name: "journal", ok: true, detail: "intact: \(n) records, head \(head?.description ?? "(empty)")"))
                let state = try store.verifyState()
                checks.append(Check(name: "state", ok: !state.isDrifted,
                                    detail: state.isDrifted ? state.summary + " (investigate, then `warden audit accept-drift --reason TEXT`)"
                                        : state.summary))
            case .broken(let seq, let problem)?:
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
                ctx.line("\(c.ok ? "ok     " : "PROBLEM") \(c.name.fixedWidth(12)) \(TerminalText.safe(c.detail))")
            }
        }
        if failed > 0 { throw Exit(code: 2, message: "\(plural(failed, "problem")) found in \(TerminalText.safe(path))") }
        return 0
    }
}

extension DoctorCommand {
    /// The journal verified, or nil when this login may not read it (not a problem of the store).
    static func readableJournal(_ store: any StoreDiagnostics) throws(StoreError) -> AuditVerification? {
        do { return try store.verifyAudit(expectedHead: nil) } catch {
            if case .refused(let why) = error, why.hasPrefix("permission denied") { return nil }
            throw error
        }
    }

    /// `12.4 MB; rows: principals 2, agents 40, …; oldest call kept 2026-…`: what retention keeps.
    static func sizeSummary(_ s: StoreStats, now: Timestamp) -> String {
        let mb = Double(s.bytes) / 1_048_576
        let size = mb >= 0.1 ? "\((mb * 10).rounded() / 10) MB" : "\(s.bytes) bytes"
        let rows = s.rows.map { "\($0.table) \($0.count)" }.joined(separator: ", ")
        let oldest = s.oldestCall.map { "oldest call kept \(UTC.rfc3339($0)) (\(TimeText.relative($0, now: now)))" } ?? "no calls kept"
        return "\(size); rows: \(rows); \(oldest)"
    }
}

