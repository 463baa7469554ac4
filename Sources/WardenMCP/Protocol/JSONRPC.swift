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
    /// Compact JSON of `arguments` under WardenCore's one redaction rule (`Redaction`): values
    /// under sensitive keys, credentials inside text and the proxy's own `secret` become
    /// `[redacted:KIND]`; control characters dropped; cut at `limit` characters.
    public static func make(_ arguments: JSONValue?, secret: String, limit: Int = ToolCall.maxArgsLength) -> String? {
        guard let arguments else { return nil }
        return Redaction.summary(arguments, alsoSecret: secret, limit: limit).text
    }
}
