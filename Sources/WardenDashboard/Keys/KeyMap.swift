import TerminalUI

/// Keys bound to actions. Every binding can be remapped in the config file
/// (`key.ACTION = KEY`). The lists and the dialogs each have their own table, so a key can
/// narrow in the lists and decline in a dialog.
public struct KeyMap: Sendable {
    public private(set) var bindings: [Action: [Key]]
    private var lookup: [Action.Scope: [Key: Action]]

    public init(bindings: [Action: [Key]]) {
        self.bindings = bindings
        lookup = [:]
        for action in Action.allCases { for k in bindings[action] ?? [] { lookup[action.scope, default: [:]][k] = action } }
    }

    public static let defaults: KeyMap = {
        var bindings: [Action: [Key]] = [
            .up: [.up, .char("k")], .down: [.down, .char("j")],
            .pageUp: [.pageUp], .pageDown: [.pageDown],
            .top: [.char("g"), .home], .bottom: [.char("G"), .end],
            .collapse: [.left, .char("h")], .expand: [.right, .char("l")], .toggle: [.char(" ")],
            .open: [.enter], .back: [.escape], .focus: [.tab],
            .command: [.char(":")], .filter: [.char("/")],
            .sortPrevious: [.char("<")], .sortNext: [.char(">")], .sortInvert: [.char("I")],
            .pause: [.char("p")], .follow: [.char("f")], .copy: [.char("c")],
            .revoke: [.char("x")], .narrow: [.char("n")], .approve: [.char("a")], .reject: [.char("R")],
            .help: [.char("?")], .quit: [.char("q"), .ctrl("c")],
            .confirm: [.char("y"), .char("Y")], .decline: [.char("n"), .char("N")], .reason: [.char("r")],
        ]
        // Views by their place in the tabs: 1 for the first.
        for v in ViewKind.allCases where v.rawValue < 9 { bindings[.view(v)] = [.char(Character(String(v.rawValue + 1)))] }
        return KeyMap(bindings: bindings)
    }()

    /// The action a key triggers in the lists, if any. Dangerous actions do not exist when read-only.
    public func action(for key: Key, readOnly: Bool) -> Action? {
        guard let a = lookup[.lists]?[key] else { return nil }
        return readOnly && a.isDangerous ? nil : a
    }

    /// The action a key triggers in a dialog (`confirm`, `decline`, `reason`), if any.
    public func dialogAction(for key: Key) -> Action? { lookup[.dialogs]?[key] }

    /// Rebinds an action to `keys`, taking those keys away from any other action of its scope.
    public mutating func rebind(_ action: Action, to keys: [Key]) {
        let scope = action.scope
        for k in keys {
            if let other = lookup[scope]?[k] { bindings[other]?.removeAll { $0 == k } }
            lookup[scope, default: [:]][k] = action
        }
        for old in bindings[action] ?? [] where !keys.contains(old) { lookup[scope]?[old] = nil }
        bindings[action] = keys
    }

    /// The names of an action's keys, `/` between them.
    public func keyName(_ action: Action) -> String {
        (bindings[action] ?? []).map(KeyNames.name).joined(separator: "/")
    }

    /// The first key's name for an action (for a dialog's hints, which have little room).
    public func firstKeyName(_ action: Action) -> String {
        (bindings[action] ?? []).first.map(KeyNames.name) ?? ""
    }

    /// Help entries for the given actions, omitting dangerous ones when read-only.
    public func hints(_ actions: [Action], readOnly: Bool) -> [KeyHint] {
        actions.filter { !(readOnly && $0.isDangerous) && !(bindings[$0] ?? []).isEmpty }
            .map { KeyHint(keyName($0), $0.help) }
    }
}

/// Names of keys as the config file and the help screen write them.
public enum KeyNames {
    public static func name(_ key: Key) -> String {
        switch key {
        case .char(" "): return "space"
        case .char(let c): return String(c)
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .backspace: return "Bksp"
        case .delete: return "Del"
        case .insert: return "Ins"
        case .ctrl(let c): return "Ctrl-" + String(c).uppercased()
        case .function(let n): return "F\(n)"
        }
    }

    /// Parses a config key name: a single character, `space`, `enter`, `esc`, `tab`, `up`,
    /// `down`, `left`, `right`, `pgup`, `pgdn`, `home`, `end`, `hash`, `comma`, `ctrl-X` (a letter
    /// other than h, i, j, m, which terminals send as Backspace, Tab and Enter), `f1`…`f24`.
    public static func parse(_ text: String) -> Key? {
        let lower = text.lowercased()
        switch lower {
        case "space": return .char(" ")
        case "enter", "return": return .enter
        case "esc", "escape": return .escape
        case "tab": return .tab
        case "backtab", "s-tab", "shift-tab": return .backTab
        case "up": return .up
        case "down": return .down
        case "left": return .left
        case "right": return .right
        case "pgup", "pageup": return .pageUp
        case "pgdn", "pagedown": return .pageDown
        case "home": return .home
        case "end": return .end
        case "backspace", "bksp": return .backspace
        case "delete", "del": return .delete
        case "insert", "ins": return .insert
        case "hash": return .char("#")  // `#` alone would start a comment in the config file
        case "comma": return .char(",")  // `,` separates keys
        default: break
        }
        // Ctrl-H, Ctrl-I, Ctrl-J and Ctrl-M arrive as Backspace, Tab and Enter: never as themselves.
        if lower.hasPrefix("ctrl-"), lower.utf8.count == 6, let c = lower.last, c.isASCII, c.isLetter,
           !"hijm".contains(c) { return .ctrl(c) }
        if lower.hasPrefix("f"), lower.utf8.count <= 3, lower.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }),
           let n = Int(lower.dropFirst()), (1...24).contains(n) { return .function(n) }
        if text.count == 1, let c = text.first, c.isASCII, !c.isWhitespace, c.asciiValue! >= 0x21, c.asciiValue! < 0x7F { return .char(c) }
        return nil
    }
}
