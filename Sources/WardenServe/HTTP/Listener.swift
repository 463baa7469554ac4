import Glibc

/// `--listen ADDR:PORT`: an IPv4 address, `[IPv6]`, or `localhost`; port 0 picks a free port.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    public var isIPv6: Bool

    public static let `default` = ListenAddress(host: "127.0.0.1", port: 8414, isIPv6: false)

    public init(host: String, port: UInt16, isIPv6: Bool) {
        self.host = host
        self.port = port
        self.isIPv6 = isIPv6
    }

    public static func parse(_ text: String) throws(ServeError) -> ListenAddress {
        let bad = ServeError("--listen '\(text.prefix(80))': expected ADDR:PORT, e.g. 127.0.0.1:8414 or [::1]:8414")
        guard let colon = text.lastIndex(of: ":") else { throw bad }
        var host = String(text[..<colon])
        guard let port = UInt16(text[text.index(after: colon)...]) else { throw bad }
        var v6 = false
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
            v6 = true
            var a = in6_addr()
            guard inet_pton(AF_INET6, host, &a) == 1 else { throw bad }
        } else {
            if host == "localhost" { host = "127.0.0.1" }
            var a = in_addr()
            guard inet_pton(AF_INET, host, &a) == 1 else { throw bad }
        }
        return ListenAddress(host: host, port: port, isIPv6: v6)
    }

    /// 127.0.0.0/8 or ::1: the only addresses plain HTTP may listen on (a token crosses the wire).
    public var isLoopback: Bool {
        if isIPv6 {
            var a = in6_addr()
            inet_pton(AF_INET6, host, &a)
            return withUnsafeBytes(of: &a) { $0.prefix(15).allSatisfy { $0 == 0 } && $0[15] == 1 }
        }
        return host.hasPrefix("127.")
    }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// A bound, listening socket and the port it got.
    public func bind() throws(ServeError) -> (fd: Int32, port: UInt16) {
        let family = isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ServeError("cannot create a socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var rc: Int32
        if isIPv6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = port.bigEndian
            inet_pton(AF_INET6, host, &sa.sin6_addr)
            rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = port.bigEndian
            inet_pton(AF_INET, host, &sa.sin_addr)
            rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        if rc == 0 { rc = listen(fd, 128) }
        guard rc == 0 else {
            let e = String(cString: strerror(errno))
            Glibc.close(fd)
            throw ServeError("cannot listen on \(description): \(e)")
        }
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let bound: UInt16 = withUnsafePointer(to: &storage) { p in
            isIPv6 ? p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
                   : p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
        return (fd, bound)
    }
}
