import Glibc
import Testing
import WardenSystem

/// What WardenSystem gives the command line in place of Foundation: each helper keeps the
/// behaviour the commands relied on (permissions, atomic replace, cleanup limited to its folder).
@Suite("WardenSystem files and text")
struct FilesAndTextTests {
    private func mode(_ path: String) -> mode_t {
        var info = stat()
        #expect(stat(path, &info) == 0, "no file at \(path)")
        return info.st_mode & 0o7777
    }

    @Test func atomicReplaceKeepsTheFilesPermissionsAndLeavesNoTemporaryFile() throws {
        let folder = try TemporaryFolder.make(prefix: "warden-system-test")
        defer { folder.remove() }
        let path = folder.path + "/settings.json"
        try FileWrite.createNew(path, Array("old".utf8), mode: 0o640)
        try FileWrite.atomic(path, Array("new".utf8))
        #expect(try FileContents.read(path) == Array("new".utf8))
        #expect(mode(path) == 0o640)
        #expect(try FileContents.read(folder.path + "/fresh") == nil)
        try FileWrite.atomic(folder.path + "/fresh", Array("x".utf8))
        let mask = umask(0o022); umask(mask)
        #expect(mode(folder.path + "/fresh") == 0o666 & ~mask)
        var names: [String] = []
        let dir = try #require(opendir(folder.path))
        while let e = readdir(dir) {
            names.append(withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) })
        }
        closedir(dir)
        #expect(names.filter { !$0.hasPrefix(".") }.sorted() == ["fresh", "settings.json"])
    }

    @Test func createNewNeverOverwrites() throws {
        let folder = try TemporaryFolder.make(prefix: "warden-system-test")
        defer { folder.remove() }
        let path = folder.path + "/backup"
        try FileWrite.createNew(path, Array("first".utf8), mode: 0o600)
        #expect(mode(path) == 0o600)
        #expect(throws: FileContents.Failure.self) { try FileWrite.createNew(path, Array("second".utf8), mode: 0o600) }
        #expect(try FileContents.read(path) == Array("first".utf8))
    }

    @Test func removingATemporaryFolderEmptiesItButNeverFollowsALinkOut() throws {
        let outside = try TemporaryFolder.make(prefix: "warden-system-outside")
        defer { outside.remove() }
        try FileWrite.createNew(outside.path + "/keep", Array("precious".utf8), mode: 0o600)
        let folder = try TemporaryFolder.make(prefix: "warden-system-test")
        #expect(mode(folder.path) == 0o700)
        #expect(mkdir(folder.path + "/a", 0o700) == 0)
        try FileWrite.createNew(folder.path + "/a/b", Array("x".utf8), mode: 0o600)
        #expect(symlink(outside.path, folder.path + "/a/link") == 0)
        folder.remove()
        #expect(!FileContents.exists(folder.path))
        #expect(try FileContents.read(outside.path + "/keep") == Array("precious".utf8))
    }

    @Test func textRefusesAMissingFileAndInvalidUTF8() throws {
        let folder = try TemporaryFolder.make(prefix: "warden-system-test")
        defer { folder.remove() }
        #expect(throws: FileContents.Failure.self) { try FileContents.text(folder.path + "/none") }
        try FileWrite.createNew(folder.path + "/bad", [0x61, 0xFF], mode: 0o600)
        #expect(throws: FileContents.Failure.self) { try FileContents.text(folder.path + "/bad") }
    }

    @Test func pathsAndStrings() {
        #expect(PathText.parent("/a/b/c") == "/a/b")
        #expect(PathText.parent("/a") == "/")
        #expect(PathText.parent("b") == ".")
        #expect(PathText.parent("a/b/") == "a")
        #expect("Content-Type".equalsIgnoringASCIICase("content-type"))
        #expect(!"Content-Type".equalsIgnoringASCIICase("content-typ"))
        #expect("ab".fixedWidth(4) == "ab  ")
        #expect("abcdef".fixedWidth(4) == "abcd")
        #expect(" \t token \n".trimmingWhitespace == "token")
    }

    @Test func aPassedDeadlineDoesNotWait() {
        let c = Condition()
        c.lock()
        #expect(c.wait(until: Deadline.after(seconds: 0)) == false)
        #expect(c.wait(until: Deadline.after(seconds: -5)) == false)
        c.unlock()
        #expect(Deadline.after(seconds: 0).hasPassed)
    }
}
