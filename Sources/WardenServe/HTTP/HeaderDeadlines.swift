import Glibc
import WardenSystem

/// The header deadline of every open connection. libmicrohttpd's own timeout only ends a
/// connection that sends nothing; one that trickles a byte now and then (slowloris) would hold
/// its thread and its slot forever. Here a request's headers must be complete within `limit`
/// of the connection opening, or of its previous request ending (keep-alive); `sweep` cuts the
/// connections past it. Cutting is `shutdown(2)`, which only wakes the connection's own thread
/// (it reads the end and closes): the socket stays libmicrohttpd's to close, so its number
/// cannot be reused under us.
final class HeaderDeadlines: @unchecked Sendable {
    private struct Watch {
        let fd: Int32
        /// When the clock for the next request's headers started; nil while a request is
        /// being handled (its headers came) or once cut.
        var since: UInt64?
    }

    private let lock = Lock()
    private var open: [UnsafeMutableRawPointer: Watch] = [:]
    let limitNanos: UInt64
    private let now: @Sendable () -> UInt64
    private let cut: @Sendable (Int32) -> Void

    init(limitNanos: UInt64, now: @escaping @Sendable () -> UInt64 = MonotonicClock.nanos,
         cut: @escaping @Sendable (Int32) -> Void = { _ = shutdown($0, Int32(SHUT_RDWR)) }) {
        self.limitNanos = limitNanos
        self.now = now
        self.cut = cut
    }

    func opened(_ connection: UnsafeMutableRawPointer, fd: Int32) {
        guard fd >= 0 else { return }
        lock.lock()
        open[connection] = Watch(fd: fd, since: now())
        lock.unlock()
    }

    /// A request's headers are all in: its handling is not the header deadline's business.
    func headersIn(_ connection: UnsafeMutableRawPointer) {
        lock.lock()
        open[connection]?.since = nil
        lock.unlock()
    }

    /// A request ended: the clock starts for the next one on the connection.
    func requestEnded(_ connection: UnsafeMutableRawPointer) {
        lock.lock()
        if open[connection] != nil { open[connection]?.since = now() }
        lock.unlock()
    }

    func closed(_ connection: UnsafeMutableRawPointer) {
        lock.lock()
        open[connection] = nil
        lock.unlock()
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return open.count
    }

    /// Cuts every connection past its deadline; how many. Done under the lock so that a
    /// connection being closed (and its socket freed) waits until its cut is done.
    @discardableResult
    func sweep() -> Int {
        lock.lock()
        defer { lock.unlock() }
        let t = now()
        var n = 0
        for (c, w) in open {
            guard let since = w.since, t >= since, t - since > limitNanos else { continue }
            open[c]?.since = nil
            cut(w.fd)
            n += 1
        }
        return n
    }
}
