import Foundation
import WardenCore
import WardenSQLite
import WardenStore

/// A fresh SQLite store in its own temporary folder (`FOLDER/store/warden.db`, so creating it
/// makes the store's folder too). The folder goes when the last copy of this value does.
public struct TempStore {
    public let temp: TempFolder
    public let path: String
    public let store: SQLiteStore

    public init(trustDomain: String = "acme.example", prefix: String = "warden-test") throws {
        temp = try TempFolder(prefix)
        path = temp.path + "/store/warden.db"
        store = try SQLiteStore.create(path: path, trustDomain: trustDomain)
    }

    public var folder: String { temp.path }
    public var backend: SQLiteBackend { SQLiteBackend(path: path) }

    /// Another connection to the same store, as a second process would hold one.
    public func open() throws -> SQLiteStore { try SQLiteStore.open(path: path) }

    /// Writes `text` to `name` inside the folder and returns its path.
    public func file(_ name: String, _ text: String) throws -> String { try temp.write(name, text) }
}
