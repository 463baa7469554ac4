import Foundation
import Testing

/// Usage errors, help, global options, ID resolution, and what reaches the terminal.
@Suite("command line")
struct CommandLineTests {
    @Test(arguments: [
        (["agent", "register", "x", "--by", "p", "--scopes", "a/b", "--bogus"], "unknown option '--bogus'"),
        (["agent", "register", "x", "--by"], "--by needs a value"),
        (["agent", "register", "x", "--scopes", "a/b"], "missing --by"),
        (["agent", "ls", "extra"], "unexpected argument 'extra'"),
        (["agent", "show"], "missing ID"),
        (["narrow", "x", "--drop", "a/b", "--keep", "a/b"], "only one of --drop or --keep"),
        (["narrow", "x"], "give one of --drop or --keep"),
        (["agent", "register", "x", "--by", "p", "--scopes", "github/get *"], "invalid scope"),
        (["agent", "register", "x", "--by", "p", "--scopes", "a/b", "--ttl", "soon"], "invalid duration 'soon'"),
        (["calls", "--limit", "0"], "--limit"),
        (["authorize", "--token", "t", "--tool", "nodelimiter"], "SERVER/TOOL"),
        (["principal", "add", "alice"], "principal ID"),
        (["frobnicate"], "unknown command 'frobnicate'"),
        (["agent"], "'agent' needs a subcommand"),
        (["agent", "fly"], "unknown subcommand 'fly'"),
        (["--db"], "--db needs a value"),
        (["tree", "--json=yes"], "--json takes no value"),
    ])
    func usageErrorsExitOneWithUsage(args: [String], message: String) throws {
        let s = try Sandbox()
        let r = try s.run(args)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.hasPrefix("warden: "), "\(r)")
        #expect(r.stderr.contains(message), "\(r)")
        #expect(r.stderr.contains("Usage: warden"), "\(r)")
        #expect(r.stdout.isEmpty)
    }

    @Test func helpAndVersion() throws {
        let s = try Sandbox()
        let top = try s.ok("--help")
        for command in ["init", "import FILE", "principal add ID", "agent register NAME --by ID --scopes LIST",
                        "tree [ID]", "token issue [AGENT]", "revoke ID", "narrow AGENT (--drop LIST | --keep LIST)",
                        "authorize", "calls", "audit head"] {
            #expect(top.stdout.contains(command), "top usage lacks \(command)")
        }
        // `warden` alone opens the dashboard: it needs a store, then a terminal.
        let noStore = try s.run([])
        #expect(noStore.status == 2)
        #expect(noStore.stderr.contains("warden init"))
        try s.ok("init")
        let noTTY = try s.run([])
        #expect(noTTY.status == 2)
        #expect(noTTY.stderr.contains("needs a terminal"), "\(noTTY)")

        let page = try s.ok("agent", "register", "--help")
        #expect(page.stdout.hasPrefix("Usage: warden agent register NAME --by ID --scopes LIST [--ttl DUR]"))
        #expect(page.stdout.contains("--ttl DUR"))
        // Global options are accepted after the command words too.
        let after = try s.ok("token", "ls", "--help")
        #expect(after.stdout.hasPrefix("Usage: warden token ls"))
        let viaHelp = try s.ok("help", "narrow")
        #expect(viaHelp.stdout.hasPrefix("Usage: warden narrow AGENT (--drop LIST | --keep LIST)"))
        let group = try s.ok("help", "token")
        #expect(group.stdout.contains("token issue [AGENT]"))
        #expect(group.stdout.contains("token ls"))
        let version = try s.ok("--version")
        #expect(version.stdout.hasPrefix("warden "))
    }

    @Test func missingStoreIsARuntimeError() throws {
        let s = try Sandbox()
        let r = try s.run("agent", "ls")
        #expect(r.status == 2)
        #expect(r.stderr.contains("warden init"))
        let again = try s.run("init")
        #expect(again.status == 0)
        let twice = try s.run("init")
        #expect(twice.status == 2, "\(twice)")
    }

    @Test func storeLocationFromEnvironmentAndModes() throws {
        let s = try Sandbox()
        let envDB = s.folder.appendingPathComponent("from-env/w.db").path
        let r = try s.run(["init", "--trust-domain", "env.example"], environment: ["WARDEN_DB": envDB], useDB: false)
        #expect(r.status == 0, "\(r)")
        #expect(FileManager.default.fileExists(atPath: envDB))
        // XDG_DATA_HOME when neither --db nor WARDEN_DB is given.
        let xdg = s.folder.appendingPathComponent("xdg")
        let x = try s.run(["init"], environment: ["XDG_DATA_HOME": xdg.path], useDB: false)
        #expect(x.status == 0, "\(x)")
        let xdgDB = xdg.appendingPathComponent("warden/warden.db").path
        #expect(FileManager.default.fileExists(atPath: xdgDB))

        // --db given after the command words wins over the environment.
        try s.ok("init", "--trust-domain", "acme.example")
        let file = try FileManager.default.attributesOfItem(atPath: s.db)
        let folder = try FileManager.default.attributesOfItem(atPath: (s.db as NSString).deletingLastPathComponent)
        #expect((file[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect((folder[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        for path in [envDB, xdgDB] {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
        }
    }

    @Test func secretsAreNeverEchoedInErrors() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        let secret = "wdn_" + String(repeating: "Z", count: 43)
        for args in [["revoke", secret], ["agent", "show", secret], ["authorize", "--token", secret, "--tool", "bad"],
                     ["authorize", "--token=\(secret)", "--tool", "x/y", secret], ["token", "ls", "--agent", secret]] {
            let r = try s.run(args)
            #expect(r.status != 0)
            #expect(!r.stderr.contains(secret) && !r.stdout.contains(secret), "\(args[0]): \(r)")
        }
    }

    @Test func untrustedTextIsSanitizedForTheTerminal() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:mallory@acme.example", "--name", "Mal\u{1b}[2Jlory\u{202e}txt.exe\u{7}")
        let ls = try s.ok("principal", "ls")
        #expect(!ls.stdout.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0x202e || $0.value == 0x07 })
        #expect(ls.stdout.contains("Mal␛[2Jlory\u{FFFD}txt.exe␇"))
        // JSON keeps the exact text, escaped.
        let json = try s.ok("principal", "ls", "--json").jsonArray()
        #expect(json.first?["name"] as? String == "Mal\u{1b}[2Jlory\u{202e}txt.exe\u{7}")
    }
}
