import Glibc
import WardenCore
import WardenStore

/// Decodes Warden's NDJSON telemetry: one object per line with a `type` and its fields
/// (schema in README.md, "NDJSON events"). Unknown fields are ignored; known fields of the wrong type,
/// missing required fields and unknown types refuse the line.
public struct NDJSONDecoder {
    public init() {}

    enum Field: Int, CaseIterable {
        case type, time, agent, instance, host, pid, credentialID, server, tool, decision, reason
        case durationMs, result, args, parent, name, id, scopes, ttl, ttlMs
        static let count = 20

        var key: String {
            switch self {
            case .type: return "type"
            case .time: return "time"
            case .agent: return "agent"
            case .instance: return "instance"
            case .host: return "host"
            case .pid: return "pid"
            case .credentialID: return "credential_id"
            case .server: return "server"
            case .tool: return "tool"
            case .decision: return "decision"
            case .reason: return "reason"
            case .durationMs: return "duration_ms"
            case .result: return "result"
            case .args: return "args"
            case .parent: return "parent"
            case .name: return "name"
            case .id: return "id"
            case .scopes: return "scopes"
            case .ttl: return "ttl"
            case .ttlMs: return "ttl_ms"
            }
        }

        /// Matches key bytes without building a String.
        static func match(_ k: UnsafeBufferPointer<UInt8>) -> Field? {
            @inline(__always) func eq(_ s: StaticString) -> Bool {
                guard s.utf8CodeUnitCount == k.count else { return false }
                return memcmp(s.utf8Start, k.baseAddress!, k.count) == 0
            }
            guard k.count > 1 else { return nil }
            switch k[0] {
            case UInt8(ascii: "a"): return eq("agent") ? .agent : eq("args") ? .args : nil
            case UInt8(ascii: "c"): return eq("credential_id") ? .credentialID : nil
            case UInt8(ascii: "d"): return eq("decision") ? .decision : eq("duration_ms") ? .durationMs : nil
            case UInt8(ascii: "h"): return eq("host") ? .host : nil
            case UInt8(ascii: "i"): return eq("instance") ? .instance : eq("id") ? .id : nil
            case UInt8(ascii: "n"): return eq("name") ? .name : nil
            case UInt8(ascii: "p"): return eq("pid") ? .pid : eq("parent") ? .parent : nil
            case UInt8(ascii: "r"): return eq("reason") ? .reason : eq("result") ? .result : nil
            case UInt8(ascii: "s"): return eq("server") ? .server : eq("scopes") ? .scopes : nil
            case UInt8(ascii: "t"):
                return eq("type") ? .type : eq("time") ? .time : eq("tool") ? .tool : eq("ttl") ? .ttl : eq("ttl_ms") ? .ttlMs : nil
            default: return nil
            }
        }
    }

    /// Decodes one line (without its newline). `source` is carried into the event.
    public func decode(_ line: UnsafeBufferPointer<UInt8>, source: Int) throws(LineError) -> TelemetryEvent {
        if let bad = UTF8Check.firstInvalid(line) {
            throw LineError("invalid UTF-8 at byte \(bad + 1)")
        }
        var scanner = JSONScanner(line)
        var slots: (JSONScanner.Value?, JSONScanner.Value?, JSONScanner.Value?, JSONScanner.Value?, JSONScanner.Value?,
                    JSONScanner.Value?, JSONScanner.Value?, JSONScanner.Value?, JSONScanner.Value?, JSONScanner.Value?,
                    JSONScanner.Value?, JSONScanner.Value?, JSONScanner.Value?, JSONScanner.Value?, JSONScanner.Value?,
                    JSONScanner.Value?, JSONScanner.Value?, JSONScanner.Value?, JSONScanner.Value?, JSONScanner.Value?)
            = (nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil)
        var seen: UInt32 = 0
        try withUnsafeMutableBytes(of: &slots) { (raw) throws(LineError) in
            // A homogeneous tuple is laid out as an array (the last element may lack tail padding,
            // so the count is given, not derived from the byte size).
            let v = UnsafeMutableBufferPointer(start: raw.baseAddress!.bindMemory(to: JSONScanner.Value?.self, capacity: Field.count),
                                               count: Field.count)
            try scanner.object { (key, value) throws(LineError) in
                guard let f = Field.match(key) else { return }
                let bit: UInt32 = 1 << UInt32(f.rawValue)
                if seen & bit != 0 { throw LineError("field '\(f.key)' appears twice") }
                seen |= bit
                v[f.rawValue] = value
            }
        }
        return try withUnsafeBytes(of: &slots) { (raw) throws(LineError) -> TelemetryEvent in
            let r = Reader(scanner: scanner, v: UnsafeBufferPointer(
                start: raw.baseAddress!.bindMemory(to: JSONScanner.Value?.self, capacity: Field.count), count: Field.count))
            return try r.event(source: source)
        }
    }

