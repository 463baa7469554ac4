import WardenCore
import WardenStore

/// `warden tools`, `tools show`, `tools diff`: what each MCP server offers as pinned, read for
/// review. Every description is the server's text: printed only through `TerminalText.safe`.
enum ToolsCommands {
    static let hourMs: Int64 = 3_600_000

    static func list(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: true)
        let server = inv.text("server")
        if let server { try ToolsResolve.requireServer(server, in: store) }
        var status: ToolStatus?
        if let s = inv.text("status") {
            guard let parsed = ToolStatus(rawValue: s) else {
                let names = ToolStatus.allCases.map(\.rawValue)
                let hint = Suggest.closest(to: s, among: names).map { "; did you mean `\($0)`?" } ?? ""
                throw UsageError("--status: '\(Redact.argument(s))' is not one of \(names.joined(separator: ", "))\(hint)", command: inv.command)
            }
            status = parsed
        }
        let pins = try store.toolPins(server: server).filter { status == nil || $0.status == status }
        let activity = try store.toolActivity(since: ctx.now - hourMs)
        if ctx.json {
            ctx.emit(.array(pins.map { p in
                let a = activity[p.name]
                return .object(ToolsJSON.pinFields(p) + [("calls_last_hour", .int(a?.calls ?? 0)), ("denied_last_hour", .int(a?.denied ?? 0))])
            }))
            return 0
        }
        if pins.isEmpty {
            ctx.note(status == nil ? "no tool listed by a server yet: mcp-proxy records a server's tools when it first sees their list (definitions approved ahead with `warden tools pin` apply then)"
                                   : "no \(status!.rawValue) tools")
            return 0
        }
        var t = Table(["SERVER", "TOOL", "STATUS", "APPROVED BY", "APPROVED", "HASH", "CALLS 1H", "DENIED 1H"],
                      rightAligned: [6, 7], freeText: [3])
        for p in pins {
            let approval = ToolsJSON.lastApproval(p)
            let a = activity[p.name]
            t.add([p.server, p.tool, p.status.rawValue, approval?.by ?? "-",
                   approval.map { TimeText.relative($0.at, now: ctx.now) } ?? "-", String(p.hash.prefix(12)),
                   String(a?.calls ?? 0), String(a?.denied ?? 0)])
        }
        ctx.out(t.render(width: ctx.tableWidth))
        let waiting = pins.filter { $0.status == .pending || $0.status == .changed }.count
        ctx.note("\(plural(pins.count, "tool"))\(waiting > 0 ? "; \(waiting) waiting for review (`warden tools diff SERVER/TOOL`, then approve or reject)" : "")")
        return 0
    }

    static func show(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: true)
        let pin = try ToolsResolve.pin(inv.positional("SERVER/TOOL")!, inv, in: store)
        let definition = try store.toolDefinition(hash: pin.hash).flatMap { ToolDefinition(canonical: $0) }
        let signals = try definition.map { try ToolsResolve.signals($0, server: pin.server, in: store) } ?? []
        if ctx.json {
            ctx.emit(.object(ToolsJSON.pinFields(pin) + [
                ("definition", definition?.object ?? .null),
                ("description", .optString(definition?.description)),
                ("parameters", .array((definition?.parameters ?? []).map { p in
                    .object([("name", .string(p.name)), ("type", .optString(p.type)), ("required", .bool(p.required)),
                             ("description", .optString(p.description))])
                })),
                ("annotations", definition?.object["annotations"] ?? .null),
                ("decisions", .array(pin.decisions.map(ToolsJSON.decision))),
                ("signals", .array(signals.map(ToolsJSON.signal))),
            ]))
            return 0
        }
        ctx.line("\(TerminalText.safe(pin.name))  \(pin.status.rawValue)")
        if let d = definition {
            if let title = d.title { field(ctx, "title", title) }
            block(ctx, "description", d.description ?? "(none)")
            if !d.parameters.isEmpty {
                ctx.line("  parameters")
                var t = Table(["NAME", "TYPE", "", "DESCRIPTION"], freeText: [3])
                for p in d.parameters { t.add([p.name, p.type ?? "-", p.required ? "required" : "", p.description ?? ""]) }
                ctx.out(t.render(indent: 4, width: ctx.tableWidth))
            }
            if !d.annotations.isEmpty {
                ctx.line("  annotations")
                for a in d.annotations { ctx.line("    \(TerminalText.safe(a.name)) = \(TerminalText.safe(a.value))") }
            }
        } else {
            ctx.line("  (the definition with this hash is not in the store)")
        }
        field(ctx, "hash", "\(pin.hash) (listed since \(TimeText.full(pin.changedAt, now: ctx.now)))")
        field(ctx, "approved", pin.approvedHashes.isEmpty ? "none" : pin.approvedHashes.map { String($0.prefix(12)) }.joined(separator: " "))
        field(ctx, "first seen", TimeText.full(pin.firstSeenAt, now: ctx.now))
        if let gone = pin.goneAt { field(ctx, "gone since", TimeText.full(gone, now: ctx.now)) }
        if !pin.decisions.isEmpty {
            ctx.line("decisions")
            var t = Table(["WHEN", "VERDICT", "HASH", "BY", "REASON"], freeText: [4])
            for d in pin.decisions.reversed() {
                t.add([UTC.rfc3339(d.at), d.verdict.rawValue, d.hash.map { String($0.prefix(12)) } ?? "(by name)", d.by, d.reason ?? ""])
            }
            ctx.out(t.render(indent: 2, width: ctx.tableWidth))
        }
        if !signals.isEmpty {
            ctx.line("poisoning signals (a heuristic: read the text yourself)")
            var t = Table(["KIND", "WHERE", "MATCHED"], freeText: [2])
            for s in signals { t.add([s.kind.rawValue, s.path, s.matched]) }
            ctx.out(t.render(indent: 2, width: ctx.tableWidth))
        }
        return 0
    }

    static func diff(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: true)
        let pin = try ToolsResolve.pin(inv.positional("SERVER/TOOL")!, inv, in: store)
        // The base: the definition named, else the latest approved one other than the current.
        let base = try ToolsResolve.hash("against", inv, of: pin)
            ?? pin.decisions.last { $0.verdict == .approved && $0.hash != nil && $0.hash != pin.hash }?.hash
        guard let current = try store.toolDefinition(hash: pin.hash).flatMap({ ToolDefinition(canonical: $0) }) else {
            throw RuntimeError("the current definition of \(TerminalText.safe(pin.name)) (\(pin.hash.prefix(12))) is not in the store")
        }
        var approved = ToolDefinition(.object([]))
        if let base {
            guard let text = try store.toolDefinition(hash: base), let d = ToolDefinition(canonical: text) else {
                throw RuntimeError("no definition of \(TerminalText.safe(pin.name)) with hash \(base.prefix(12)) is in the store")
            }
            approved = d
        }
        let (description, definition) = ToolDefinition.compare(approved, current)
        if ctx.json {
            ctx.emit(.object([
                ("server", .string(pin.server)), ("tool", .string(pin.tool)), ("status", .string(pin.status.rawValue)),
                ("approved_hash", .optString(base)), ("current_hash", .string(pin.hash)),
                ("description", ToolsJSON.lines(description)), ("definition", ToolsJSON.lines(definition)),
            ]))
            return 0
        }
        ctx.line("\(TerminalText.safe(pin.name))  \(pin.status.rawValue)")
        if let base {
            let by = pin.decisions.last { $0.hash == base && $0.verdict == .approved }
            field(ctx, "approved", "\(base)" + (by.map { " by \(TerminalText.safe($0.by)) \(TimeText.relative($0.at, now: ctx.now))" } ?? ""))
        } else {
            field(ctx, "approved", "none: no other definition was approved, so all of it is new")
        }
        field(ctx, "current", "\(pin.hash) (listed since \(TimeText.full(pin.changedAt, now: ctx.now)))")
        if base == pin.hash { ctx.line("  (the current definition is the one compared with: no difference)") }
        ctx.line("description (- approved, + current)")
        print(description, context: nil, ctx)
        ctx.line("definition: canonical JSON, pretty-printed (- approved, + current)")
        print(definition, context: 3, ctx)
        return 0
    }

    /// Diff lines, each sanitized; with `context`, long unchanged runs are folded.
    static func print(_ lines: [LineDiff.Line], context: Int?, _ ctx: Context) {
        let mark: [LineDiff.Op: String] = [.same: " ", .removed: "-", .added: "+"]
        var k = 0
        while k < lines.count {
            if let context, lines[k].op == .same {
                var end = k
                while end < lines.count, lines[end].op == .same { end += 1 }
                let keepHead = k == 0 ? 0 : context, keepTail = end == lines.count ? 0 : context
                if end - k > keepHead + keepTail + 1 {
                    for l in lines[k..<(k + keepHead)] { ctx.line("   " + TerminalText.safe(l.text)) }
                    ctx.line("   … \(end - k - keepHead - keepTail) unchanged lines")
                    for l in lines[(end - keepTail)..<end] { ctx.line("   " + TerminalText.safe(l.text)) }
                    k = end
                    continue
                }
            }
            ctx.line(" \(mark[lines[k].op]!) " + TerminalText.safe(lines[k].text))
            k += 1
        }
    }

    static func field(_ ctx: Context, _ name: String, _ value: String) {
        ctx.line("  " + name.fixedWidth(12) + TerminalText.safe(value))
    }

    /// A text of several lines under its name, each line sanitized on its own (a newline is
    /// the text's, not a control to show as `␊`).
    static func block(_ ctx: Context, _ name: String, _ text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (k, line) in lines.enumerated() {
            ctx.line("  " + (k == 0 ? name : "").fixedWidth(12) + TerminalText.safe(String(line)))
        }
    }
}
