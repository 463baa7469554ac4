import Glibc
import WardenCore
import WardenMCP
import WardenSystem

/// One stdio server process behind one gateway session. A reader thread reads its stdout line by
/// line, strictly (a line that cannot be read one way only is dropped, as the proxy does), and
/// routes each message: an answer to the POST waiting on its id, anything else (notifications,
/// the server's own requests) to the newest waiting POST, else to the session's server stream.
final class StdioSession: @unchecked Sendable {
    private struct Waiter {
        var ids: Set<String>
        let ex: Exchange
        let deliver: @Sendable (JSONValue) -> Void
        let done: @Sendable () -> Void
    }

    private let child: ChildProcess
    private let upstream: String
    private let note: @Sendable (String) -> Void
    private let onDeath: @Sendable () -> Void
    private let lock = Lock()
    private let writeLock = Lock()
    private var waiters: [Int: Waiter] = [:]
    private var nextWaiter = 0
    private var serverStream: (ByteStream, Exchange)?
    private var ended = false

    init(command: [String], upstream: String, note: @escaping @Sendable (String) -> Void,
         onDeath: @escaping @Sendable () -> Void) throws(ChildProcess.SpawnError) {
        let env = ProcessEnvironment.current().filter { !$0.key.hasPrefix("WARDEN_") }
        child = try ChildProcess(command: command, environment: env)
        self.upstream = upstream
        self.note = note
        self.onDeath = onDeath
        BackgroundThread.start(name: "warden-stdio-upstream") { [self] in readLoop() }
    }

    /// The process ended (or closed its stdout): the session cannot go on.
    var hasEnded: Bool {
        lock.lock()
        defer { lock.unlock() }
        return ended
    }

    static func key(_ id: JSONValue) -> String { JSONWriter.write(id, indent: false) }

    /// Registers a POST waiting for answers to `ids` (before its line is sent, so no answer is missed).
    @discardableResult
    func await(ids: [JSONValue], ex: Exchange, deliver: @escaping @Sendable (JSONValue) -> Void, done: @escaping @Sendable () -> Void) -> Int {
        lock.lock()
        if ended { lock.unlock(); done(); return -1 }
        let id = nextWaiter
        waiters[id] = Waiter(ids: Set(ids.map(Self.key)), ex: ex, deliver: deliver, done: done)
        nextWaiter += 1
        lock.unlock()
        return id
    }

    /// A POST that stops waiting (its time ran out): the ids it still waited for, if it was
    /// waiting (nil when its answers came or the process ended first, which finished it).
    /// Later answers go to the server stream.
    func expire(_ waiter: Int) -> [JSONValue]? {
        lock.lock()
        let w = waiters.removeValue(forKey: waiter)
        lock.unlock()
        return w.map { $0.ids.sorted().compactMap { try? JSONParser.parse($0) } }
    }

    func attachServerStream(_ stream: ByteStream, _ ex: Exchange) {
        lock.lock()
        let old = serverStream
        serverStream = (stream, ex)
        lock.unlock()
        if let old { old.0.close(); old.1.gate.finish() }
    }

    func send(_ line: [UInt8]) {
        writeLock.lock()
        defer { writeLock.unlock() }
        let fd = child.stdinFD
        guard fd >= 0 else { return }
        _ = FD.writeAll(fd, line + [10])
    }

    /// Ends the process: stdin closed (the MCP way), then SIGTERM and SIGKILL if it lingers.
    func stop() {
        writeLock.lock()
        child.closeStdin()
        writeLock.unlock()
        let child = self.child
        BackgroundThread.start {
            for _ in 0..<50 { if child.poll() != nil { return }; usleep(100_000) }
            child.signal(SIGTERM)
            for _ in 0..<30 { if child.poll() != nil { return }; usleep(100_000) }
            child.signal(SIGKILL)
            _ = child.wait()
        }
    }

    private func readLoop() {
        RelayLineReader(fd: child.stdoutFD).run { event in
            guard case .line(let raw) = event else { return note("upstream \(upstream): dropped an oversized line") }
            var body = raw[...]
            if body.last == 13 { body = body.dropLast() }
            if body.allSatisfy({ $0 == 32 || $0 == 9 }) { return }
            guard !body.contains(13), let message = try? JSONParser.parse(bytes: Array(body)) else {
                return note("upstream \(upstream): dropped a line that cannot be read one way only")
            }
            route(message)
        }
        FD.close(child.stdoutFD)
        lock.lock()
        ended = true
        let open = waiters.values
        waiters.removeAll()
        let stream = serverStream
        serverStream = nil
        lock.unlock()
        if !open.isEmpty { onDeath() }
        for w in open {
            for id in w.ids {
                if let v = try? JSONParser.parse(id) {
                    w.deliver(MessageGate.error(id: v, message: "warden: the upstream \(upstream) ended", reason: "upstream_unavailable"))
                }
            }
            w.done()
        }
        if let stream { stream.0.close(); stream.1.gate.finish() }
    }

    private func route(_ message: JSONValue) {
        if case .array(let items) = message { return items.forEach(route) }
        let isAnswer = message["method"] == nil
        let key = message["id"].map(Self.key)
        lock.lock()
        var target: Int?
        if isAnswer, let key { target = waiters.first { $0.value.ids.contains(key) }?.key }
        if target == nil, !isAnswer { target = waiters.keys.max() }
        if target == nil, serverStream == nil { target = waiters.keys.max() }
        if let t = target, var w = waiters[t] {
            if isAnswer, let key { w.ids.remove(key) }
            let finished = w.ids.isEmpty
            if finished { waiters[t] = nil } else { waiters[t] = w }
            lock.unlock()
            if let m = w.ex.filterServer(message)?.0 { w.deliver(m) }
            if finished { w.done() }
            return
        }
        let stream = serverStream
        lock.unlock()
        if let (s, ex) = stream, let m = ex.filterServer(message)?.0 {
            s.write(SSEEvent(event: "message", data: JSONWriter.write(m, indent: false)).bytes)
        }
    }
}
