import Testing
import WardenStore
@testable import WardenPostgres

/// libpq is loaded when the first PostgreSQL store is opened; without it, opening one is an
/// error naming the library and the package, not a crash.
@Suite("libpq loaded at run time")
struct LibPQLoadingTests {
    @Test func aMissingLibraryIsAStoreErrorNamingItAndItsPackage() throws {
        let result = LibPQ.load(soname: "libpq-warden-missing.so.5")
        guard case .failure(.missingSoftware(let message)) = result else {
            Issue.record("loaded a library that does not exist: \(result)")
            return
        }
        #expect(message.contains("libpq-warden-missing.so.5"), "\(message)")
        #expect(message.contains("PostgreSQL client library libpq"), "\(message)")
        #expect(message.contains("install the Debian package libpq5"), "\(message)")
    }

    /// A library that lacks one of the functions (here: not libpq at all) is refused whole,
    /// at load, and the first missing function is named.
    @Test func aLibraryWithoutTheFunctionsIsRefusedAtLoad() throws {
        let result = LibPQ.load(soname: "libsqlite3.so.0")
        guard case .failure(.missingSoftware(let message)) = result else {
            Issue.record("bound libpq's functions from SQLite: \(result)")
            return
        }
        #expect(message.contains("has no PQconnectdbParams"), "\(message)")
        #expect(message.contains("libpq5"), "\(message)")
    }

    /// The installed library binds: every function the shim lists is there.
    @Test func theInstalledLibraryBinds() throws {
        let pq = try LibPQ.functions()
        var error: UnsafeMutablePointer<CChar>?
        let options = try #require(pq.PQconninfoParse("host=/tmp/pg password=x", &error))
        pq.PQconninfoFree(options)
        #expect(error == nil)
    }
}
