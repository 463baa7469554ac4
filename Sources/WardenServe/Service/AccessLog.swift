import WardenCore

/// One JSON line per request on stderr. Only what cannot be a secret: method, path (the query is
/// never seen here), status, duration, upstream, decision. No header value, no body.
public enum AccessLog {
    public static func line(request: HTTPRequest, status: Int, note: AccessNote, nanos: UInt64, at: Timestamp) -> String {
        var fields: [(String, JSONValue)] = [
            ("at", .string(UTC.rfc3339(at, millis: true))),
            ("method", .string(safeMethod(request.method))),
            ("path", .string(safePath(request.path))),
            ("status", .int(status)),
            ("duration_ms", .number(format3(Double(nanos) / 1e6))),
        ]
        if let u = note.upstream { fields.append(("upstream", .string(u))) }
        if let d = note.decision { fields.append(("decision", .string(d))) }
        return JSONWriter.write(.object(fields), indent: false)
    }

    /// The path as logged: at most 200 characters, and any credential-looking text inside it
    /// (a client that put its token in the path) redacted by Core's one rule. Redacted before
    /// the cut: a token straddling it would otherwise be too short to recognize, and logged in part.
    static func safePath(_ path: String) -> String {
        Redaction.summary(text: path, limit: 200).text
    }

    /// libmicrohttpd takes any token as the method, a client's secret included: only the
    /// methods HTTP defines are logged as sent.
    static func safeMethod(_ method: String) -> String {
        knownMethods.contains(method) ? method : "OTHER"
    }

    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]

    static func format3(_ v: Double) -> String {
        let scaled = (v * 1000).rounded() / 1000
        return String(scaled)
    }
}
