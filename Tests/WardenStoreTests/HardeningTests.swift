import Foundation
import Testing
import WardenCore
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

/// Store hardening: unsafe permissions are refused with the fix, the integrity check runs, a full
/// disk and a read-only file system give clear errors and lose nothing already committed.
@Suite("Store hardening", .serialized)
struct HardeningTests {
    func expectRefused(_ path: String, naming named: String, fix: String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        for readOnly in [false, true] {
            do {
                _ = try SQLiteStore.open(path: path, readOnly: readOnly)
                Issue.record("opened an unsafe store (readOnly: \(readOnly))", sourceLocation: sourceLocation)
            } catch {
                let text = error.description
                #expect(text.contains(named), "\(text)", sourceLocation: sourceLocation)
                #expect(text.contains(fix), "\(text)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func storeFileOthersCanWriteIsRefused() throws {
        let t = try TempStore()
        for mode: mode_t in [0o666, 0o622, 0o620, 0o602] {
            chmod(t.path, mode)
            expectRefused(t.path, naming: t.path, fix: "chmod 600 \(t.path)")
        }
        chmod(t.path, 0o644)  // readable by others is their business, not a way to rewrite it
        _ = try t.open()
        chmod(t.path, 0o600)
        _ = try t.open()
    }

    @Test func folderOthersCanWriteIsRefused() throws {
        let t = try TempStore()
        let folder = t.folder + "/store"
        for mode: mode_t in [0o777, 0o770, 0o1777, 0o757] {
            chmod(folder, mode)
            expectRefused(t.path, naming: folder, fix: "chmod 700 \(folder)")
        }
        chmod(folder, 0o755)
        _ = try t.open()
    }

    @Test func walBesideTheStoreIsChecked() throws {
        let t = try TempStore()
        let keep = t.store  // keeps the -wal file in place
        _ = try keep.addPrincipal(id: "user:a@x", kind: .human, name: "a", scopes: .everything, m())
        #expect(access(t.path + "-wal", F_OK) == 0)
        chmod(t.path + "-wal", 0o666)
        expectRefused(t.path, naming: t.path + "-wal", fix: "chmod 600 \(t.path)-wal")
        chmod(t.path + "-wal", 0o600)
        _ = try t.open()
    }

    @Test func storeAnotherUserOwnsIsRefused() throws {
        // As root we can hand the file to another user for real.
        let t = try TempStore()
        guard geteuid() == 0 else { return }
        #expect(chown(t.path, 4242, 4242) == 0)
        expectRefused(t.path, naming: t.path, fix: "chown \(StorePermissions.userName(0)) \(t.path)")
        #expect(chown(t.path, 0, 0) == 0)
        #expect(chown(t.folder + "/store", 4242, 4242) == 0)
        expectRefused(t.path, naming: t.folder + "/store", fix: "chown")
        #expect(chown(t.folder + "/store", 0, 0) == 0)
        _ = try t.open()
    }

    /// `doctor` says who else can read a store, as `init` makes none (0600 in a 0700 folder):
    /// a file readable by others matters only through a folder they may enter.
    @Test func whoElseCanReadTheStoreIsPure() {
        #expect(StorePermissions.readers(folderMode: 0o40700, fileMode: 0o100600) == nil)
        #expect(StorePermissions.readers(folderMode: 0o40755, fileMode: 0o100644) == "every user")
        #expect(StorePermissions.readers(folderMode: 0o40750, fileMode: 0o100640) == "its group")
        #expect(StorePermissions.readers(folderMode: 0o40700, fileMode: 0o100644) == nil, "no one else can enter the folder")
        #expect(StorePermissions.readers(folderMode: 0o40711, fileMode: 0o100604) == "every user", "entering is enough with the name")
    }

    @Test func ownershipAndModeRulesArePure() {
        let mine = StorePermissions.problems(path: "/s/w.db", isFolder: false, mode: 0o100600, ownerUID: 1000, currentUID: 1000)
        #expect(mine.isEmpty)
        let theirs = StorePermissions.problems(path: "/s/w.db", isFolder: false, mode: 0o100600, ownerUID: 1001, currentUID: 1000)
        #expect(theirs.count == 1)
        #expect(theirs.first?.what.contains("owned by") == true)
        #expect(theirs.first?.fix.hasPrefix("chown ") == true && theirs.first?.fix.hasSuffix(" /s/w.db") == true)
        let rootRunsAlices = StorePermissions.problems(path: "/s", isFolder: true, mode: 0o40700, ownerUID: 1000, currentUID: 0)
        #expect(rootRunsAlices.count == 1, "even root refuses a store another user owns")
        let both = StorePermissions.problems(path: "/s", isFolder: true, mode: 0o40777, ownerUID: 7, currentUID: 8)
        #expect(both.map(\.fix).contains("chmod 700 /s"))
        #expect(both.count == 2)
        let group = StorePermissions.problems(path: "/s/w.db", isFolder: false, mode: 0o100660, ownerUID: 8, currentUID: 8)
        #expect(group.first?.description == "/s/w.db can be written by its group (mode 0660); fix it with `chmod 600 /s/w.db`")
        #expect(StorePermissions.problems(path: "/s/w.db", isFolder: false, mode: 0o100444, ownerUID: 8, currentUID: 8).isEmpty)
        #expect(StorePermissions.problems(path: "/a b/w.db", isFolder: false, mode: 0o100666, ownerUID: 8, currentUID: 8)
            .first?.fix == "chmod 600 '/a b/w.db'")
    }

    @Test func createRefusesAnUnsafeExistingFolder() throws {
        let temp = try TempFolder("warden-unsafe")
        let folder = temp.path
        chmod(folder, 0o777)
        #expect(throws: StoreError.self) { try SQLiteStore.create(path: folder + "/w.db", trustDomain: "x.example") }
        #expect(access(folder + "/w.db", F_OK) != 0, "nothing was created")
    }

    // MARK: integrity and schema

    @Test func integrityCheckAndSchemaVersion() throws {
        let t = try TempStore()
        _ = try SmallFleet(t.store)
        #expect(try t.store.integrityProblems() == [])
        #expect(try t.store.schemaVersion().file == Migrations.latest)
        let ro = try SQLiteStore.openForInspection(path: t.path)
        #expect(try ro.integrityProblems() == [])
    }

    @Test func integrityCheckFindsDamage() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        for i in 0..<2000 {
            try t.store.recordCalls([ToolCall(at: t0 + Int64(i), agentID: f.coder.id, server: "github", tool: "get_issue",
                                              decision: .allow, args: String(repeating: "x", count: 200))])
        }
        try t.store.db.exec("PRAGMA wal_checkpoint(TRUNCATE)")
        // Scribble over an index page in the middle of the file.
        let fd = open(t.path, O_WRONLY)
        let size = lseek(fd, 0, SEEK_END)
        let junk = [UInt8](repeating: 0x5A, count: 4096)
        _ = pwrite(fd, junk, junk.count, off_t(size / 2 / 4096 * 4096 + 100))
        close(fd)
        var found: [String] = []
        do { found = try SQLiteStore.openForInspection(path: t.path).integrityProblems() } catch {
            found = [error.description]  // damaged beyond opening is also found
        }
        #expect(!found.isEmpty)
    }

