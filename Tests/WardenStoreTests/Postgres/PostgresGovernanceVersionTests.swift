import Testing
import WardenCore
import WardenStore
import WardenTestSupport
@testable import WardenPostgres

/// The counter a decision is reused under cannot be frozen or set back: whatever an UPDATE of
/// `governed_state` says (an operator may update the row; a gate may not at all), the owner's
/// trigger makes it one more, so a stale decision can never be made to stick.
@Suite("PostgreSQL governance version", .enabled(if: TempPostgresDatabase.serverURI != nil, "WARDEN_TEST_POSTGRES is not set"))
struct PostgresGovernanceVersionTests {
    @Test func everyUpdateOfTheRowAddsOneWhateverItSays() throws {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let s = try #require(try PostgresBackend(uri: db.uri).create(trustDomain: "acme.example") as? PostgresStore)
        func counter() throws -> Int64 { try s.connection.query("SELECT version FROM governed_state WHERE id = 1")[0].int64(0) }
        let v0 = try counter()
        #expect(try s.governanceVersion() == GovernanceVersion(counter: v0))
        // Frozen: the digest written back as it was, the counter as it was.
        try s.connection.run("UPDATE governed_state SET digest = digest, version = version WHERE id = 1")
        #expect(try counter() == v0 + 1)
        // Set back.
        try s.connection.run("UPDATE governed_state SET version = 0 WHERE id = 1")
        #expect(try counter() == v0 + 2)
        // A governed statement moves it through the digest's triggers.
        _ = try s.addPrincipal(id: "user:alice@acme.example", kind: .human, name: "Alice", scopes: .everything, m())
        #expect(try counter() > v0 + 2)
        // The gate role reads the row and has no write on it.
        #expect(!PostgresRoles.sql.contains("ON governed_state TO \(PostgresRoles.gateRole)"))
    }
}
