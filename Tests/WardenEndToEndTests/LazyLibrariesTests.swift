import Foundation
import Testing

/// Issue 17, item 5: every library `warden` is linked with is mapped and bound at each start, and
/// `warden authorize` runs once per tool call. libpq, libcurl and libmicrohttpd (with GnuTLS,
/// LDAP, Kerberos, … behind them) are loaded only by the commands that use them.
@Suite("libpq, libcurl and libmicrohttpd loaded when needed")
struct LazyLibrariesTests {
    static let lazy = ["libpq", "libcurl", "libmicrohttpd"]
    /// What those three alone brought in.
    static let theirChains = ["libgnutls", "libldap", "libgssapi_krb5", "libssh2", "libnghttp2"]

    static func output(_ tool: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(tool) \(args.joined(separator: " ")) failed:\n\(text)")
        return text
    }

    @Test func theBinaryHasNoNeededEntryForThem() throws {
        let needed = try Self.output("/usr/bin/readelf", ["-d", WardenBinary.path])
            .split(separator: "\n").filter { $0.contains("(NEEDED)") }
        // SQLite is linked: proves the listing is of the real binary's needs.
        #expect(needed.contains { $0.contains("libsqlite3") }, "\(needed)")
        let lazyNeeded = needed.filter { line in Self.lazy.contains { line.contains($0 + ".so") } }
        #expect(lazyNeeded.isEmpty, "warden needs: \(lazyNeeded.joined(separator: "; "))")

        let loaded = try Self.output("/usr/bin/ldd", [WardenBinary.path]).split(separator: "\n")
        let chain = loaded.filter { line in (Self.lazy + Self.theirChains).contains { line.contains($0 + ".so") } }
        #expect(chain.isEmpty, "ldd warden: \(chain.joined(separator: "; "))")
    }

    /// A decision on a SQLite store opens none of them (the loader's own trace of every file it
    /// opens, `LD_DEBUG=files`): no static initialiser or eager path loads them after all.
    @Test func aDecisionOnASQLiteStoreLoadsNoneOfThem() throws {
        let s = try Sandbox(.sqlite)
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:alice@acme.example")
        try s.ok("agent", "register", "reader", "--by", "user:alice@acme.example", "--scopes", "github/get_*", "--ttl", "1h")
        let secret = try s.ok("token", "issue", "reader").stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let r = try s.run(["authorize", "--token", secret, "--tool", "github/get_issue"], environment: ["LD_DEBUG": "files"])
        #expect(r.status == 0 && r.stdout == "allow\n", "\(r)")
        let opened = r.stderr.split(separator: "\n").filter { $0.contains("file=") }
        #expect(opened.contains { $0.contains("file=libsqlite3") }, "no loader trace: \(r.stderr.prefix(2000))")
        let lazyOpened = opened.filter { line in Self.lazy.contains { line.contains("file=" + $0) } }
        #expect(lazyOpened.isEmpty, "authorize loaded: \(lazyOpened.joined(separator: "; "))")
    }
}
