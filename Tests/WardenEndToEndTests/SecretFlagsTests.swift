import Foundation
import Testing

/// Issue 11 §3: a secret never needs to be in argv. `authorize` takes it from a variable, a file
/// only its owner can read, or stdin; `--token VALUE` still works but warns.
@Suite("secret flags")
struct SecretFlagsTests {
    /// A store with one agent allowed `github/get_*` and its secret.
    func fleet() throws -> (Sandbox, String) {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:alice@acme.example")
        try s.ok("agent", "register", "bot", "--by", "user:alice@acme.example", "--scopes", "github/get_*")
        let secret = try s.ok("token", "issue", "bot").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return (s, secret)
    }

    @Test func authorizeReadsTheSecretFromAFileOrStdin() throws {
        let (s, secret) = try fleet()
        let file = try s.write("token", secret + "\n")
        chmod(file, 0o600)
        let fromFile = try s.run(["authorize", "--token-file", file, "--tool", "github/get_issue"])
        #expect(fromFile.status == 0 && fromFile.stdout == "allow\n", "\(fromFile)")
        #expect(fromFile.stderr.isEmpty)

        let fromStdin = try s.run(["authorize", "--token", "-", "--tool", "github/get_issue"], stdin: secret + "\n")
        #expect(fromStdin.status == 0 && fromStdin.stdout == "allow\n", "\(fromStdin)")
        #expect(fromStdin.stderr.isEmpty)

        let fromEnv = try s.run(["authorize", "--token-env", "MY_TOKEN", "--tool", "github/get_issue"],
                                environment: ["MY_TOKEN": secret])
        #expect(fromEnv.status == 0, "\(fromEnv)")
    }

    @Test func aTokenFileOthersCanReadIsRefused() throws {
        let (s, secret) = try fleet()
        let file = try s.write("token", secret)
        chmod(file, 0o640)
        let r = try s.run(["authorize", "--token-file", file, "--tool", "github/get_issue"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("chmod 600") && r.stderr.contains(file), "\(r)")
        #expect(!r.stderr.contains(secret) && !r.stdout.contains(secret))
    }

    @Test func tokenOnTheCommandLineWorksButWarns() throws {
        let (s, secret) = try fleet()
        let r = try s.run(["authorize", "--token", secret, "--tool", "github/get_issue"])
        #expect(r.status == 0 && r.stdout == "allow\n")
        #expect(r.stderr.contains("warning") && r.stderr.contains("--token-file"), "\(r)")
        #expect(!r.stderr.contains(secret))
    }

    @Test func aSecretGivenToTokenEnvIsNeverEchoed() throws {
        let (s, secret) = try fleet()
        for args in [["authorize", "--token-env", secret, "--tool", "github/get_issue"],
                     ["mcp-proxy", "--token-env", secret, "--", "true"]] {
            let r = try s.run(args)
            #expect(r.status == 1, "\(r)")
            #expect(!r.stderr.contains(secret) && !r.stdout.contains(secret), "\(args[0]): \(r)")
            #expect(!r.stderr.contains(String(secret.dropFirst(4).prefix(12))))
        }
    }

    @Test func toolNamesOutsideTheMCPRuleAreMalformed() throws {
        let (s, secret) = try fleet()
        let long = "get_" + String(repeating: "a", count: 125)
        for tool in ["github/get_ issue", "github/" + long, "github/get_\u{e9}"] {
            let r = try s.run(["authorize", "--token-env", "T", "--tool", tool, "--record"], environment: ["T": secret])
            #expect(r.status == 3, "\(tool): \(r)")
            #expect(r.stdout == "deny: malformed_request\n", "\(tool): \(r)")
        }
        let ok = try s.run(["authorize", "--token-env", "T", "--tool", "github/get_" + String(repeating: "a", count: 124)],
                           environment: ["T": secret])
        #expect(ok.status == 0, "\(ok)")
        let calls = try s.ok("calls", "--denied", "--json").jsonArray()
        #expect(calls.count == 3)
        #expect(calls.allSatisfy { ($0["tool"] as? String).map { $0.count <= 128 } ?? false }, "\(calls)")
    }
}