    // MARK: a full disk

    func calls(_ agent: String, _ n: Int, from: Int = 0) -> [ToolCall] {
        (0..<n).map { i in
            ToolCall(at: t0 + Int64(from + i), agentID: agent, server: "github", tool: "get_issue", decision: .allow,
                     args: "n=\(from + i) " + String(repeating: "p", count: 300))
        }
    }

    func callCount(_ s: SQLiteStore) throws -> Int {
        try s.calls(CallQuery(limit: 1_000_000)).count
    }

    @Test func fullDiskFailsClearlyAndKeepsCommittedData() throws {
        let t = try TempStore()
        let f = try SmallFleet(t.store)
        try t.store.recordCalls(calls(f.coder.id, 500))
        let headBefore = try t.store.auditHead()
        // The "disk" holds what the file has now and not one page more.
        let writer = try t.open()
        try writer.setMaxPageCount(try writer.pageCount())
        var failure: StoreError?
        do { try writer.recordCalls(calls(f.coder.id, 5000, from: 500)) } catch { failure = error }
        let message = try #require(failure).description
        #expect(message.contains("disk is full"), "\(message)")
        #expect(message.contains("nothing from this operation was written"))
        // A cascade and an import hit the same wall, with the same message.
        for _ in 0..<50 {
            do { _ = try writer.registerAgent(name: "grower-\(UUID().uuidString.prefix(6))", delegator: f.planner.id,
                                                scopes: scopes("github/get_issue"), ttlMs: 60_000, m()) } catch {
                #expect(error.description.contains("disk is full"), "\(error)")
                break
            }
        }
        // Nothing was lost or half-written; the file is sound and accepts writes once there is room.
        let fresh = try t.open()
        #expect(try callCount(fresh) == 500)
        #expect(try fresh.integrityProblems() == [])
        if case .broken(let seq, let why) = try fresh.verifyAudit(expectedHead: headBefore) {
            Issue.record("journal broken at \(seq): \(why)")
        }
        try fresh.recordCalls(calls(f.coder.id, 100, from: 10_000))
        #expect(try callCount(fresh) == 600)
    }

