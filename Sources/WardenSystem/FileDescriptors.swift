import Glibc

/// Raw file-descriptor helpers: whole writes, pipes, closing, the last error.
public enum FD {
    /// Writes every byte (retrying short writes and EINTR). False when the reader is gone.
    @discardableResult
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard var p = bytes.baseAddress else { return true }
        var left = bytes.count
        while left > 0 {
            let n = Glibc.write(fd, p, left)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return false
            }
            p += n
            left -= n
        }
        return true
    }

    @discardableResult
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    /// A pipe whose both ends close on exec: (read end, write end).
    public static func pipe() -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { return nil }
        // pipe2 is not visible from Swift; set close-on-exec right after (spawns elsewhere in the
        // process are rare, and the child dup2s the ends it needs anyway).
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    public static func close(_ fd: Int32) {
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    public static var errorText: String { String(cString: strerror(errno)) }
}
