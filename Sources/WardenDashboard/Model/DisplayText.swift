import WardenCore

/// Untrusted text is cut to what a screen can show once, when it is read, so that a 1 MB name
/// costs nothing per frame or per keystroke. IDs are kept whole: actions are bound to them.
enum DisplayText {
    static let maxScalars = 256
    /// A journal record's before and after are kept longer: the Audit detail compares them
    /// as JSON, which a cut document is not.
    static let maxDocumentScalars = 8_192

    static func clip(_ s: String, max maxScalars: Int = maxScalars) -> String {
        if s.utf8.count <= maxScalars { return s }
        let scalars = s.unicodeScalars
        guard let end = scalars.index(scalars.startIndex, offsetBy: maxScalars, limitedBy: scalars.endIndex),
              end != scalars.endIndex else { return s }
        return String(scalars[..<end]) + "…"
    }

    static func clip(_ s: String?) -> String? { s.map { clip($0) } }

    static func clip(_ p: Principal) -> Principal {
        var p = p
        p.name = clip(p.name)
        return p
    }

    static func clip(_ a: Agent) -> Agent {
        var a = a
        clip(&a)
        return a
    }

    /// In place, touching only what is cut: a million agents are read without a copy each.
    static func clip(_ a: inout Agent) {
        if a.name.utf8.count > maxScalars { a.name = clip(a.name) }
        if let r = a.revokeReason, r.utf8.count > maxScalars { a.revokeReason = clip(r) }
    }

    static func clip(_ i: Instance) -> Instance {
        var i = i
        i.host = clip(i.host)
        return i
    }

    static func clip(_ c: ToolCall) -> ToolCall {
        var c = c
        c.server = clip(c.server)
        c.tool = clip(c.tool)
        c.reason = clip(c.reason)
        c.args = clip(c.args)
        c.session = clip(c.session)
        c.client = clip(c.client)
        return c
    }

    static func clip(_ s: ServiceRecord) -> ServiceRecord {
        var s = s
        s.host = clip(s.host)
        s.listen = clip(s.listen)
        s.version = clip(s.version)
        return s
    }

    /// Server and tool names are kept whole (decisions are bound to them); who decided and why
    /// are cut like any other text.
    static func clip(_ p: ToolPin) -> ToolPin {
        var p = p
        for i in p.decisions.indices {
            p.decisions[i].by = clip(p.decisions[i].by)
            p.decisions[i].reason = clip(p.decisions[i].reason)
        }
        return p
    }

    static func clip(_ r: AuditRecord) -> AuditRecord {
        var r = r
        r.operatorName = clip(r.operatorName)
        r.claimedBy = r.claimedBy.map { clip($0) }
        r.target = clip(r.target)
        r.before = r.before.map { clip($0, max: maxDocumentScalars) }
        r.after = r.after.map { clip($0, max: maxDocumentScalars) }
        r.reason = clip(r.reason)
        return r
    }
}