    // MARK: a read-only file system

    /// Runs a command; true when it exited 0.
    @discardableResult
    func sh(_ args: [String]) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: args[0])
        p.arguments = Array(args.dropFirst())
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    @Test func readOnlyFileSystemGivesAClearError() throws {
        let mountPoint = NSTemporaryDirectory() + "warden-rofs-" + UUID().uuidString
        mkdir(mountPoint, 0o700)
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        // A real read-only file system where we may mount one (root in a container usually may).
        let mounted = sh(["/bin/mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", mountPoint])
        defer { if mounted { sh(["/bin/umount", mountPoint]) } }
        let path = mountPoint + "/store/warden.db"
        do {
            let s = try SQLiteStore.create(path: path, trustDomain: "acme.example")
            let f = try SmallFleet(s)
            try s.recordCalls(calls(f.coder.id, 200))
        }
        let before = try SQLiteStore.open(path: path, readOnly: true).auditHead()
        if mounted {
            #expect(sh(["/bin/mount", "-o", "remount,ro", mountPoint]), "remount read-only")
        } else {
            // No mount here: the closest is a file and folder nobody may write (root ignores modes,
            // so only the read-only open below is exercised).
            chmod(path, 0o400)
        }
        // Opening for writing says what is wrong instead of crashing.
        var failure: String?
        do {
            let s = try SQLiteStore.open(path: path)
            _ = try s.addPrincipal(id: "user:late@acme.example", kind: .human, name: "late", scopes: .everything, m())
        } catch { failure = error.description }
        if mounted {
            let message = try #require(failure)
            #expect(message.contains("read-only file system") && message.contains(path), "\(message)")
        }
        // Everything committed before is still readable.
        let ro = try SQLiteStore.open(path: path, readOnly: true)
        #expect(try ro.auditHead() == before)
        #expect(try callCount(ro) == 200)
        #expect(try ro.agents().count == 4)
        #expect(throws: StoreError.readOnly) {
            try ro.addPrincipal(id: "user:late@acme.example", kind: .human, name: "late", scopes: .everything, m())
        }
        if mounted { sh(["/bin/mount", "-o", "remount,rw", mountPoint]) }
    }
}
