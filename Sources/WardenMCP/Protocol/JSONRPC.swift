import WardenCore

/// JSON-RPC 2.0 pieces the proxy needs: request ids as dictionary keys, and the error
/// responses the proxy writes itself.
public enum JSONRPC {
    /// Our code for a call Warden refused (in the implementation-defined server-error range).
    public static let deniedCode = -32001
    public static let parseErrorCode = -32700
    public static let invalidParamsCode = -32602
    public static let invalidRequestCode = -32600

    /// Largest magnitude of an integer id: beyond 2^53 a JavaScript client cannot tell ids apart.
    static let maxIntegerID: Int64 = 1 << 53

    /// Whether `id` is an id the proxy accepts: a string, or an integer written plainly within
    /// ±2^53. Refused: `-0`, `1.0`, `1e2` (one id to a reader that converts numbers, another to
    /// one that keeps their text), larger integers (rounded by JavaScript), null, booleans,
    /// arrays and objects. So every accepted id has one value under every reading.
    static func isValidID(_ id: JSONValue) -> Bool {
        switch id {
        case .string: return true
        case .number(let n):
            guard n != "-0", let v = Int64(n) else { return false }
            return v >= -maxIntegerID && v <= maxIntegerID
        default: return false
        }
    }

    /// An accepted id as a key, by its parsed value: strings and numbers never collide (`"1"` and
    /// `1` are different ids). nil for a missing id (a notification) or one `isValidID` refuses.
    static func idKey(_ id: JSONValue?) -> String? {
        guard let id, isValidID(id) else { return nil }
        switch id {
        case .string(let s): return "s:" + s
        case .number(let n): return "n:" + String(Int64(n)!)
        default: return nil
        }
    }

    static func error(id: JSONValue, code: Int, message: String, data: JSONValue? = nil) -> JSONValue {
        var err: [(String, JSONValue)] = [("code", .int(code)), ("message", .string(message))]
        if let data { err.append(("data", data)) }
        return .object([("jsonrpc", .string("2.0")), ("id", id), ("error", .object(err))])
    }

    /// The answer to a refused `tools/call`: `warden: denied (REASON)`, data `{reason, tool}`.
    static func denied(id: JSONValue, reason: String, serverTool: String) -> JSONValue {
        error(id: id, code: deniedCode, message: "warden: denied (\(reason))",
              data: .object([("reason", .string(reason)), ("tool", .string(serverTool))]))
    }

    static func parseError(_ detail: String) -> JSONValue {
        error(id: .null, code: parseErrorCode, message: "Parse error",
              data: .object([("detail", .string(detail)), ("reason", .string(Authorization.Reason.malformedRequest.rawValue))]))
    }

    /// The answer to a message read strictly but refused (an id that is not a string or a safe
    /// integer, a method that is not a string, a tool name outside the MCP rule).
    static func malformed(id: JSONValue?, detail: String) -> JSONValue {
        let reason = Authorization.Reason.malformedRequest.rawValue
        var echoed = JSONValue.null
        if let id, case .string = id { echoed = id }
        if let id, case .number = id { echoed = id }
        return error(id: echoed, code: invalidRequestCode, message: "warden: refused (\(reason)): \(detail)",
                     data: .object([("reason", .string(reason)), ("detail", .string(detail))]))
    }

    static func bytes(_ v: JSONValue) -> [UInt8] {
        var out = Array(JSONWriter.write(v, indent: false).utf8)
        out.append(10)
        return out
    }
}

/// A short, secret-free, single-line summary of a tool call's arguments for the call log.
public enum ArgumentSummary {
    /// Keys whose values are never shown.
    static let sensitiveKeyParts = ["token", "secret", "password", "passwd", "authorization", "api_key", "apikey",
                                    "credential", "cookie", "private_key", "session"]

    /// Compact JSON of `arguments`, values under sensitive keys and anything that looks like a
    /// Warden secret (or equals `secret`) replaced by `***`, control characters dropped,
    /// cut at `limit` characters. Stops walking once the limit is reached (10 MB arguments cost
    /// what 200 characters cost).
    public static func make(_ arguments: JSONValue?, secret: String, limit: Int = ToolCall.maxArgsLength) -> String? {
        guard let arguments else { return nil }
        var w = Writer(limit: limit, secret: secret)
        w.emit(arguments)
        return w.finish()
    }

    static func isSensitive(_ key: String) -> Bool {
        let k = String(key.lowercased().map { $0 == "-" ? "_" : $0 })
        return sensitiveKeyParts.contains { k.contains($0) }
    }

    struct Writer {
        let limit: Int
        let secret: String
        var out = ""
        var count = 0
        var full = false

        init(limit: Int, secret: String) {
            self.limit = limit
            self.secret = secret
        }

        mutating func put(_ s: String) {
            if full { return }
            for ch in s.unicodeScalars {
                // Control characters (C0, DEL, C1) and line/paragraph separators are dropped.
                if ch.value < 0x20 || ch.value == 0x7F || (0x80...0x9F).contains(ch.value)
                    || ch.value == 0x2028 || ch.value == 0x2029 { continue }
                if count >= limit - 1 { full = true; return }
                out.unicodeScalars.append(ch)
                count += 1
            }
        }

        mutating func string(_ s: String) {
            // Only what can be shown is looked at (a 10 MB string costs what 200 characters
            // cost); the window reaches past the cut so a secret straddling it is still caught.
            let window = String(String.UnicodeScalarView(s.unicodeScalars.prefix(limit + 64)))
            if (!secret.isEmpty && window.contains(secret))
                || (window.utf8.count >= 47 && window.contains(Credential.secretPrefix)) {
                put("\"***\"")
                return
            }
            // Line breaks and tabs read as spaces; other control characters are dropped.
            var shown = ""
            for ch in window.unicodeScalars.prefix(limit) {
                if ch == "\n" || ch == "\r" || ch == "\t" { shown += " "; continue }
                if ch.value < 0x20 || ch.value == 0x7F || (0x80...0x9F).contains(ch.value)
                    || ch.value == 0x2028 || ch.value == 0x2029 { continue }
                shown.unicodeScalars.append(ch)
            }
            var q = ""
            JSONWriter.quote(shown, &q)
            // Cut (no closing quote) when more remains than was shown.
            if s.utf8.count > window.utf8.count || window.unicodeScalars.count > limit { q.removeLast() }
            put(q)
        }

        mutating func emit(_ v: JSONValue) {
            if full { return }
            switch v {
            case .null: put("null")
            case .bool(let b): put(b ? "true" : "false")
            case .number(let n): put(n)
            case .string(let s): string(s)
            case .array(let items):
                put("[")
                for (i, item) in items.enumerated() {
                    if full { return }
                    if i > 0 { put(",") }
                    emit(item)
                }
                put("]")
            case .object(let members):
                put("{")
                for (i, (key, value)) in members.enumerated() {
                    if full { return }
                    if i > 0 { put(",") }
                    var q = ""
                    JSONWriter.quote(key, &q)
                    put(q + ":")
                    if ArgumentSummary.isSensitive(key) { put("\"***\"") } else { emit(value) }
                }
                put("}")
            }
        }

        func finish() -> String { full ? out + "…" : out }
    }
}
