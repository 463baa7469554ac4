import Foundation
import WardenPostgres

/// A fresh, empty PostgreSQL database on the server `$WARDEN_TEST_POSTGRES` names (a libpq URI of
/// a database the tests may create databases from), dropped when its owner lets go of it.
public final class TempPostgresDatabase: @unchecked Sendable {
    /// The server's URI from the environment; nil when tests have no PostgreSQL to use.
    public static var serverURI: String? {
        ProcessInfo.processInfo.environment["WARDEN_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public let name: String
    /// A libpq URI of the new database.
    public let uri: String
    private let serverURI: String

    /// Creates `warden_test_<random>` on the server (`WARDEN_TEST_POSTGRES` must be set).
    public init(serverURI: String) throws {
        self.serverURI = serverURI
        name = "warden_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        uri = Self.uri(serverURI, database: name)
        try PostgresAdmin.createDatabase(name, server: serverURI)
    }

    deinit { try? PostgresAdmin.dropDatabase(name, server: serverURI) }

    /// `server` with its database replaced by `database` (URI form: the path names the database).
    static func uri(_ server: String, database: String) -> String {
        guard let scheme = server.range(of: "://") else { return server + " dbname=" + database }
        let rest = server[scheme.upperBound...]
        let pathStart = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let queryStart = rest[pathStart...].firstIndex(of: "?") ?? rest.endIndex
        return String(server[..<pathStart]) + "/" + database + String(rest[queryStart...])
    }
}
