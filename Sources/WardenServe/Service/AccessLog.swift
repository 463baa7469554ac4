import WardenCore

/// One JSON line per request on stderr. Only what cannot be a secret: method, path (the query is
/// never seen here), status, duration, upstream, decision. No header value, no body.
public enum AccessLog {
    public static func line(request: HTTPRequest, status: Int, note: AccessNote, nanos: UInt64, at: Timestamp) -> String {
        var fields: [(String, JSONValue)] = [
            ("at", .string(UTC.rfc3339(at, millis: true))),
            ("method", .string(String(request.method.prefix(16)))),
            ("path", .string(safePath(request.path))),
            ("status", .int(status)),
            ("duration_ms", .number(format3(Double(nanos) / 1e6))),
        ]
        if let u = note.upstream { fields.append(("upstream", .string(u))) }
        if let d = note.decision { fields.append(("decision", .string(d))) }
        return JSONWriter.write(.object(fields), indent: false)
    }

    /// The path as logged: at most 200 characters, and any credential-looking text inside it
    /// (a client that put its token in the path) redacted by Core's one rule.
    static func safePath(_ path: String) -> String {
        Redaction.redact(String(path.prefix(200))).text
    }

    static func format3(_ v: Double) -> String {
        let scaled = (v * 1000).rounded() / 1000
        return String(scaled)
    }
}
