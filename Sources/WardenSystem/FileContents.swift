import Glibc

/// Whole small files (configuration, themes, manifests) read without Foundation.
public enum FileContents {
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot read \(path): \(reason)" }
    }

    /// The file's bytes; nil when there is no file at `path`. Any other failure (permission,
    /// a directory, an I/O error) is an error, never read as an empty file.
    public static func read(_ path: String) throws(Failure) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw Failure(path: path, reason: String(cString: strerror(errno)))
        }
        defer { Glibc.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<n])
        }
    }

    /// Whether something exists at `path` (a file, a folder, anything).
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