    /// Typed access to the scanned fields, with messages that name the field.
    struct Reader {
        let scanner: JSONScanner
        let v: UnsafeBufferPointer<JSONScanner.Value?>

        func has(_ f: Field) -> Bool {
            if let x = v[f.rawValue], case .null = x { return false }
            return v[f.rawValue] != nil
        }

        func string(_ f: Field) throws(LineError) -> String? {
            guard let x = v[f.rawValue] else { return nil }
            switch x {
            case .null: return nil
            case .string(let s, let e, let esc): return try scanner.text(s, e, esc)
            default: throw LineError("field '\(f.key)' must be a string, not \(x.typeName)")
            }
        }

        func required(_ f: Field) throws(LineError) -> String {
            guard let s = try string(f) else { throw LineError("missing field '\(f.key)'") }
            if s.isEmpty { throw LineError("field '\(f.key)' is empty") }
            return s
        }

        func int(_ f: Field) throws(LineError) -> Int64? {
            guard let x = v[f.rawValue] else { return nil }
            switch x {
            case .null: return nil
            case .number(let s, let e):
                guard let n = Reader.parseInt(scanner.b, s, e) else {
                    throw LineError("field '\(f.key)' must be a whole number, not \(scanner.raw(s, e))")
                }
                return n
            default: throw LineError("field '\(f.key)' must be a number, not \(x.typeName)")
            }
        }

