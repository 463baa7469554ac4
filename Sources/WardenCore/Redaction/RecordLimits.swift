/// The longest text Warden records for each field of a tool call or telemetry event (README,
/// "Limits"). The store applies them to every call it records, whoever sends it (proxy,
/// ingest, `authorize --record`), so nothing megabytes long is ever stored; `warden ingest`
/// refuses a line whose identifiers exceed them rather than store a cut identifier.
public enum RecordLimits {
    /// Agent references as telemetry gives them (SPIFFE IDs or names).
    public static let agent = 512
    public static let instanceID = 256
    public static let credentialID = 128
    /// MCP tool names are 1–128 characters; a server name is held to the same.
    public static let server = 128
    public static let tool = 128
    public static let reason = 128
    public static let host = 255
    public static let args = ToolCall.maxArgsLength
    /// MCP session ids are visible ASCII, usually a UUID.
    public static let session = 128
    /// `clientInfo` name and version as one text.
    public static let client = 128

    /// `s` cut to `limit` characters, ending in `…` when cut (or when `cut`: more text followed).
    public static func clip(_ s: String, _ limit: Int, cut: Bool = false) -> String {
        // UTF-8 bytes bound the characters from above and are counted in O(1): most texts stop here.
        if !cut && (s.utf8.count <= limit || s.count <= limit) { return s }
        return String(s.prefix(limit - 1)) + "…"
    }

    /// `clip` for an optional.
    public static func clip(_ s: String?, _ limit: Int) -> String? { s.map { clip($0, limit) } }

    /// The first field of `call` over its limit and that limit, or nil.
    public static func overLimit(_ call: ToolCall) -> (field: String, limit: Int, length: Int)? {
        // No array per call: this runs for every ingested event.
        func over(_ name: String, _ value: String?, _ limit: Int) -> (field: String, limit: Int, length: Int)? {
            guard let value, value.utf8.count > limit, value.count > limit else { return nil }
            return (name, limit, value.count)
        }
        return over("agent", call.agentID, agent) ?? over("instance", call.instanceID, instanceID)
            ?? over("credential_id", call.credentialID, credentialID) ?? over("server", call.server, server)
            ?? over("tool", call.tool, tool)
    }
}

extension ToolCall {
    /// The call as the store records it: every text within its limit, the arguments redacted
    /// (`Redaction`) and cut. Applying it twice changes nothing.
    public func forRecording() -> ToolCall {
        var c = self
        c.agentID = RecordLimits.clip(agentID, RecordLimits.agent)
        c.instanceID = RecordLimits.clip(instanceID, RecordLimits.instanceID)
        c.credentialID = RecordLimits.clip(credentialID, RecordLimits.credentialID)
        // Names and reasons come from clients too: a credential pasted there is redacted as well.
        c.server = RecordLimits.clip(Redaction.summary(text: server, limit: RecordLimits.server).text, RecordLimits.server)
        c.tool = RecordLimits.clip(Redaction.summary(text: tool, limit: RecordLimits.tool).text, RecordLimits.tool)
        c.reason = reason.map { Redaction.summary(text: $0, limit: RecordLimits.reason).text }
        c.args = args.map { Redaction.summary(text: $0).text }
        // A session id is one the gateway bound to this agent (not client text): only capped.
        c.session = RecordLimits.clip(session, RecordLimits.session)
        // A client names itself: whatever it pasted there is redacted like any client text.
        c.client = client.map { RecordLimits.clip(Redaction.summary(text: $0, limit: RecordLimits.client).text, RecordLimits.client) }
        return c
    }
}
