import Glibc
import Testing
import WardenSystem
@testable import WardenServe

/// A stopping service answers what it began and refuses what begins after its last drain: a
/// request that arrives on a kept-alive connection between the drain and the stop would
/// otherwise run (a proxy's calls recorded) and lose its answer, and the client would send it
/// again to the next service — the calls recorded twice.
@Suite("warden serve: a graceful stop")
struct GracefulStopTests {
    /// A plain HTTP/1.1 client on one connection, so requests can share it (keep-alive).
    final class Connection {
        let fd: Int32
        init(port: UInt16) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = port.bigEndian
            a.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            try #require(rc == 0, "connect: errno \(errno)")
            var timeout = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        deinit { close(fd) }

        /// Sends one POST and reads its whole answer (headers and a Content-Length body).
        func post(_ path: String, body: String) -> (status: Int, head: String) {
            FD.writeAll(fd, Array("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8))
            var bytes: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                if let end = Self.headEnd(bytes) {
                    let head = String(decoding: bytes[..<end], as: UTF8.self)
                    let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                        .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: " ")) } ?? 0
                    if bytes.count >= end + 4 + length {
                        return (Int(head.split(separator: " ")[1]) ?? 0, head)
                    }
                }
                let n = read(fd, &buf, buf.count)
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

    final class Seen: @unchecked Sendable {
        private let lock = Lock()
        private var bodies: [String] = []
        func add(_ b: String) { lock.lock(); bodies.append(b); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return bodies }
    }

    @Test func aRequestBegunAfterTheLastDrainIsRefusedAndNeverHandledOneBegunBeforeIsAnswered() throws {
        let (fd, port) = try ListenAddress(host: "127.0.0.1", port: 0, isIPv6: false).bind()
        let seen = Seen()
        let server = try HTTPServer(listenFD: fd, options: HTTPServer.Options(), handler: { request in
            seen.add(String(decoding: request.body, as: UTF8.self))
            return .text(200, "recorded")
        }, completion: { _, _, _, _ in })
        try server.start(tlsKey: nil, tlsCert: nil)
        defer { server.stop() }

        let c = try Connection(port: port)
        #expect(c.post("/v1/calls", body: "first").status == 200)
        // SIGTERM: no new connections, then the last drain.
        server.quiesce()
        #expect(c.post("/v1/calls", body: "during the drain").status == 200, "a kept-alive connection is still served while draining")
        server.refuseNewRequests()
        let refused = c.post("/v1/calls", body: "after the drain")
        #expect(refused.status == 503, "\(refused.head)")
        #expect(refused.head.lowercased().contains("connection: close"), "\(refused.head)")
        #expect(seen.all == ["first", "during the drain"], "the refused request never reached the handler")
        #expect(server.drain(until: Deadline.after(seconds: 30)), "nothing is left in flight")
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> String { String(self).trimmed(set) }
}