        static func parseInt(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Int64? {
            var i = s
            let neg = b[i] == UInt8(ascii: "-")
            if neg { i += 1 }
            guard i < e, e - i <= 18 else { return nil }
            var n: Int64 = 0
            while i < e {
                let c = b[i]
                guard c >= 48, c <= 57 else { return nil }
                n = n * 10 + Int64(c - 48)
                i += 1
            }
            return neg ? -n : n
        }

        /// RFC 3339 text or epoch milliseconds.
        func time() throws(LineError) -> Timestamp {
            guard let x = v[Field.time.rawValue] else { throw LineError("missing field 'time'") }
            switch x {
            case .string(let s, let e, let esc):
                if !esc, let t = FastTime.parse(UnsafeBufferPointer(rebasing: scanner.b[s..<e])) { return t }
                let text = try scanner.text(s, e, esc)
                guard let t = UTC.parseRFC3339(text) else {
                    throw LineError("field 'time': '\(text)' is not an RFC 3339 time (e.g. 2026-11-29T08:41:55Z)")
                }
                return t
            case .number(let s, let e):
                guard let n = Reader.parseInt(scanner.b, s, e), n >= 0, n < 253_402_300_800_000 else {
                    throw LineError("field 'time': \(scanner.raw(s, e)) is not epoch milliseconds")
                }
                return n
            default: throw LineError("field 'time' must be RFC 3339 text or epoch milliseconds, not \(x.typeName)")
            }
        }

        func event(source: Int) throws(LineError) -> TelemetryEvent {
            let type = try required(.type)
            let at = try time()
            switch type {
            case "tool_call":
                let agent = try required(.agent)
                var server = try string(.server)
                var tool = try required(.tool)
                if server == nil {
                    // `tool` may carry both sides: "github/create_issue".
                    guard let (s, t) = Authorization.splitTool(tool) else {
                        throw LineError("missing field 'server' (or give 'tool' as SERVER/TOOL)")
                    }
                    server = String(s); tool = String(t)
                }
                guard let server, !server.isEmpty else { throw LineError("field 'server' is empty") }
                let decisionText = try required(.decision)
                guard let decision = ToolCall.Decision(rawValue: decisionText) else {
                    throw LineError("field 'decision' must be \"allow\" or \"deny\", not '\(decisionText)'")
                }
                let reason = try string(.reason)
                var result: ToolCall.Result?
                if let r = try string(.result) {
                    guard let parsed = ToolCall.Result(rawValue: r) else {
                        throw LineError("field 'result' must be \"ok\" or \"error\", not '\(r)'")
                    }
                    result = parsed
                }
                let duration = try int(.durationMs)
                if let duration, duration < 0 { throw LineError("field 'duration_ms' is negative") }
                let call = ToolCall(at: at, agentID: agent, instanceID: try string(.instance),
                                    credentialID: try string(.credentialID), server: server, tool: tool,
                                    decision: decision, reason: reason, durationMs: duration, result: result,
                                    args: try args())
                return TelemetryEvent(at: at, agent: agent, source: source, body: .toolCall(call))
            case "instance_started":
                let agent = try required(.agent)
                let instance = try required(.instance)
                let host = try required(.host)
                return TelemetryEvent(at: at, agent: agent, source: source,
                                      body: .instanceStarted(instanceID: instance, host: host, pid: try int(.pid)))
            case "heartbeat":
                let instance = try required(.instance)
                return TelemetryEvent(at: at, agent: try string(.agent), source: source,
                                      body: .heartbeat(instanceID: instance, host: try string(.host), pid: try int(.pid)))
            case "instance_stopped":
                let instance = try required(.instance)
                return TelemetryEvent(at: at, agent: try string(.agent), source: source,
                                      body: .instanceStopped(instanceID: instance))
            case "delegate":
                let parent = try required(.parent)
                let name = try required(.name)
                let scopes = try scopeSet()
                var ttlMs = try int(.ttlMs)
                if let ttl = try string(.ttl) {
                    do { ttlMs = try DurationText.parse(ttl) } catch { throw LineError("field 'ttl': \(error.description)") }
                }
                if let t = ttlMs, t <= 0 { throw LineError("field 'ttl_ms' must be positive") }
                return TelemetryEvent(at: at, agent: parent, source: source,
                                      body: .delegate(name: name, id: try string(.id), scopes: scopes, ttlMs: ttlMs))
            default:
                throw LineError("unknown type '\(type)' (expected instance_started, heartbeat, instance_stopped, tool_call or delegate)")
            }
        }

        /// `args`: a summary string, or an object/array kept as its compact JSON (values under
        /// sensitive keys redacted here, where the structure is known); the store redacts and
        /// cuts the text, as it does every recorded argument summary.
        func args() throws(LineError) -> String? {
            guard let x = v[Field.args.rawValue] else { return nil }
            switch x {
            case .null: return nil
            // Text is redacted and cut by the store (`ToolCall.forRecording`), once.
            case .string(let s, let e, let esc): return try scanner.text(s, e, esc)
            case .composite(let s, let e, _):
                // Parsed, so that a sensitive key's whole value (an object too) is redacted.
                guard let value = try? JSONParser.parse(bytes: UnsafeBufferPointer(rebasing: scanner.b[s..<e])) else {
                    return scanner.raw(s, e)
                }
                return Redaction.summary(value).text
            default: throw LineError("field 'args' must be a string or an object, not \(x.typeName)")
            }
        }

        /// `scopes`: an array of scope strings or one comma-separated string.
        func scopeSet() throws(LineError) -> ScopeSet {
            guard let x = v[Field.scopes.rawValue] else { throw LineError("missing field 'scopes'") }
            do {
                switch x {
                case .string(let s, let e, let esc):
                    return try ScopeSet(parsing: try scanner.text(s, e, esc))
                case .composite(let s, let e, true):
                    let parsed: JSONValue
                    do {
                        parsed = try JSONParser.parse(bytes: UnsafeBufferPointer(rebasing: scanner.b[s..<e]))
                    } catch { throw LineError("field 'scopes': \(error.message)") }
                    var items: [String] = []
                    for item in parsed.array ?? [] {
                        guard let str = item.string else { throw LineError("field 'scopes' must hold strings, not \(item.typeName)") }
                        items.append(str)
                    }
                    if items.isEmpty { throw LineError("field 'scopes' is empty") }
                    return try ScopeSet(parsing: items)
                default:
                    throw LineError("field 'scopes' must be an array of scopes or a comma-separated string, not \(x.typeName)")
                }
            } catch let e as ScopeError {
                throw LineError("field 'scopes': \(e.description)")
            } catch let e as LineError {
                throw e
            } catch {
                throw LineError("field 'scopes': \(error)")
            }
        }
    }
}

/// RFC 3339 straight from the line's bytes for the common shapes (`…T08:41:55Z`,
/// `….250Z`, `…+01:00`); anything else falls back to `UTC.parseRFC3339`, which agrees.
enum FastTime {
    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        let n = b.count
        guard n >= 20, b[4] == 45, b[7] == 45, b[10] == 84 || b[10] == 116, b[13] == 58, b[16] == 58 else { return nil }
        @inline(__always) func d(_ i: Int) -> Int64? {
            let c = b[i] &- 48
            return c < 10 ? Int64(c) : nil
        }
        @inline(__always) func two(_ i: Int) -> Int64? {
            guard let a = d(i), let c = d(i + 1) else { return nil }
            return a * 10 + c
        }
        guard let y1 = two(0), let y2 = two(2), let mo = two(5), let day = two(8), let h = two(11), let mi = two(14),
              let sec = two(17), (1...12).contains(mo), (1...31).contains(day), h < 24, mi < 60, sec < 61 else { return nil }
        var i = 19
        var ms: Int64 = 0
        if b[i] == 46 {
            i += 1
            var digits = 0
            while i < n, let v = d(i) {
                if digits < 3 { ms = ms * 10 + v }
                digits += 1; i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { ms *= 10 }
        }
        guard i < n else { return nil }
        var offset: Int64 = 0
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45, i + 6 == n, b[i + 3] == 58, let oh = two(i + 1), let om = two(i + 4) {
            offset = (oh * 60 + om) * 60_000 * (b[i] == 45 ? -1 : 1)
            i += 6
        } else { return nil }
        guard i == n else { return nil }
        let y = y1 * 100 + y2
        // Days from civil (Howard Hinnant), as WardenCore's UTC does.
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return ((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms - offset
    }
}
