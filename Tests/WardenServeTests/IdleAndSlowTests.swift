import Testing
import WardenConfig
import WardenSystem
@testable import WardenServe

/// A clock the test moves by hand.
final class HandClock: @unchecked Sendable {
    private let lock = Lock()
    private var t: UInt64 = 1_000_000_000
    func now() -> UInt64 { lock.lock(); defer { lock.unlock() }; return t }
    func advance(seconds: UInt64) { lock.lock(); t += seconds * 1_000_000_000; lock.unlock() }
}

/// Sessions a client abandons are ended after `serve.session_idle`; one with a request under
/// way (a long call, an open server stream) never is, however long that request lasts.
@Suite struct SessionIdleTests {
    func table(_ clock: HandClock, idleSeconds: UInt64 = 60) -> SessionTable {
        SessionTable(limit: 10, perAgentLimit: 10, idleNanos: idleSeconds * 1_000_000_000, now: { clock.now() })
    }

    @Test func anUnusedSessionIsReapedAfterTheIdleTimeAndOnlyThen() {
        let clock = HandClock()
        let t = table(clock)
        t.open("s1", SessionTable.Session(upstream: "github", agentID: "a", instanceID: "gw/github/a"))
        clock.advance(seconds: 3600)
        #expect(t.reapIdle().isEmpty, "the request that opened it (its initialize) is still under way")
        t.end("s1")
        clock.advance(seconds: 60)
        #expect(t.reapIdle().isEmpty, "exactly the idle time is not past it")
        clock.advance(seconds: 1)
        let reaped = t.reapIdle()
        #expect(reaped.map(\.id) == ["s1"] && reaped.first?.agentsLast == true && reaped.first?.session.instanceID == "gw/github/a")
        #expect(t.check("s1", upstream: "github", agentID: "a") == .notFound, "the client's next request gets 404")
        #expect(t.count == 0 && t.admits(agentID: "a") == .open)
    }

    @Test func eachRequestRestartsTheIdleClock() {
        let clock = HandClock()
        let t = table(clock)
        t.open("s1", SessionTable.Session(upstream: "github", agentID: "a"))
        t.end("s1")
        for _ in 0..<5 {
            clock.advance(seconds: 50)
            #expect(t.check("s1", upstream: "github", agentID: "a") == .bound)
            #expect(t.reapIdle().isEmpty)
        }
        clock.advance(seconds: 61)
        #expect(t.reapIdle().map(\.id) == ["s1"])
    }

    @Test func aSessionWithARequestUnderWayIsNeverIdle() {
        let clock = HandClock()
        let t = table(clock)
        t.open("s1", SessionTable.Session(upstream: "github", agentID: "a"))
        t.end("s1")
        #expect(t.check("s1", upstream: "github", agentID: "a") == .bound)
        t.begin("s1")  // a server stream held open for hours
        clock.advance(seconds: 3600)
        #expect(t.reapIdle().isEmpty)
        t.end("s1")  // the stream ended: the idle clock starts now
        clock.advance(seconds: 30)
        #expect(t.reapIdle().isEmpty)
        clock.advance(seconds: 31)
        #expect(t.reapIdle().map(\.id) == ["s1"])
    }

    /// The gateway's instance for an agent stops with the agent's last session on that upstream.
    @Test func onlyTheAgentsLastSessionOnTheUpstreamStopsItsInstance() {
        let clock = HandClock()
        let t = table(clock)
        for id in ["old", "other"] { t.open(id, SessionTable.Session(upstream: id == "old" ? "github" : "files", agentID: "a")); t.end(id) }
        clock.advance(seconds: 30)
        t.open("new", SessionTable.Session(upstream: "github", agentID: "a"))
        t.end("new")
        _ = t.check("other", upstream: "files", agentID: "a")
        clock.advance(seconds: 31)
        let first = t.reapIdle()
        #expect(first.map(\.id) == ["old"] && first.first?.agentsLast == false, "another github session of a's is open")
        clock.advance(seconds: 30)
        let second = t.reapIdle()
        #expect(second.map(\.id) == ["new", "other"] && second.allSatisfy(\.agentsLast))
    }

