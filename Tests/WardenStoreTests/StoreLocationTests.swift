import Testing
import WardenStore

/// `--db`, `$WARDEN_DB` and the config's `db` name a SQLite path or a PostgreSQL URI; a URI's
/// password never reaches what is shown.
@Suite("store location")
struct StoreLocationTests {
    @Test(arguments: [
        "postgresql:///warden?host=/run/pg",
        "postgresql://gate@db.internal/warden?sslmode=verify-full",
        "postgres://u:secret@h/db",
        "postgresql://",
    ])
    func aPostgresURIIsAPostgresLocation(uri: String) {
        #expect(StoreLocation.parse(uri) == .postgres(uri: uri))
        #expect(StoreLocation.parse(uri).connectionString == uri)
    }

    @Test(arguments: [
        "warden.db", "/var/lib/warden/warden.db", "./postgresql/warden.db", "postgresql:/x",
        "postgresql.db", "mysql://h/db", "Postgresql://h/db",
    ])
    func anythingElseIsASQLitePath(path: String) {
        #expect(StoreLocation.parse(path) == .sqlite(path: path))
        #expect(StoreLocation.parse(path).description == path)
    }

    @Test func everySourceOfTheLocationRecognisesAURI() throws {
        let uri = "postgresql:///warden?host=/run/pg"
        let flagged = try StoreLocation.resolve(flag: uri, environment: [:])
        #expect(flagged == .postgres(uri: uri))
        let environment = try StoreLocation.resolve(flag: nil, environment: ["WARDEN_DB": uri])
        #expect(environment == .postgres(uri: uri))
        let configured = StoreLocation.resolve(flag: nil, environment: ["HOME": "/h"], configured: { uri })
        #expect(configured == .postgres(uri: uri))
        let fallback = try StoreLocation.resolve(flag: nil, environment: ["HOME": "/h"])
        #expect(fallback == .sqlite(path: "/h/.local/share/warden/warden.db"))
    }

    @Test(arguments: [
        // No password: shown as given.
        ("postgresql:///warden?host=/run/pg", "postgresql:///warden?host=/run/pg"),
        ("postgresql://gate@db.internal/warden?sslmode=verify-full", "postgresql://gate@db.internal/warden?sslmode=verify-full"),
        ("postgresql://db.internal:5432/warden", "postgresql://db.internal:5432/warden"),
        // In the authority.
        ("postgresql://u:secret@h/db", "postgresql://u:***@h/db"),
        ("postgres://u:secret@h:5433/db?sslmode=require", "postgres://u:***@h:5433/db?sslmode=require"),
        ("postgresql://u:@h/db", "postgresql://u:***@h/db"),
        ("postgresql://:secret@h", "postgresql://:***@h"),
        // A raw `@` or `/` inside the password is still hidden whole.
        ("postgresql://u:se@cr/et@h/db", "postgresql://u:***@h/db"),
        // In the query, any position, key compared decoded and without case.
        ("postgresql:///db?host=/run/pg&password=secret", "postgresql:///db?host=/run/pg&password=***"),
        ("postgresql:///db?password=secret&user=u", "postgresql:///db?password=***&user=u"),
        ("postgresql:///db?pass%77ord=secret", "postgresql:///db?pass%77ord=***"),
        ("postgresql:///db?PASSWORD=secret", "postgresql:///db?PASSWORD=***"),
        ("postgresql:///db?sslpassword=secret", "postgresql:///db?sslpassword=***"),
        // Both at once.
        ("postgresql://u:secret@h/db?password=secret&sslmode=disable", "postgresql://u:***@h/db?password=***&sslmode=disable"),
    ])
    func aPasswordIsRedactedInTheDescription(uri: String, shown: String) {
        let location = StoreLocation.parse(uri)
        #expect(location.description == shown)
        #expect("\(location)" == shown)
        #expect(!location.description.contains("secret"))
        #expect(location.connectionString == uri, "the backend still connects with the real string")
    }
}
