import Glibc

/// A minimal HTTP/1.1 client over one keep-alive loopback connection, for driving `warden serve`
/// without a client library's own costs in the figures: each request goes out in one write
/// (headers and body together, Nagle off), and the answer is read by Content-Length or chunks.
final class LoopbackHTTP {
    struct Response {
        var status: Int
        /// Header names in lower case.
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// The service closed the connection (a keep-alive connection idle past its header
    /// deadline is cut, by design): the caller may open another.
    struct Closed: Error, CustomStringConvertible {
        var description: String { "the service closed the connection" }
    }

    private let fd: Int32
    private var buffer: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BenchFailure("cannot create a socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        // TCP_NODELAY (6 / 1): each request is one write, so nothing waits for an ACK.
        setsockopt(fd, Int32(IPPROTO_TCP), 1, &one, socklen_t(MemoryLayout<Int32>.size))
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = port.bigEndian
        sa.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let e = String(cString: strerror(errno))
            Glibc.close(fd)
            throw BenchFailure("cannot connect to 127.0.0.1:\(port): \(e)")
        }
    }

    deinit { Glibc.close(fd) }

    func request(_ method: String, _ path: String, headers: [(String, String)], body: [UInt8] = []) throws -> Response {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8) + body
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw BenchFailure("the service stopped reading: \(String(cString: strerror(errno)))") }
            sent += n
        }
        return try readResponse()
    }

    private func readResponse() throws -> Response {
        let headEnd = try readUntil([13, 10, 13, 10])
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeSubrange(..<(headEnd + 4))
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw BenchFailure("not an HTTP answer: \(head.prefix(80))") }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingSpaces
        }
        var body: [UInt8] = []
        if let length = headers["content-length"].flatMap({ Int($0) }) {
            try fill(length)
            body = Array(buffer[..<length])
            buffer.removeSubrange(..<length)
        } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
            while true {
                let lineEnd = try readUntil([13, 10])
                let size = Int(String(decoding: buffer[..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16) ?? -1
                guard size >= 0 else { throw BenchFailure("a bad chunk size") }
                buffer.removeSubrange(..<(lineEnd + 2))
                try fill(size + 2)
                body.append(contentsOf: buffer[..<size])
                buffer.removeSubrange(..<(size + 2))
                if size == 0 { break }
            }
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// Reads until `marker` is buffered; its offset.
    private func readUntil(_ marker: [UInt8]) throws -> Int {
        var from = 0
        while true {
            if buffer.count >= marker.count {
                var i = from
                while i + marker.count <= buffer.count {
                    if buffer[i] == marker[0] && Array(buffer[i..<(i + marker.count)]) == marker { return i }
                    i += 1
                }
                from = max(0, buffer.count - marker.count + 1)
            }
            try readMore()
        }
    }

    private func fill(_ count: Int) throws {
        while buffer.count < count { try readMore() }
    }

    private func readMore() throws {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 && errno == EINTR { return }
        guard n > 0 else { throw Closed() }
        buffer.append(contentsOf: chunk[..<n])
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
