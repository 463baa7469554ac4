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

    @Test func theBinaryHasNoNeededEntryForThem() throws {
        let needed = try toolOutput("/usr/bin/readelf", ["-d", WardenBinary.path])
            .split(separator: "\n").filter { $0.contains("(NEEDED)") }
        // SQLite is linked: proves the listing is of the real binary's needs.
        #expect(needed.contains { $0.contains("libsqlite3") }, "\(needed)")
        let lazyNeeded = needed.filter { line in Self.lazy.contains { line.contains($0 + ".so") } }
        #expect(lazyNeeded.isEmpty, "warden needs: \(lazyNeeded.joined(separator: "; "))")

        let loaded = try toolOutput("/usr/bin/ldd", [WardenBinary.path]).split(separator: "\n")
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

    /// Runs `warden ARGS…` in its own mount namespace where `library` (a soname) is an empty
    /// file: the library is there but cannot be loaded, as on a host without its package.
    static func withoutLibrary(_ library: String, _ s: Sandbox, _ args: [String]) throws -> RunResult {
        let cache = try toolOutput("/sbin/ldconfig", ["-p"])
        let line = try #require(cache.split(separator: "\n").first { $0.contains(library + " (") && $0.contains("x86-64") },
                                "\(library) is not in the loader's cache")
        let path = try #require(line.split(separator: " ").last.map(String.init))
        // Bounded: a `serve` that did start would otherwise never end.
        let script = "mount --bind /dev/null \"$1\" && shift && exec /usr/bin/timeout 60 \"$@\""
        return try WardenProcess.run(["-m", "sh", "-c", script, "sh", path, WardenBinary.path] + args, executable: "/usr/bin/unshare",
                                     environment: ["PATH": "/usr/bin:/bin", "HOME": s.folder.path, "LANG": "C.UTF-8"],
                                     stdin: nil, in: s.folder)
    }

    static var canHideLibraries: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") }

    /// Without libpq, a PostgreSQL store is a problem the command reports, naming the package.
    @Test(.enabled(if: canHideLibraries, "hiding a library needs root and unshare"))
    func aMissingLibpqIsTheCommandsErrorNamingThePackage() throws {
        let s = try Sandbox(.sqlite)
        let r = try Self.withoutLibrary("libpq.so.5", s, ["--db", "postgresql:///warden?host=/nonexistent-warden-socket", "doctor"])
        #expect(r.status != 0, "\(r)")
        #expect(r.stdout.contains("PostgreSQL client library libpq (libpq.so.5) cannot be loaded"), "\(r)")
        #expect(r.stdout.contains("install the Debian package libpq5"), "\(r)")
    }

    /// Without libpq, a decision on a PostgreSQL store denies at once: a missing library is not
    /// an outage that waiting `store_timeout` could see through.
    @Test(.enabled(if: canHideLibraries, "hiding a library needs root and unshare"))
    func aMissingLibpqDeniesADecisionWithoutRetrying() throws {
        let s = try Sandbox(.sqlite)
        let r = try Self.withoutLibrary("libpq.so.5", s, ["--db", "postgresql:///warden?host=/nonexistent-warden-socket",
                                                          "authorize", "--token", "wdn_0123456789abcdef", "--tool", "github/get_issue"])
        #expect(r.status == 3, "\(r)")
        #expect(r.stdout.contains("deny: store_unavailable"), "\(r)")
        #expect(r.stderr.contains("was not retried"), "\(r)")
        #expect(r.stderr.contains("install the Debian package libpq5"), "\(r)")
    }

    /// Without libmicrohttpd, `warden serve` stops at start, naming the package.
    @Test(.enabled(if: canHideLibraries, "hiding a library needs root and unshare"))
    func aMissingLibmicrohttpdStopsServeNamingThePackage() throws {
        let s = try Sandbox(.sqlite)
        try s.ok("init", "--trust-domain", "acme.example")
        let r = try Self.withoutLibrary("libmicrohttpd.so.12", s, ["--db", s.db, "serve", "--listen", "127.0.0.1:0"])
        #expect(r.status != 0, "\(r)")
        #expect(r.stderr.contains("HTTP server library libmicrohttpd (libmicrohttpd.so.12) cannot be loaded"), "\(r)")
        #expect(r.stderr.contains("install the Debian package libmicrohttpd12"), "\(r)")
    }
}
