import Glibc

/// File operations the command line took from Foundation's FileManager and Data.
extension FileContents {
    /// The file's text; an error when it is missing or not UTF-8 (as `String(contentsOfFile:)`).
    public static func text(_ path: String) throws(Failure) -> String {
        guard let bytes = try read(path) else { throw Failure(path: path, reason: "no such file") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Failure(path: path, reason: "not UTF-8 text") }
        return text
    }

    /// Everything left on a descriptor (standard input: `-` as a file name); nil on a read error.
    public static func readAll(fd: Int32) -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<n])
        }
    }

    /// Where a symbolic link points; nil when `path` is not one.
    public static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Writing whole files.
public enum FileWrite {
    /// Creates a new file holding `bytes` with permissions `mode`; fails when `path` exists, so
    /// nothing already there (or a link planted there) is overwritten.
    public static func createNew(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(FileContents.Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure(path) }
        defer { Glibc.close(fd) }
        guard FD.writeAll(fd, bytes), fsync(fd) == 0 else {
            let f = failure(path)
            unlink(path)
            throw f
        }
    }

    /// Replaces `path` with `bytes` atomically: written beside it and renamed over it, so a
    /// reader sees the old file or the new one, never a part. The file keeps its permissions
    /// (a new one gets 0666 less the umask, as any file the user creates).
    public static func atomic(_ path: String, _ bytes: [UInt8]) throws(FileContents.Failure) {
        var info = stat()
        let existingMode: mode_t? = stat(path, &info) == 0 ? info.st_mode & 0o7777 : nil
        var template = Array((path + ".warden-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw failure(path) }
        let temporary = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
        var ok = FD.writeAll(fd, bytes)
        if ok {
            let mode = existingMode ?? (0o666 & ~currentUmask())
            ok = fchmod(fd, mode) == 0 && fsync(fd) == 0
        }
        let f = failure(path)
        Glibc.close(fd)
        guard ok, rename(temporary, path) == 0 else {
            let why = ok ? failure(path) : f
            unlink(temporary)
            throw why
        }
    }

    private static func currentUmask() -> mode_t {
        let m = umask(0o022)
        umask(m)
        return m
    }

    private static func failure(_ path: String) -> FileContents.Failure {
        FileContents.Failure(path: path, reason: String(cString: strerror(errno)))
    }
}

/// A folder made for this process under `$TMPDIR` (else /tmp), removed with what is in it.
public struct TemporaryFolder: Sendable {
    public let path: String

    /// A new folder `PREFIX-XXXXXX`, private to the user (mkdtemp: mode 0700).
    public static func make(prefix: String) throws(FileContents.Failure) -> TemporaryFolder {
        var base = getenv("TMPDIR").map { String(cString: $0) } ?? ""
        if base.isEmpty { base = "/tmp" }
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        var template = Array((base + "/" + prefix + "-XXXXXX").utf8CString)
        guard mkdtemp(&template) != nil else {
            throw FileContents.Failure(path: base, reason: String(cString: strerror(errno)))
        }
        return TemporaryFolder(path: String(cString: template.withUnsafeBufferPointer { $0.baseAddress! }))
    }

    /// Removes the folder and everything in it. Links are removed, never followed, so nothing
    /// outside the folder is touched. Best effort: what cannot be removed stays.
    public func remove() { FileTree.remove(path) }
}

enum FileTree {
    static func remove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            if let dir = opendir(path) {
                var names: [String] = []
                while let entry = readdir(dir) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                        String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
                    }
                    if name != "." && name != ".." { names.append(name) }
                }
                closedir(dir)
                for name in names { remove(path + "/" + name) }
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

/// Path text operations (no file system access).
public enum PathText {
    /// The folder part of `path`, as `dirname` gives it: "a/b" → "a", "b" → ".", "/b" → "/".
    public static func parent(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        guard let slash = p.lastIndex(of: "/") else { return "." }
        var head = p[..<slash]
        while head.count > 1 && head.hasSuffix("/") { head.removeLast() }
        return head.isEmpty ? "/" : String(head)
    }

    /// `path` made absolute against the current folder.
    public static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : ProcessEnvironment.currentDirectory() + "/" + path
    }
}
