import Foundation
import Testing
import WardenCore
import WardenPostgres
import WardenSQLite
import WardenStore
import WardenTestSupport

/// A backend the conformance suite runs against. It makes fresh, empty stores; a test opens more
/// connections through the store's backend, as other processes would.
struct BackendUnderTest: Sendable, CustomTestStringConvertible {
    let name: String
    let makeStore: @Sendable () throws -> FreshStore
    var testDescription: String { name }
}

/// Every backend the suite proves. A new backend is one more line here.
enum Backends {
    /// PostgreSQL joins when `WARDEN_TEST_POSTGRES` names a server to make test databases on.
    static let all: [BackendUnderTest] = [.sqlite] + (TempPostgresDatabase.serverURI == nil ? [] : [.postgres])
}

extension BackendUnderTest {
    static let sqlite = BackendUnderTest(name: "SQLite") {
        let folder = try TempFolder("warden-conformance")
        let backend = SQLiteBackend(path: folder.file("store/warden.db"))
        return FreshStore(backend: backend, store: try backend.create(trustDomain: "acme.example"), keepAlive: folder)
    }
}

extension BackendUnderTest {
    /// Each store in its own new database, dropped when the store is let go of.
    static let postgres = BackendUnderTest(name: "PostgreSQL") {
        let db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let backend = PostgresBackend(uri: db.uri)
        return FreshStore(backend: backend, store: try backend.create(trustDomain: "acme.example"), keepAlive: db)
    }
}

/// A new store in trust domain `acme.example`, its first connection, and whatever must live as
/// long as the store does (a SQLite backend's temporary folder, a PostgreSQL test database).
final class FreshStore: @unchecked Sendable {
    let backend: any StoreBackend
    let store: any FleetStore
    private let keepAlive: AnyObject

    init(backend: any StoreBackend, store: any FleetStore, keepAlive: AnyObject) {
        self.backend = backend
        self.store = store
        self.keepAlive = keepAlive
    }

    /// Another connection, as a second process would hold one.
    func open(readOnly: Bool = false) throws -> any FleetStore {
        try backend.open(for: .operations(readOnly: readOnly))
    }
}

/// Runs `body(0..<n)` on `n` threads at once, each free to open its own connection, and returns
/// the errors they threw. Real threads, so writers truly overlap whatever the task pool's width.
func onThreads(_ n: Int, _ body: @escaping @Sendable (Int) throws -> Void) -> [String] {
    let errors = Locked<[String]>([])
    let group = DispatchGroup()
    for i in 0..<n {
        group.enter()
        Thread {
            defer { group.leave() }
            do { try body(i) } catch { errors.update { $0.append("thread \(i): \(error)") } }
        }.start()
    }
    group.wait()
    return errors.value
}

/// What a thread found wrong (a thread has no test to record an issue in; `onThreads` returns it).
struct Broken: Error, CustomStringConvertible {
    let description: String
}

func check(_ condition: Bool, _ what: String) throws {
    if !condition { throw Broken(description: what) }
}

/// A value several threads read and change under a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func update<T>(_ change: (inout Value) -> T) -> T { lock.withLock { change(&stored) } }
}
