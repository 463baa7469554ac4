import WardenCore
import WardenStore

enum AuditCommands {
    static func list(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: true)
        if inv.has("verify") || inv.has("expect-head") {
            return try verify(inv, ctx, store)
        }
        var after: Int64 = 0
        if let n = inv.count("limit"), let head = try store.auditHead() { after = max(0, head.seq - Int64(n)) }
        var records: [AuditRecord] = []
        while true {
            let page = try store.auditRecords(afterSeq: after, limit: 1000)
            records += page
            guard let last = page.last, page.count == 1000 else { break }
            after = last.seq
        }
        if ctx.json {
            ctx.emit(.array(records.map(JSONModels.audit)))
            return 0
        }
        if records.isEmpty {
            ctx.note("the journal is empty")
            return 0
        }
        var t = Table(["SEQ", "TIME", "OPERATOR", "ACTION", "TARGET", "CHANGE", "REASON", "HASH"], rightAligned: [0], freeText: [5, 6])
        for r in records {
            var change = ""
            if r.before != nil || r.after != nil { change = "\(r.before ?? "-") → \(r.after ?? "-")" }
            // On PostgreSQL the operator is the login; a different claim shows beside it.
            let who = r.claimedBy.map { "\(r.operatorName) (as \($0))" } ?? r.operatorName
            t.add([String(r.seq), UTC.rfc3339(r.at), who, r.action, r.target,
                   CallCommands.clip(change, ctx.clip(60)), r.reason.map { CallCommands.clip($0, ctx.clip(40)) } ?? "", String(r.hash.prefix(12))])
        }
        ctx.out(t.render(width: ctx.tableWidth))
        return 0
    }

    static func verify(_ inv: Invocation, _ ctx: Context, _ store: any FleetStore) throws -> Int32 {
        var expected: AuditHead?
        if let text = inv.text("expect-head") {
            guard let head = AuditHead(parsing: text) else {
                throw UsageError("--expect-head must be SEQ:HASH as printed by `warden audit head`", command: inv.command)
            }
            expected = head
        }
        // Given the head kept elsewhere, the store also catches a cut or rewritten tail.
        let result = try store.verifyAudit(expectedHead: expected)
        // The chain first: a state check against a broken journal would say nothing reliable.
        let state: StateCheck? = result.isIntact ? try store.verifyState() : nil
        switch result {
        case .intact(let records, let head):
            if ctx.json {
                ctx.emit(.object([("intact", .bool(true)), ("records", .int(records)), ("head", JSONModels.head(head)),
                                  ("broken_seq", .null), ("problem", .null),
                                  ("state_consistent", .bool(state?.isConsistent ?? false)),
                                  ("state", .string(state?.summary ?? ""))]))
            } else {
                ctx.line("intact: \(records) records, head \(head?.description ?? "(empty)")")
                if let state { ctx.line(TerminalText.safe(state.summary)) }
            }
            if case .drifted(let since, _, _)? = state {
                throw Exit(code: 2, message: "the governed state changed outside Warden since record \(since); investigate, then `warden audit accept-drift --reason TEXT`")
            }
            return 0
        case .broken(let seq, let problem):
            if ctx.json {
                ctx.emit(.object([("intact", .bool(false)), ("records", .null), ("head", .null),
                                  ("broken_seq", .int(seq)), ("problem", .string(problem)),
                                  ("state_consistent", .null), ("state", .null)]))
            } else {
                ctx.line("broken at record \(seq): \(problem)")
            }
            throw Exit(code: 2, message: "the audit journal failed verification at record \(seq)")
        }
    }

    /// `warden audit accept-drift --reason TEXT`.
    static func acceptDrift(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: false)
        guard case .intact = try store.verifyAudit(expectedHead: nil) else {
            throw Exit(code: 2, message: "the journal's hash chain is broken: `warden audit --verify` says where; a drift cannot be accepted on top of it")
        }
        let before = try store.verifyState()
        let after = try store.acceptStateDrift(ctx.mutation(reason: inv.text("reason")))
        if ctx.json {
            ctx.emit(.object([("accepted", .string(before.summary)), ("state", .string(after.summary)),
                              ("state_consistent", .bool(after.isConsistent))]))
        } else {
            ctx.line("accepted: \(TerminalText.safe(before.summary))")
            ctx.line(TerminalText.safe(after.summary))
        }
        return 0
    }

    static func head(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let store = try ctx.openStore(readOnly: true)
        let head = try store.auditHead()
        if ctx.json {
            ctx.emit(JSONModels.head(head))
        } else if let head {
            ctx.line(head.description)
        } else {
            ctx.line("0:\(AuditRecord.genesisHash)")
            ctx.note("the journal is empty")
        }
        return 0
    }
}
