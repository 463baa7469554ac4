import Foundation
import Testing

/// The server the PostgreSQL tests may create databases on; nil when there is none.
let testPostgresServer: String? = ProcessInfo.processInfo.environment["WARDEN_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

/// A store backend the end-to-end flows run on: SQLite always, PostgreSQL when
/// `WARDEN_TEST_POSTGRES` names a server. A flow takes one as its argument and makes its
/// sandbox with it, so the same test proves both backends.
enum TestBackend: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static var all: [TestBackend] { [.sqlite] + (testPostgresServer == nil ? [] : [.postgres]) }

    var testDescription: String { self == .sqlite ? "SQLite" : "PostgreSQL" }
}

/// A database made with `psql` for one test on the server `$WARDEN_TEST_POSTGRES` names, and
/// dropped (connections and all) when it is let go of: tests run in parallel, each on its own.
final class TestDatabase: @unchecked Sendable {
    let name = "warden_e2e_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    let server: String

    init(server: String) throws {
        self.server = server
        try Self.psql(server, "CREATE DATABASE \(name)")
    }

    deinit { try? Self.psql(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }

    /// The server's URI naming this database, with `userInfo` (`user:password@`) when given.
    func uri(userInfo: String = "") -> String {
        guard let scheme = server.range(of: "://") else { return server }
        let rest = server[scheme.upperBound...]
        let pathStart = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let query = rest[pathStart...].firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
        return String(server[..<scheme.upperBound]) + userInfo + String(rest[..<pathStart]) + "/" + name + query
    }

    struct Failed: Error, CustomStringConvertible {
        let sql: String
        var description: String { "psql failed: \(sql)" }
    }

    static func psql(_ uri: String, _ sql: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        p.arguments = ["-qX", "-v", "ON_ERROR_STOP=1", uri, "-c", sql]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        if p.terminationStatus != 0 { throw Failed(sql: sql) }
    }
}
