import Foundation
import Glibc
import Testing
import WardenCore
import WardenStore
@testable import WardenMCP

/// Issue 11 §3: the governed server can neither read the Warden secret nor find the store.
/// The real `warden mcp-proxy` binary, with the server as its direct child.
@Suite(.serialized, .enabled(if: Built.wardenHasMCPProxy))
struct ProxySecretTests {
    static let scopes = "github/get_*,github/peek_parent,github/environment"

    func start(_ fleet: Fleet, env: [String: String] = [:], tokenArgs: [String]? = nil, extraArgs: [String] = [],
               stdinFirst: [UInt8] = []) throws -> Session {
        try Session(fleet, mode: .binary, serverEnv: env, serverCommand: SDKServer.command, tokenArgs: tokenArgs,
                    extraArgs: extraArgs, stdinFirst: stdinFirst)
    }

    /// The server's view of its parent: `/proc/PPID/environ` and `/proc/PPID/mem`.
    func peek(_ s: Session) throws -> JSONValue {
        let text = try #require(s.call("peek_parent")?.toolText)
        return try JSONParser.parse(text)
    }

    @Test func theServerCannotReadTheSecretFromTheProxysEnvironment() throws {
        let fleet = try Fleet(botScopes: Self.scopes)
        let s = try start(fleet)
        s.initialize()
        let seen = try peek(s)
        #expect(s.finish() == 0)
        let environ = seen["environ"]?.string ?? ""
        #expect(!environ.contains(fleet.token.secret), "the server read the secret in /proc/PPID/environ")
        #expect(!environ.contains(String(fleet.token.secret.dropFirst(4))))
        if getuid() != 0 {
            // Non-dumpable: another process of the same user can read neither file.
            #expect(seen["environ"] == nil, "\(seen)")
            #expect(seen["mem"] == nil, "\(seen)")
        }
    }

    @Test func theServerGetsNoWardenVariablesUnlessAsked() throws {
        let fleet = try Fleet(botScopes: Self.scopes)
        let env = ["WARDEN_DB": fleet.path, "WARDEN_OPERATOR": "ops", "WARDEN_ANYTHING": "x", "KEEP_ME": "1"]
        let s = try start(fleet, env: env)
        s.initialize()
        let names = try JSONParser.parse(try #require(s.call("environment")?.toolText)).array?.compactMap(\.string) ?? []
        #expect(s.finish() == 0)
        #expect(names.contains("KEEP_ME"))
        #expect(!names.contains { $0.hasPrefix("WARDEN_") }, "\(names.filter { $0.hasPrefix("WARDEN") })")

        let asked = try Fleet(botScopes: Self.scopes)
        let t = try start(asked, env: env, extraArgs: ["--pass-env", "WARDEN_OPERATOR"])
        t.initialize()
        let passed = try JSONParser.parse(try #require(t.call("environment")?.toolText)).array?.compactMap(\.string) ?? []
        #expect(t.finish() == 0)
        #expect(passed.contains("WARDEN_OPERATOR"))
        #expect(!passed.contains("WARDEN_DB") && !passed.contains("WARDEN_TOKEN"))
    }

    @Test func theSecretCanComeFromAFileOrStdin() throws {
        let fleet = try Fleet(botScopes: Self.scopes)
        let file = fleet.folder + "/token"
        _ = FileManager.default.createFile(atPath: file, contents: Data((fleet.token.secret + "\n").utf8),
                                       attributes: [.posixPermissions: 0o600])
        let s = try start(fleet, env: ["WARDEN_TOKEN": ""], tokenArgs: ["--token-file", file])
        s.initialize()
        #expect(s.call("get_issue", [("number", .int(1))])?.toolText == "issue 1: open")
        #expect(s.finish() == 0)

        let piped = try Fleet(botScopes: Self.scopes)
        let t = try start(piped, env: ["WARDEN_TOKEN": ""], tokenArgs: ["--token", "-"],
                          stdinFirst: Array((piped.token.secret + "\n").utf8))
        t.initialize()
        #expect(t.call("get_issue", [("number", .int(2))])?.toolText == "issue 2: open")
        let seen = try peek(t)
        #expect(t.finish() == 0)
        let environ = seen["environ"]?.string ?? ""
        #expect(!environ.contains(piped.token.secret))
    }

    @Test func aTokenOnTheCommandLineIsWipedFromTheProxysArguments() throws {
        let fleet = try Fleet(botScopes: Self.scopes)
        let s = try start(fleet, tokenArgs: ["--token", fleet.token.secret])
        s.initialize()
        let seen = try peek(s)
        #expect(s.finish() == 0)
        let cmdline = try #require(seen["cmdline"]?.string)
        #expect(cmdline.contains("mcp-proxy"))
        #expect(!cmdline.contains(fleet.token.secret), "the secret is still in /proc/PPID/cmdline")
    }

    /// `warden mcp-proxy ARGS -- server` run to its end with no client input.
    func runProxy(_ fleet: Fleet, _ args: [String], env extra: [String: String] = [:]) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Built.warden)
        p.arguments = ["--db", fleet.path, "mcp-proxy"] + args + ["--", Built.testServer]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        p.environment = env
        let out = fleet.folder + "/out-\(UUID().uuidString)", err = fleet.folder + "/err-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    @Test func aSecretGivenToTokenEnvIsNeverEchoed() throws {
        let fleet = try Fleet()
        let secret = fleet.token.secret
        let (code, out, err) = try runProxy(fleet, ["--token-env", secret])
        #expect(code == 1)
        #expect(!out.contains(secret) && !err.contains(secret), "\(err)")
        #expect(!err.contains(String(secret.dropFirst(4).prefix(12))))
        #expect(err.contains("--token-env"))
    }

    @Test func aTokenFileOthersCanReadIsRefused() throws {
        let fleet = try Fleet()
        let file = fleet.folder + "/token"
        _ = FileManager.default.createFile(atPath: file, contents: Data(fleet.token.secret.utf8),
                                       attributes: [.posixPermissions: 0o644])
        let (code, out, err) = try runProxy(fleet, ["--token-file", file])
        #expect(code == 1)
        #expect(err.contains(file) && err.contains("chmod 600"), "\(err)")
        #expect(!out.contains(fleet.token.secret) && !err.contains(fleet.token.secret))
    }

    @Test func tokenOnTheCommandLineWarns() throws {
        let fleet = try Fleet()
        let (code, _, err) = try runProxy(fleet, ["--token", fleet.token.secret])
        #expect(code == 0)
        #expect(err.contains("warning") && err.contains("--token-file"), "\(err)")
        #expect(!err.contains(fleet.token.secret))
    }
}
