import TerminalUI
import WardenConfig
import WardenCore

/// The dashboard's keys of the config file (`theme`, `refresh_ms`, `key.ACTION`, …), and the
/// policy it evaluates findings with (the `policy.*` keys, read by `PolicySection`).
public struct DashboardConfig: ConfigSection {
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

    public static func owns(_ key: String) -> Bool {
        key.hasPrefix("key.") || ["theme", "refresh_ms", "environment", "environment_color", "read_only", "mouse", "ascii", "operator"].contains(key)
    }

    public mutating func read(key: String, value: String) throws(ConfigValueError) {
        func fail(_ m: String) -> ConfigValueError { ConfigValueError(m) }
        switch key {
        case "theme":
            guard !value.isEmpty else { throw fail("theme needs a name") }
            guard value.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" }) else {
                throw fail("bad theme name \(FileText.quoted(value)): letters, digits, - and _")
            }
            theme = value
        case "refresh_ms":
            guard value.utf8.count <= 6, let v = Int(value), (50...60_000).contains(v) else { throw fail("refresh_ms must be a whole number from 50 to 60000") }
            refreshMs = v
        case "environment":
            environment = value.isEmpty ? nil : value
        case "environment_color":
            do { environmentColor = try ThemeParser.parseColor(value) } catch { throw fail(error.message) }
        case "read_only":
            guard let b = Bool(value) else { throw fail("read_only must be true or false") }
            readOnly = b
        case "mouse":
            guard let b = Bool(value) else { throw fail("mouse must be true or false") }
            mouse = b
        case "ascii":
            guard let b = Bool(value) else { throw fail("ascii must be true or false") }
            ascii = b
        case "operator":
            guard !value.isEmpty else { throw fail("operator needs a name") }
            operatorName = value
        default:
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
            keyMap.rebind(action, to: keys)
        }
    }
}
