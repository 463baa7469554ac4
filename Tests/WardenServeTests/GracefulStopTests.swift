import Testing
import WardenTestSupport
import WardenSystem
@testable import WardenServe

/// A stopping service answers what it began and refuses what begins after its last drain: a
/// request that arrives on a kept-alive connection between the drain and the stop would
/// otherwise run (a proxy's calls recorded) and lose its answer, and the client would send it
/// again to the next service — the calls recorded twice.
@Suite("warden serve: a graceful stop")
struct GracefulStopTests {
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

        let c = try RawConnection(port: Int(port))
        func post(_ body: String) throws -> (status: Int, head: String) {
            try c.answer("POST /v1/calls HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        }
        #expect(try post("first").status == 200)
        // SIGTERM: no new connections, then the last drain.
        server.quiesce()
        #expect(try post("during the drain").status == 200, "a kept-alive connection is still served while draining")
        server.refuseNewRequests()
        let refused = try post("after the drain")
        #expect(refused.status == 503, "\(refused.head)")
        #expect(refused.head.lowercased().contains("connection: close"), "\(refused.head)")
        #expect(seen.all == ["first", "during the drain"], "the refused request never reached the handler")
        #expect(server.drain(until: Deadline.after(seconds: 30)), "nothing is left in flight")
    }
}
