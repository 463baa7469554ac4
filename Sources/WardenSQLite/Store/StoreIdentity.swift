import WardenStore
import Glibc

/// Which files Warden opens as a store: regular files that carry Warden's application id, or
/// that an older Warden made (id 0 with Warden's schema). Everything here only reads, so a file
/// it refuses is left byte-for-byte as it was.
enum StoreIdentity {
    /// `PRAGMA application_id` of every Warden store: "WDRN" in ASCII.
    static let applicationID: Int64 = 0x5744_524E

    /// Tables every Warden schema has had since the first one.
    static let wardenTables: Set<String> = ["meta", "principals", "agents", "instances", "credentials", "audit"]

    /// Refuses a path that is not a regular file before SQLite opens it: opening a FIFO blocks
    /// until a writer appears, and a device or socket is never a store.
    static func requireRegularFile(_ path: String) throws(StoreError) {
        var st = stat()
        guard stat(path, &st) == 0 else { return }  // missing: the caller says so
        let type = st.st_mode & S_IFMT
        if type == S_IFREG { return }
        throw .refused("\(path) is \(describe(type)), not a Warden store file; refusing to open it")
    }

    static func describe(_ type: UInt32) -> String {
        switch type {
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFDIR: return "a folder"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    /// What an opened file is, read from its header and schema without writing anything.
    enum Kind: Equatable {
        /// Stamped with Warden's application id.
        case warden
        /// Warden's schema from before the id was stamped, or an empty file (as `touch` leaves
        /// it, nothing to harm): migrated and stamped on the first write open.
        case unstamped
    }

    static func classify(_ db: Database) throws(StoreError) -> Kind {
        if fileSize(db.path) == 0 { return .unstamped }
        let id = try db.prepare("PRAGMA application_id").first { $0.int(0) } ?? 0
        if id == applicationID { return .warden }
        if id != 0 {
            throw .refused("\(db.path) belongs to another application (SQLite application id \(hex(id))), not Warden; refusing to open it and leaving it untouched")
        }
        let tables = Set(try db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all { $0.string(0) })
        let version = try db.prepare("PRAGMA user_version").first { $0.int(0) } ?? 0
        if version >= 1 && wardenTables.isSubset(of: tables) { return .unstamped }
        throw .refused("\(db.path) is an SQLite file of another application, not a Warden store; refusing to open it and leaving it untouched")
    }

    static func fileSize(_ path: String) -> Int64 {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : -1
    }

    static func hex(_ v: Int64) -> String { "0x" + String(UInt32(truncatingIfNeeded: v), radix: 16) }
}
