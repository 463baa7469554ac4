import Foundation
import Testing

/// What one run of the binary did.
struct RunResult: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String
    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }

    /// stdout parsed as JSON.
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed])
    }
    func jsonArray(sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        try #require(try json() as? [[String: Any]], "not a JSON array of objects: \(stdout)", sourceLocation: sourceLocation)
    }
    func jsonObject(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        try #require(try json() as? [String: Any], "not a JSON object: \(stdout)", sourceLocation: sourceLocation)
    }
}

/// The built `warden` binary: `$WARDEN_BIN`, else next to the test runner, else `.build/debug/warden`
/// under the package root found from this file's path.
enum WardenBinary {
    static let path: String = {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["WARDEN_BIN"], !env.isEmpty { return env }
        var candidates: [String] = []
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(runner.deletingLastPathComponent().appendingPathComponent("warden").path)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("warden").path)
        candidates.append(packageRoot.appendingPathComponent(".build/debug/warden").path)
        return candidates.first { fm.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()

    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// A temporary folder with its own store; every run passes `--db` to it.
final class Sandbox {
    let folder: URL
    let backend: TestBackend
    /// The store's location: a SQLite file (inside a subfolder, so `init` creates the folder
    /// itself), or the URI of a PostgreSQL database made for this sandbox.
    let db: String
    /// The PostgreSQL database, dropped with the sandbox.
    private let database: TestDatabase?

    init(_ backend: TestBackend = .sqlite) throws {
        self.backend = backend
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("warden-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        switch backend {
        case .sqlite:
            database = nil
            db = folder.appendingPathComponent("store/warden.db").path
        case .postgres:
            let server = try #require(testPostgresServer, "WARDEN_TEST_POSTGRES is not set")
            let made = try TestDatabase(server: server)
            database = made
            db = made.uri()
        }
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// What a foreign writer (the sqlite3 shell) must run before writing governed tables: the
    /// state digest's triggers call functions only Warden's connections have. Fixtures that write
    /// so then accept the drift as an operator would (`acceptFixtureDrift`).
    static let dropDigestTriggers = ["principals", "agents", "credentials"].flatMap { t in
        ["insert", "update", "delete"].map { "DROP TRIGGER IF EXISTS \(t)_digest_\($0);" }
    }.joined(separator: "\n") + "\n"

    /// After a fixture wrote governed rows with straight SQL: the state as it is becomes the
    /// baseline, through the journal (`warden audit accept-drift`).
    func acceptFixtureDrift(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try run("audit", "accept-drift", "--reason", "test fixture written with straight SQL")
        #expect(r.status == 0, "accept-drift failed: \(r)", sourceLocation: sourceLocation)
    }

    /// Runs `warden --db DB ARGS…` with a clean environment.
    @discardableResult
    func run(_ args: [String], environment extra: [String: String] = [:], stdin: String? = nil, useDB: Bool = true) throws -> RunResult {
        var env = [
            "PATH": "/usr/bin:/bin",
            "HOME": folder.path,
            "WARDEN_OPERATOR": "e2e-tester",
            "LANG": "C.UTF-8",
        ]
        for (k, v) in extra { env[k] = v }
        return try WardenProcess.run((useDB ? ["--db", db] : []) + args, environment: env, stdin: stdin, in: folder)
    }

    func run(_ args: String...) throws -> RunResult { try run(args) }

    /// Runs a command that must succeed, failing the test with its output if not.
    @discardableResult
    func ok(_ args: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
        let r = try run(args)
        #expect(r.status == 0, "warden \(args.joined(separator: " ")) failed: \(r)", sourceLocation: sourceLocation)
        return r
    }

    func write(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}

enum WardenProcess {
    /// Runs the binary with stdout and stderr captured through files (no pipe can fill up and stall).
    /// `executable`: another program (a shell running the README's steps) instead of `warden`.
    static func run(_ args: [String], executable: String = WardenBinary.path, environment: [String: String], stdin: String?,
                    in folder: URL) throws -> RunResult {
        let id = UUID().uuidString
        let outURL = folder.appendingPathComponent("out-\(id)")
        let errURL = folder.appendingPathComponent("err-\(id)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        process.environment = environment
        process.currentDirectoryURL = folder
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return RunResult(status: process.terminationStatus,
                         stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}

/// The sample fleet document shipped in `Samples/`.
enum SampleFleet {
    static var path: String { WardenBinary.packageRoot.appendingPathComponent("Samples/acme-fleet.json").path }
    static func text() throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
}
