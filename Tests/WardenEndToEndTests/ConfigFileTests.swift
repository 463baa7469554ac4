import Foundation
import Testing

/// The config file every command reads: `db =` names the store (after `--db` and `$WARDEN_DB`),
/// and a key no module owns is an error with `file:line`.
@Suite("config file")
struct ConfigFileTests {
    /// A sandbox whose `$HOME/.config/warden/config` holds `text`.
    func sandbox(config text: String) throws -> Sandbox {
        let s = try Sandbox()
        let folder = s.folder.appendingPathComponent(".config/warden")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try text.write(to: folder.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        return s
    }

    @Test func dbInTheConfigFileIsTheStoreOfEveryCommand() throws {
        let s = try sandbox(config: "# where the store lives\ndb = \(try Sandbox().db)\n")
        let configured = try String(contentsOf: s.folder.appendingPathComponent(".config/warden/config"), encoding: .utf8)
            .split(separator: "\n").last!.split(separator: "=").last!.trimmingCharacters(in: .whitespaces)
        let created = try s.run(["init", "--trust-domain", "config.example"], useDB: false)
        #expect(created.status == 0, "\(created)")
        #expect(FileManager.default.fileExists(atPath: configured), "init did not create the configured store")
        #expect(try s.run(["principal", "add", "user:ann@config.example"], useDB: false).status == 0)
        let listed = try s.run(["--json", "principal", "ls"], useDB: false)
        #expect(try listed.jsonArray().map { $0["id"] as? String } == ["user:ann@config.example"], "\(listed)")
        let decided = try s.run(["authorize", "--token-env", "T", "--tool", "github/get_issue"],
                                environment: ["T": "wdn_" + String(repeating: "A", count: 43)], useDB: false)
        #expect(decided.status == 3 && decided.stdout.contains("unknown_credential"), "\(decided)")
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: configured).deletingLastPathComponent().deletingLastPathComponent().path)
    }

    @Test func flagThenEnvironmentThenConfigFile() throws {
        let s = try sandbox(config: "db = \(FileManager.default.temporaryDirectory.path)/warden-e2e-absent-\(UUID().uuidString)/w.db\n")
        // --db wins over the file (the sandbox's own store).
        #expect(try s.run("init").status == 0)
        #expect(try s.run(["principal", "ls"]).status == 0)
        // $WARDEN_DB wins over the file too.
        let viaEnv = try s.run(["principal", "ls"], environment: ["WARDEN_DB": s.db], useDB: false)
        #expect(viaEnv.status == 0, "\(viaEnv)")
        // The file alone: its store does not exist, and the error names it.
        let viaFile = try s.run(["principal", "ls"], useDB: false)
        #expect(viaFile.status == 2 && viaFile.stderr.contains("warden-e2e-absent-"), "\(viaFile)")
    }

    @Test func unknownKeyIsAnErrorWithFileAndLine() throws {
        let s = try sandbox(config: "theme = default\n\ndatabase = /tmp/x.db\n")
        let r = try s.run(["principal", "ls"], useDB: false)
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains(".config/warden/config:3: unknown setting 'database'"), "\(r)")
        // A command that finds its store by --db reads no config file at all (the hot path).
        #expect(try s.run("init").status == 0)
        #expect(try s.run(["principal", "ls"]).status == 0)
    }
}
