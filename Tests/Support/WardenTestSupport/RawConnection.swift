import Foundation
import Glibc

/// A plain TCP connection to the service, for what no HTTP client does on purpose.
public final class RawConnection {
    public let fd: Int32

    public init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr)
        let rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
        // An upper bound for every read: a service that never answers fails the test, not hangs it.
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    public func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw POSIXError(.EPIPE) }
    }

    /// False once the service has closed the connection (a reset, or its end read first).
    public func sendByte(_ b: UInt8) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        if poll(&pfd, 1, 0) > 0 { return false }  // the service's end (or a reset) is waiting
        var byte = b
        return Glibc.send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) == 1
    }

    /// True when the service closes the connection without sending anything.
    public func readsEnd() -> Bool {
        var buf = [UInt8](repeating: 0, count: 512)
        let n = recv(fd, &buf, buf.count, 0)
        return n == 0 || (n < 0 && errno == ECONNRESET)
    }

    /// Sends a request and reads what comes back first ("" when the connection ends).
    public func exchange(_ request: String) throws -> String {
        try send(request)
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buf, buf.count, 0)
        return n > 0 ? String(decoding: buf[..<n], as: UTF8.self) : ""
    }

    /// Sends one request and reads its whole answer: the head, and a body of its
    /// Content-Length. Status 0 when the connection ended first.
    public func answer(_ request: String) throws -> (status: Int, head: String) {
        try send(request)
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            if let end = Self.headEnd(bytes) {
                let head = String(decoding: bytes[..<end], as: UTF8.self)
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if bytes.count >= end + 4 + length { return (Int(head.split(separator: " ")[1]) ?? 0, head) }
            }
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { return (0, String(decoding: bytes, as: UTF8.self)) }
            bytes += buf[0..<n]
        }
    }

    static func headEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }
}
