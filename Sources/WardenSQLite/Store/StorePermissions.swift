import WardenStore
import Glibc

/// Who may change a store file behind Warden's back. A store (or the folder holding it, where
/// SQLite creates its `-wal` and `-shm` files) that other users can write, or that another user
/// owns, can be rewritten by them: Warden refuses to open it and says how to fix it.
public enum StorePermissions {
    public struct Problem: Equatable, Sendable, CustomStringConvertible {
        public let path: String
        /// What is wrong, for people.
        public let what: String
        /// The command that fixes it.
        public let fix: String
        public var description: String { "\(path) \(what); fix it with `\(fix)`" }
    }

    /// The checks on one file or folder, from its stat values (pure, so any uid can be tested).
    public static func problems(path: String, isFolder: Bool, mode: UInt32, ownerUID: UInt32,
                                currentUID: UInt32) -> [Problem] {
        var out: [Problem] = []
        if ownerUID != currentUID {
            let me = userName(currentUID)
            out.append(Problem(path: path, what: "is owned by \(userName(ownerUID)), not by \(me) who runs warden",
                               fix: "chown \(me) \(quoted(path))"))
        }
        if mode & 0o022 != 0 {
            let who = mode & 0o002 != 0 ? "every user" : "its group"
            out.append(Problem(path: path, what: "can be written by \(who) (mode \(octal(mode & 0o7777)))",
                               fix: "chmod \(isFolder ? "700" : "600") \(quoted(path))"))
        }
        return out
    }

    /// Who else could read the store (the journal, principals, credential hashes): not a
    /// reason to refuse it (`check` is), but `doctor` says so, with the fix. A file readable by
    /// others is readable only through a folder others may enter, so both are looked at.
    public static func readers(folderMode: UInt32, fileMode: UInt32) -> String? {
        let enter = folderMode & 0o011, read = fileMode & 0o044
        let others = (enter & 0o001 != 0 && read & 0o004 != 0), group = (enter & 0o010 != 0 && read & 0o040 != 0)
        return others ? "every user" : group ? "its group" : nil
    }

    /// `readers` for the store at `path` as it is now, with the fix; nil when only its owner can read it.
    public static func readableBy(storePath path: String) -> Problem? {
        var dir = stat(), file = stat()
        guard stat(folder(of: path), &dir) == 0, stat(path, &file) == 0,
              let who = readers(folderMode: UInt32(dir.st_mode), fileMode: UInt32(file.st_mode)) else { return nil }
        return Problem(path: path, what: "can be read by \(who) (mode \(octal(UInt32(file.st_mode) & 0o7777)) in a folder of mode \(octal(UInt32(dir.st_mode) & 0o7777)))",
                       fix: "chmod 600 \(quoted(path)) && chmod 700 \(quoted(folder(of: path)))")
    }

    /// Checks the store file, its folder and any `-wal`/`-shm` file beside it, as they are now.
    public static func check(storePath path: String) -> [Problem] {
        let uid = UInt32(geteuid())
        var out: [Problem] = []
        func visit(_ p: String, folder: Bool) {
            var st = stat()
            guard stat(p, &st) == 0 else { return }
            out += problems(path: p, isFolder: folder, mode: UInt32(st.st_mode), ownerUID: UInt32(st.st_uid), currentUID: uid)
        }
        visit(folder(of: path), folder: true)
        visit(path, folder: false)
        visit(path + "-wal", folder: false)
        visit(path + "-shm", folder: false)
        return out
    }

    /// The folder holding `path` (`.` for a bare file name).
    public static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let f = String(path[..<slash])
        return f.isEmpty ? "/" : f
    }

    /// The error `SQLiteStore.open` refuses with: every problem, one a line.
    static func error(_ problems: [Problem]) -> StoreError {
        let lines = problems.map(\.description)
        return .refused("refusing to open the store: another user could rewrite it: " + lines.joined(separator: "; "))
    }

    static func octal(_ v: UInt32) -> String {
        let s = String(v, radix: 8)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    static func quoted(_ p: String) -> String {
        p.allSatisfy { $0.isLetter || $0.isNumber || "/._-+:@".contains($0) } ? p : "'" + p.replacingAll("'", "'\\''") + "'"
    }

    static func userName(_ uid: UInt32) -> String {
        if let pw = getpwuid(uid), let n = pw.pointee.pw_name {
            let s = String(cString: n)
            if !s.isEmpty { return s }
        }
        return "uid \(uid)"
    }
}

extension String {
    fileprivate func replacingAll(_ a: Character, _ b: String) -> String {
        var out = ""
        for c in self { if c == a { out += b } else { out.append(c) } }
        return out
    }
}
