import Glibc
import WardenCore
import WardenMCP
import WardenSystem

/// One stdio server process behind one gateway session. A reader thread reads its stdout line by
/// line, strictly (a line that cannot be read one way only is dropped, as the proxy does), and
/// routes each message: an answer to the POST waiting on its id, anything else (notifications,
/// the server's own requests) to the newest waiting POST, else to the session's server stream.
final class StdioSession: @unchecked Sendable {
    /// A POST waiting for answers: its answers' bookkeeping, and the exchange that reads them.
    struct Waiter {
        let token: Int
        let answers: AwaitedAnswers
        let ex: Exchange
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

    /// The reader's buffer: the proxy's 256 KiB, zero-filled, was most of an idle session's
    /// memory (one per session here); a longer line is still gathered whole across reads.
    static let readChunk = 32 << 10

    /// Registers a POST waiting for answers to `ids` (before its line is sent, so no answer is
    /// missed). When the process has already ended, each id is answered with an error at once.
    func await(ids: [JSONValue], ex: Exchange, deliver: @escaping @Sendable (JSONValue) -> Void, done: @escaping @Sendable () -> Void) -> Waiter {
        let answers = AwaitedAnswers(ids: ids.map(Self.key), deliver: deliver, done: done)
        lock.lock()
        let w = Waiter(token: nextWaiter, answers: answers, ex: ex)
        nextWaiter += 1
        let gone = ended
        if !gone { waiters[w.token] = w }
        lock.unlock()
        if gone { answers.end { key in ended(key, ex) } }
        return w
    }

    /// A POST that stops waiting (its time ran out): the ids it still waited for, now the
    /// caller's to answer with errors; nil when its answers came or the process ended first,
    /// which finished it. A later answer to one of them goes to the server stream, if any.
    func expire(_ w: Waiter) -> [JSONValue]? {
        lock.lock()
        waiters[w.token] = nil
        lock.unlock()
        return w.answers.expire()?.compactMap { try? JSONParser.parse($0) }
    }

    /// The error a request still waiting gets when the process ends, through its gate (its
    /// call is recorded as failed).
    private func ended(_ key: String, _ ex: Exchange) -> JSONValue? {
        guard let id = try? JSONParser.parse(key) else { return nil }
        return ex.filterServer(MessageGate.error(id: id, message: "warden: the upstream \(upstream) ended", reason: "upstream_unavailable"))?.0
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
        RelayLineReader(fd: child.stdoutFD, chunkSize: Self.readChunk).run { event in
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
        let open = waiters.values.sorted { $0.token < $1.token }
        waiters.removeAll()
        let stream = serverStream
        serverStream = nil
        lock.unlock()
        if !open.isEmpty { onDeath() }
        for w in open { w.answers.end { key in ended(key, w.ex) } }
        if let stream { stream.0.close(); stream.1.gate.finish() }
    }

    /// An answer goes to the POST waiting for its id; a notification or request of the
    /// server's to the newest POST still waiting; else to the session's server stream. An
    /// answer no POST waits for any more (its deadline came first) is dropped when there is no
    /// server stream: its request was already answered with an error.
    private func route(_ message: JSONValue) {
        if case .array(let items) = message { return items.forEach(route) }
        let isAnswer = message["method"] == nil
        let key = isAnswer ? message["id"].map(Self.key) : nil
        lock.lock()
        var target: Waiter?
        if let key {
            target = waiters.values.first { $0.answers.isWaiting(for: key) }
        } else if !isAnswer {
            target = waiters.values.filter { $0.answers.isOpen }.max { $0.token < $1.token }
        }
        let stream = serverStream
        lock.unlock()
        if let t = target, t.answers.offer(message, answering: key, gate: { t.ex.filterServer($0)?.0 }) {
            // Its last answer in: the POST waits no more (a streamed one has no deadline
            // thread left to take it off).
            if !t.answers.isOpen { lock.lock(); waiters[t.token] = nil; lock.unlock() }
            return
        }
        if let (s, ex) = stream {
            if let m = ex.filterServer(message)?.0 { s.write(SSEEvent(event: "message", data: JSONWriter.write(m, indent: false)).bytes) }
            return
        }
        if isAnswer { note("upstream \(upstream): dropped an answer no request waits for any more") }
    }
}
