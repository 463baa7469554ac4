import TerminalUI
import WardenCore

/// `~/.config/warden/config`: `key = value` lines, `#` comments.
public struct DashboardConfig: Sendable {
    public var theme: String?
    public var refreshMs = 250
    public var environment: String?
    public var environmentColor: Color?
    public var readOnly = false
    public var operatorName: String?
    public var keyMap = KeyMap.defaults
    public var policy = Policy.standard
    /// Clicks select, the wheel scrolls; `mouse = false` leaves the terminal's own selection.
    public var mouse = true
    /// Draw in ASCII even where the locale is UTF-8 (a terminal font without the glyphs).
    public var ascii = false

    public init() {}

    public static func parse(_ text: String, file: String) throws(FileError) -> DashboardConfig {
        var c = DashboardConfig()
        for (index, raw) in FileText.lines(text).enumerated() {
            let n = index + 1
            let line = ThemeParser.stripComment(raw)
            if line.isEmpty { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw FileError(file: file, line: n, message: "expected `key = value`, got \(FileText.quoted(line))")
            }
            let key = line[..<eq].trimmingCharacters
            let value = line[line.index(after: eq)...].trimmingCharacters
            func fail(_ m: String) -> FileError { FileError(file: file, line: n, message: m) }
            switch key {
            case "theme":
                guard !value.isEmpty else { throw fail("theme needs a name") }
                guard value.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" }) else {
                    throw fail("bad theme name \(FileText.quoted(value)): letters, digits, - and _")
                }
                c.theme = value
            case "refresh_ms":
                guard value.utf8.count <= 6, let v = Int(value), (50...60_000).contains(v) else { throw fail("refresh_ms must be a whole number from 50 to 60000") }
                c.refreshMs = v
            case "environment":
                c.environment = value.isEmpty ? nil : value
            case "environment_color":
                do { c.environmentColor = try ThemeParser.parseColor(value) } catch { throw fail(error.message) }
            case "read_only":
                guard let b = Bool(value) else { throw fail("read_only must be true or false") }
                c.readOnly = b
            case "mouse":
                guard let b = Bool(value) else { throw fail("mouse must be true or false") }
                c.mouse = b
            case "ascii":
                guard let b = Bool(value) else { throw fail("ascii must be true or false") }
                c.ascii = b
            case "operator":
                guard !value.isEmpty else { throw fail("operator needs a name") }
                c.operatorName = value
            case "policy.max_credential_ttl":
                do { c.policy.maxCredentialTTLMs = try DurationText.parse(value) } catch { throw fail(durationMessage(key, value)) }
            case "policy.max_depth":
                guard value.utf8.count <= 6, let v = Int(value), v > 0 else { throw fail("policy.max_depth must be a positive whole number") }
                c.policy.maxDepth = v
            case "policy.stale_instance":
                do { c.policy.staleInstanceMs = try DurationText.parse(value) } catch { throw fail(durationMessage(key, value)) }
            case "policy.unused_scopes":
                do { c.policy.unusedScopeMs = try DurationText.parse(value) } catch { throw fail(durationMessage(key, value)) }
            case "policy.renew_grace":
                do { c.policy.renewGraceMs = try DurationText.parse(value) } catch { throw fail(durationMessage(key, value)) }
                // Longer than a few minutes is no longer a grace: the old secret would live on.
                guard c.policy.renewGraceMs <= 600_000 else { throw fail("policy.renew_grace must be at most 10m") }
            case "policy.retain_calls":
                do { c.policy.retainCallsMs = try DurationText.parse(value) } catch { throw fail(durationMessage(key, value)) }
                guard c.policy.retainCallsMs >= 3_600_000 else { throw fail("policy.retain_calls must be at least 1h") }
            case "policy.retain_instances":
                do { c.policy.retainInstancesMs = try DurationText.parse(value) } catch { throw fail(durationMessage(key, value)) }
                guard c.policy.retainInstancesMs >= 3_600_000 else { throw fail("policy.retain_instances must be at least 1h") }
            default:
                guard key.hasPrefix("key.") else { throw fail("unknown setting \(FileText.quoted(key))") }
                guard let action = Action(rawValue: String(key.dropFirst(4))) else {
                    throw fail("unknown action \(FileText.quoted(key.dropFirst(4))) (actions: \(Action.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                var keys: [Key] = []
                for name in value.split(separator: ",").map({ $0.trimmingCharacters }) {
                    guard let k = KeyNames.parse(name) else {
                        throw fail("unknown key \(FileText.quoted(name)) (a character, space, hash, comma, enter, esc, tab, up, down, left, right, pgup, pgdn, home, end, ctrl-X, f1…f24)")
                    }
                    if !keys.contains(k) { keys.append(k) }
                }
                guard !keys.isEmpty else { throw fail("key.\(action.rawValue) needs a key") }
                c.keyMap.rebind(action, to: keys)
            }
        }
        return c
    }

    static func durationMessage(_ key: String, _ value: String) -> String {
        "\(key): invalid duration \(FileText.quoted(value)): expected a whole number and a unit, e.g. 90s, 15m, 8h, 7d"
    }

    /// `$XDG_CONFIG_HOME/warden/config`, else `~/.config/warden/config`.
    public static func path(environment: [String: String]) -> String {
        if let x = environment["XDG_CONFIG_HOME"], !x.isEmpty { return x + "/warden/config" }
        return (environment["HOME"] ?? ".") + "/.config/warden/config"
    }
}
