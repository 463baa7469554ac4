import Testing
import TerminalUI
import WardenConfig
import WardenCore
@testable import WardenDashboard

@Suite struct ConfigTests {
    @Test func emptyFileGivesDefaults() throws {
        let c = try parseDashboardConfig("", file: "config")
        #expect(c.theme == nil && c.refreshMs == 250 && c.environment == nil && c.environmentColor == nil)
        #expect(!c.readOnly && c.operatorName == nil && c.policy == Policy.standard)
        #expect(c.keyMap.bindings == KeyMap.defaults.bindings)
    }

    @Test func readsEverySetting() throws {
        let text = """
        # Warden config
          # indented comment
        theme = solarized-dark   # my favourite
        refresh_ms = 500
        environment = prod eu-west
        environment_color = #ff5f00
        read_only = true
        operator = alice@example.com
        policy.max_credential_ttl = 8h
        policy.max_depth = 3
        policy.stale_instance = 90s
        policy.unused_scopes = 14d
        policy.renew_grace = 5s
        policy.retain_calls = 90d
        policy.retain_instances = 2d
        \tkey.quit\t=\tQ
        """
        let c = try parseDashboardConfig(text, file: "config")
        #expect(c.theme == "solarized-dark")
        #expect(c.refreshMs == 500)
        #expect(c.environment == "prod eu-west")
        #expect(c.environmentColor == .rgb(0xff, 0x5f, 0))
        #expect(c.readOnly)
        #expect(c.operatorName == "alice@example.com")
        #expect(c.policy == Policy(maxCredentialTTLMs: 8 * 3_600_000, maxDepth: 3, staleInstanceMs: 90_000, unusedScopeMs: 14 * 86_400_000,
                                  renewGraceMs: 5_000, retainCallsMs: 90 * 86_400_000, retainInstancesMs: 2 * 86_400_000))
        #expect(c.keyMap.bindings[.quit] == [.char("Q")])
    }

    @Test func asciiForcesTheASCIIGlyphs() throws {
        #expect(try parseDashboardConfig("", file: "config").ascii == false)
        #expect(try parseDashboardConfig("ascii = true\n", file: "config").ascii == true)
        #expect(throws: FileError.self) { try parseDashboardConfig("ascii = yes\n", file: "config") }
    }

    @Test func crlfConfig() throws {
        let c = try parseDashboardConfig("theme = light\r\nrefresh_ms = 100\r\n", file: "config")
        #expect(c.theme == "light" && c.refreshMs == 100)
        #expect(try parseDashboardConfig("environment_color = 33\r\n", file: "c").environmentColor == .ansi(33))
    }

    @Test func keyRemapRebindsAndFreesTheOldKey() throws {
        let c = try parseDashboardConfig("key.revoke = X\n", file: "config")
        #expect(c.keyMap.bindings[.revoke] == [.char("X")])
        #expect(c.keyMap.action(for: .char("X"), readOnly: false) == .revoke)
        #expect(c.keyMap.action(for: .char("x"), readOnly: false) == nil)
        #expect(c.keyMap.action(for: .char("X"), readOnly: true) == nil)
        #expect(c.keyMap.keyName(.revoke) == "X")
        // Taking another action's key moves it; the old owner keeps its other keys.
        let moved = try parseDashboardConfig("key.filter = q, ctrl-f\nkey.narrow = x\n", file: "config")
        #expect(moved.keyMap.action(for: .char("q"), readOnly: false) == .filter)
        #expect(moved.keyMap.action(for: .ctrl("f"), readOnly: false) == .filter)
        #expect(moved.keyMap.action(for: .char("/"), readOnly: false) == nil)
        #expect(moved.keyMap.bindings[.quit] == [.ctrl("c")])
        #expect(moved.keyMap.action(for: .char("x"), readOnly: false) == .narrow)
        #expect(moved.keyMap.action(for: .char("n"), readOnly: false) == nil)
        // Named keys, duplicates dropped, `hash` and `comma` for the characters the format uses.
        let named = try parseDashboardConfig("key.help = F1, f1, hash\nkey.top = Home, comma\nkey.up = ctrl-p, UP\n", file: "c")
        #expect(named.keyMap.bindings[.help] == [.function(1), .char("#")])
        #expect(named.keyMap.bindings[.top] == [.home, .char(",")])
        #expect(named.keyMap.bindings[.up] == [.ctrl("p"), .up])
    }

    @Test(arguments: [
        ("theme = dark\nfoo = 1", 2, "unknown setting 'foo'"),
        ("\nrefresh_ms = fast", 2, "refresh_ms must be a whole number from 50 to 60000"),
        ("refresh_ms = 10", 1, "refresh_ms must be a whole number from 50 to 60000"),
        ("refresh_ms = 99999999999999999999999", 1, "refresh_ms must be a whole number from 50 to 60000"),
        ("policy.max_credential_ttl = 8 hours", 1, "policy.max_credential_ttl: invalid duration '8 hours': expected a whole number and a unit, e.g. 90s, 15m, 8h, 7d"),
        ("policy.stale_instance = 0s", 1, "policy.stale_instance: invalid duration '0s': expected a whole number and a unit, e.g. 90s, 15m, 8h, 7d"),
        ("policy.unused_scopes = 99999999999999999999d", 1, "policy.unused_scopes: invalid duration '99999999999999999999d': expected a whole number and a unit, e.g. 90s, 15m, 8h, 7d"),
        ("policy.max_depth = 0", 1, "policy.max_depth must be a positive whole number"),
        ("policy.renew_grace = soon", 1, "policy.renew_grace: invalid duration 'soon': expected a whole number and a unit, e.g. 90s, 15m, 8h, 7d"),
        ("\npolicy.renew_grace = 11m", 2, "policy.renew_grace must be at most 10m"),
        ("policy.retain_calls = 30 days", 1, "policy.retain_calls: invalid duration '30 days': expected a whole number and a unit, e.g. 90s, 15m, 8h, 7d"),
        ("policy.retain_calls = 59m", 1, "policy.retain_calls must be at least 1h"),
        ("policy.retain_instances = 10s", 1, "policy.retain_instances must be at least 1h"),
        ("policy.nope = 1", 1, "unknown setting 'policy.nope'"),
        ("read_only = yes please", 1, "read_only must be true or false"),
        ("theme =", 1, "theme needs a name"),
        ("theme = ../../etc/passwd", 1, "bad theme name '../../etc/passwd': letters, digits, - and _"),
        ("operator = ", 1, "operator needs a name"),
        ("environment_color = #12345", 1, "bad color '#12345': expected #rrggbb"),
        ("environment_color = 256", 1, "bad color '256': numbers go from 0 to 255"),
        ("environment_color =", 1, "missing color"),
        ("theme dracula", 1, "expected `key = value`, got 'theme dracula'"),
        ("key.fly = f", 1, "unknown action 'fly' (actions: \(Action.allCases.map(\.rawValue).joined(separator: ", ")))"),
        ("key.quit = ctrl-h", 1, "unknown key 'ctrl-h' (a character, space, hash, comma, enter, esc, tab, up, down, left, right, pgup, pgdn, home, end, ctrl-X, f1…f24)"),
        ("key.quit = f25", 1, "unknown key 'f25' (a character, space, hash, comma, enter, esc, tab, up, down, left, right, pgup, pgdn, home, end, ctrl-X, f1…f24)"),
        ("key.quit = é", 1, "unknown key 'é' (a character, space, hash, comma, enter, esc, tab, up, down, left, right, pgup, pgdn, home, end, ctrl-X, f1…f24)"),
        ("key.quit = #", 1, "key.quit needs a key"),
        ("key.quit = ,", 1, "key.quit needs a key"),
        ("a\u{0}b = 1", 1, "unknown setting 'a␀b'"),
    ]) func errorsNameFileAndLine(text: String, line: Int, message: String) {
        #expect(throws: FileError(file: "/home/a/.config/warden/config", line: line, message: message)) {
            try parseDashboardConfig(text, file: "/home/a/.config/warden/config")
        }
    }

    @Test func configPath() {
        #expect(ConfigFile.path(environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"]) == "/x/warden/config")
        #expect(ConfigFile.path(environment: ["HOME": "/h"]) == "/h/.config/warden/config")
    }

    @Test func keyNames() {
        #expect(KeyNames.parse("space") == .char(" "))
        #expect(KeyNames.parse("Ctrl-C") == .ctrl("c"))
        #expect(KeyNames.parse("F12") == .function(12))
        #expect(KeyNames.parse("F") == .char("F"))
        #expect(KeyNames.parse("f") == .char("f"))
        #expect(KeyNames.parse("ins") == .insert)
        for bad in ["", " ", "ctrl-", "ctrl-1", "ctrl-é", "ctrl-m", "f0", "f+1", "f001", "ab", "\u{7F}", "\u{1B}"] {
            #expect(KeyNames.parse(bad) == nil, "\(bad)")
        }
    }
}

/// The dashboard's settings from a config file's text, read as the CLI reads them: the
/// dashboard's keys and the policy's.
func parseDashboardConfig(_ text: String, file: String) throws(FileError) -> DashboardConfig {
    let f = try ConfigFile.parse(text, path: file, sections: [DashboardConfig.self, PolicySection.self])
    var c = try f.section(DashboardConfig.self)
    c.policy = try f.section(PolicySection.self).policy
    return c
}
