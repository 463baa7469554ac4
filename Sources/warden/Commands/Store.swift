import WardenCore
import WardenStore

/// `warden store …`: housekeeping of the store itself.
enum StoreCommands {
    /// Deletes what the retention policy lets go, or with --dry-run counts it.
    static func prune(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let policy = try ctx.settings().policy
        let callsBefore = ctx.now - policy.retainCallsMs, instancesBefore = ctx.now - policy.retainInstancesMs
        let dryRun = inv.has("dry-run")
        let store = try ctx.openStore(readOnly: dryRun)
        let counts = dryRun
            ? try store.prunable(callsBefore: callsBefore, instancesStoppedBefore: instancesBefore)
            : try store.prune(callsBefore: callsBefore, instancesStoppedBefore: instancesBefore, batch: store.pruneBatch)
        if ctx.json {
            ctx.emit(.object([
                ("dry_run", .bool(dryRun)),
                ("calls", .int(counts.calls)),
                ("instances", .int(counts.instances)),
                ("services", .int(counts.services)),
                ("calls_before", .time(callsBefore)),
                ("instances_stopped_before", .time(instancesBefore)),
            ]))
            return 0
        }
        let verb = dryRun ? "would delete" : "deleted"
        ctx.line("\(verb) \(counts.calls) tool call(s) before \(UTC.rfc3339(callsBefore)) (policy.retain_calls \(DurationText.canonical(policy.retainCallsMs)))")
        ctx.line("\(verb) \(counts.instances) instance(s) stopped before \(UTC.rfc3339(instancesBefore)) (policy.retain_instances \(DurationText.canonical(policy.retainInstancesMs)))")
        ctx.line("\(verb) \(counts.services) `warden serve` heartbeat row(s) silent since before \(UTC.rfc3339(instancesBefore))")
        return 0
    }

    /// Prints the SQL for PostgreSQL's least-privilege roles (`PostgresRoles`); opens nothing.
    static func roles(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        ctx.out(try StoreAccess.rolesSQL(ctx.storeLocation))
        return 0
    }

    /// Runs the store's pending schema migrations and says which version it went from and to.
    static func migrate(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let location = try ctx.storeLocation
        let versions = try StoreAccess.migrate(location)
        let migrated = versions.from != versions.to
        if ctx.json {
            ctx.emit(.object([
                ("path", .string(location.description)),
                ("from", .int(versions.from)),
                ("to", .int(versions.to)),
                ("migrated", .bool(migrated)),
            ]))
            return 0
        }
        let store = TerminalText.safe(location.description)
        ctx.line(migrated
            ? "migrated \(store) from schema version \(versions.from) to \(versions.to)"
            : "\(store) is at schema version \(versions.to), this Warden's: nothing to migrate")
        return 0
    }

    /// Copies the whole store at FROM to the new store TO (SQLite or PostgreSQL, either way) and
    /// says what it carried and what both ends verified to.
    static func copy(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let from = StoreLocation.parse(inv.positional("FROM") ?? "")
        let to = StoreLocation.parse(inv.positional("TO") ?? "")
        let report: StoreCopyReport
        do { report = try StoreAccess.copy(from: from, to: to) } catch {
            // The advice of a command's own store (`--db`) would not fit: FROM is an argument.
            if case .missing(let path) = error {
                throw RuntimeError("no Warden store at \(TerminalText.safe(path)) to copy from: FROM must be an existing store")
            }
            throw error
        }
        let digest: JSONValue
        if case .consistent(let d, _) = report.state { digest = .string(d.hex) } else { digest = .null }
        if ctx.json {
            ctx.emit(.object([
                ("from", .string(from.description)),
                ("to", .string(to.description)),
                ("tables", .array(report.rows.map { .object([("table", .string($0.table)), ("rows", .int($0.count))]) })),
                ("journal_records", .int(report.journalRecords)),
                ("journal_head", report.head.map { .string($0.description) } ?? .null),
                ("state_digest", digest),
                ("verified", .bool(true)),
            ]))
            return 0
        }
        ctx.line("copied \(TerminalText.safe(from.description)) to \(TerminalText.safe(to.description))")
        let width = report.rows.map(\.table.count).max() ?? 0
        for (table, count) in report.rows {
            ctx.line("  \(table.fixedWidth(width))  \(count)")
        }
        ctx.line("journal: \(plural(report.journalRecords, "record")), head \(report.head?.description ?? "(empty)")")
        ctx.line("verified on both ends: journal chain intact, \(report.state.summary)")
        return 0
    }
}