    /// A session the client ends (DELETE) stops the instance on the same terms as reaping.
    @Test func aClosedSessionSaysWhetherItWasTheAgentsLastOnTheUpstream() {
        let t = table(HandClock())
        t.open("g1", SessionTable.Session(upstream: "github", agentID: "a"))
        t.open("g2", SessionTable.Session(upstream: "github", agentID: "a"))
        t.open("f1", SessionTable.Session(upstream: "files", agentID: "a"))
        t.open("b1", SessionTable.Session(upstream: "github", agentID: "b"))
        #expect(t.close("g1")?.agentsLast == false, "g2 is still open")
        #expect(t.close("g2")?.agentsLast == true, "a's session on files and b's on github are not a's on github")
        #expect(t.close("g2") == nil, "closing twice finds nothing")
        #expect(t.close("f1")?.agentsLast == true)
    }

    @Test func theIdleTimeIsReadFromTheConfig() throws {
        var section = ServeSection()
        #expect(section.sessionIdleMs == 30 * 60_000)
        try section.read(key: "serve.session_idle", value: "90s")
        #expect(section.sessionIdleMs == 90_000)
        for bad in ["soon", "500ms", "8d"] {
            #expect(throws: ConfigValueError.self) { try section.read(key: "serve.session_idle", value: bad) }
        }
        #expect(ServeSection.owns("serve.session_idle"))
    }
}

/// A connection must have sent its request's headers within the header timeout of opening (or
/// of its previous request ending); one trickling bytes is cut even though it is never idle.
@Suite struct HeaderDeadlineTests {
    final class Cuts: @unchecked Sendable {
        let lock = Lock()
        var fds: [Int32] = []
        func cut(_ fd: Int32) { lock.lock(); fds.append(fd); lock.unlock() }
        var all: [Int32] { lock.lock(); defer { lock.unlock() }; return fds }
    }

    nonisolated(unsafe) static let a = UnsafeMutableRawPointer(bitPattern: 0x1000)!
    nonisolated(unsafe) static let b = UnsafeMutableRawPointer(bitPattern: 0x2000)!

    @Test func aConnectionWithoutItsHeadersIsCutAfterTheLimitAndOnce() {
        let clock = HandClock(), cuts = Cuts()
        let d = HeaderDeadlines(limitNanos: 10_000_000_000, now: { clock.now() }, cut: { cuts.cut($0) })
        d.opened(Self.a, fd: 7)
        d.opened(Self.b, fd: 8)
        clock.advance(seconds: 5)
        d.headersIn(Self.b)  // b's request came in time and is being handled (for long)
        clock.advance(seconds: 6)
        #expect(d.sweep() == 1)
        #expect(cuts.all == [7])
        clock.advance(seconds: 60)
        #expect(d.sweep() == 0, "a is cut once; b's request is under way")
        d.closed(Self.a)
        #expect(d.count == 1)
    }

    @Test func keepAliveStartsTheClockAgainAfterEachRequest() {
        let clock = HandClock(), cuts = Cuts()
        let d = HeaderDeadlines(limitNanos: 10_000_000_000, now: { clock.now() }, cut: { cuts.cut($0) })
        d.opened(Self.a, fd: 7)
        for _ in 0..<3 {
            clock.advance(seconds: 9)
            d.headersIn(Self.a)
            clock.advance(seconds: 100)  // a long call
            d.requestEnded(Self.a)
            #expect(d.sweep() == 0)
        }
        clock.advance(seconds: 11)
        #expect(d.sweep() == 1 && cuts.all == [7], "the next request's headers did not come in time")
    }

    @Test func theConnectionSettingsAreReadFromTheConfig() throws {
        var s = ServeSection()
        #expect(s.clientTimeoutSeconds == 60 && s.headerTimeoutSeconds == 10 && s.maxConnections == 1024 && s.maxConnectionsPerIP == 256)
        try s.read(key: "serve.client_timeout", value: "2m")
        try s.read(key: "serve.header_timeout", value: "5s")
        try s.read(key: "serve.max_connections", value: "64")
        try s.read(key: "serve.max_connections_per_ip", value: "0")
        #expect(s.clientTimeoutSeconds == 120 && s.headerTimeoutSeconds == 5 && s.maxConnections == 64 && s.maxConnectionsPerIP == 0)
        for (key, bad) in [("serve.client_timeout", "0s"), ("serve.client_timeout", "1500ms"), ("serve.header_timeout", "1h"),
                           ("serve.max_connections", "2"), ("serve.max_connections_per_ip", "-1"), ("serve.max_connections", "many")] {
            #expect(throws: ConfigValueError.self, "\(key) = \(bad)") { try s.read(key: key, value: bad) }
            #expect(ServeSection.owns(key))
        }
    }
}
