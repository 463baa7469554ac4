import Foundation
import Testing

/// The README's Quickstart, run as written (its one shell block, `swift run warden` being the
/// built binary), on every backend: `WARDEN_DB` is the only line changed, to this test's store.
@Suite("README quickstart")
struct QuickstartTests {
    /// The shell block under `## Quickstart`.
    static func script() throws -> String {
        let readme = try String(contentsOf: WardenBinary.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "\n## Quickstart\n"), "README.md has no Quickstart section")
        let rest = readme[section.upperBound...]
        let open = try #require(rest.range(of: "```sh\n"))
        let close = try #require(rest[open.upperBound...].range(of: "\n```"))
        return String(rest[open.upperBound..<close.lowerBound])
    }

    @Test(arguments: TestBackend.all)
    func theQuickstartWorksAsWritten(backend: TestBackend) throws {
        let s = try Sandbox(backend)
        var lines = try Self.script().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let store = try #require(lines.firstIndex { $0.hasPrefix("export WARDEN_DB=") }, "the quickstart sets WARDEN_DB")
        lines[store] = "export WARDEN_DB='\(s.db)'"
        let body = lines.joined(separator: "\n").replacingOccurrences(of: "swift run warden", with: "warden")
        #expect(!body.contains("swift "), "every step runs the binary")
        let file = try s.write("quickstart.sh", "warden() { '\(WardenBinary.path)' \"$@\"; }\n" + body + "\n")

        let r = try WardenProcess.run(["-c", ". '\(file)'"], executable: "/bin/sh",
                                      environment: ["PATH": "/usr/bin:/bin", "HOME": s.folder.path, "LANG": "C.UTF-8",
                                                    "WARDEN_OPERATOR": "e2e-tester"],
                                      stdin: nil, in: s.folder)
        #expect(r.status == 0, "\(r)")
        // Steps 6 and 8, as the README says they print.
        let decisions = r.stdout.split(separator: "\n").filter { $0 == "allow" || $0.hasPrefix("deny: ") }
        #expect(decisions == ["allow", "deny: out_of_scope", "deny: ancestor_revoked"], "\(r)")
        #expect(r.stdout.contains("exit 3"), "\(r)")
        // Step 4's widening is refused, naming the scope.
        #expect(r.stderr.contains("github/delete_repo"), "\(r)")
        // Step 7: the tree before and after the cascade.
        #expect(r.stdout.contains("issue-labeler"))
        #expect(r.stdout.contains("2 agents and 1 credential revoked"), "\(r)")
        // Step 9, and the store it left: the journal verifies, the sub-agent is revoked.
        let audit = try s.ok("audit", "--verify")
        #expect(audit.stdout.hasPrefix("intact"), "\(audit)")
        let labeler = try s.ok("agent", "show", "issue-labeler", "--json").jsonObject()
        #expect(labeler["status"] as? String == "revoked")
    }
}
