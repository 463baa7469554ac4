import Glibc
import WardenSystem

/// A request as the service sees it: header names lowercased, the body whole (capped).
public struct HTTPRequest: Sendable {
    public var method: String
    /// The path without its query (libmicrohttpd hands the query separately; it is never logged).
    public var path: String
    public var headers: [String: String]
    public var body: [UInt8]

    public init(method: String, path: String, headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// What the access log says about a request beyond its status: which upstream, what Warden decided.
public struct AccessNote: Sendable, Equatable {
    public var upstream: String?
    public var decision: String?
    public init(upstream: String? = nil, decision: String? = nil) {
        self.upstream = upstream
        self.decision = decision
    }
}

public struct HTTPResponse: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        /// Written as it arrives (an SSE stream), until the stream is closed.
        case stream(ByteStream)
    }

    public var status: Int
    public var headers: [(String, String)]
    public var body: Body
    public var note: AccessNote

    public init(status: Int, headers: [(String, String)] = [], body: Body = .bytes([]), note: AccessNote = AccessNote()) {
        self.status = status
        self.headers = headers
        self.body = body
        self.note = note
    }

    public static func text(_ status: Int, _ text: String, note: AccessNote = AccessNote()) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: .bytes(Array((text + "\n").utf8)), note: note)
    }

    public static func json(_ status: Int, _ bytes: [UInt8], headers: [(String, String)] = [], note: AccessNote = AccessNote()) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: .bytes(bytes), note: note)
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.equalsIgnoringASCIICase(name) }?.1
    }
}

/// Bytes handed from a producer (an upstream) to the connection writing them out. `read` waits;
/// when nothing came for `idleSeconds` it returns `idleBytes` (an SSE comment), so a client that
/// went away is noticed and a quiet stream stays open through proxies.
public final class ByteStream: @unchecked Sendable {
    private let cond = Condition()
    private var buffer: [UInt8] = []
    private var closed = false
    /// A producer's word that what it writes must go out as it comes (`streamNow`).
    private var streaming = false
    private let idleBytes: [UInt8]
    private let idleSeconds: Double
    /// Called once when the reader side is finished with the stream (the client left or it ended).
    private var onRelease: (@Sendable () -> Void)?

    public init(idleBytes: [UInt8] = Array(":\n\n".utf8), idleSeconds: Double = 15, onRelease: (@Sendable () -> Void)? = nil) {
        self.idleBytes = idleBytes
        self.idleSeconds = idleSeconds
        self.onRelease = onRelease
    }

    public func write(_ bytes: [UInt8]) {
        cond.lock()
        if !closed { buffer.append(contentsOf: bytes) }
        cond.signal()
        cond.unlock()
    }

    public func close() {
        cond.lock()
        closed = true
        cond.broadcast()
        cond.unlock()
    }

    /// What is written from now on must reach the reader as it comes (a server's notification
    /// while a call runs): `whole` stops waiting.
    public func streamNow() {
        cond.lock()
        streaming = true
        cond.broadcast()
        cond.unlock()
    }

    /// Waits until the stream is closed, `deadline` passes, or `streamNow` is said; everything
    /// written, drained, when it closed first (the caller then sends it in one piece), else nil
    /// (the stream is read as before).
    public func whole(until deadline: Deadline) -> [UInt8]? {
        cond.lock()
        defer { cond.unlock() }
        while !closed && !streaming {
            if !cond.wait(until: deadline) { break }
        }
        guard closed && !streaming else { return nil }
        let out = buffer
        buffer = []
        return out
    }

    public var isClosed: Bool {
        cond.lock()
        defer { cond.unlock() }
        return closed
    }

    /// Up to `max` bytes; nil at the end (closed and drained).
    public func read(max: Int) -> [UInt8]? {
        cond.lock()
        defer { cond.unlock() }
        let deadline = Deadline.after(seconds: idleSeconds)
        while buffer.isEmpty && !closed {
            if !cond.wait(until: deadline) { return Array(idleBytes.prefix(max)) }
        }
        if buffer.isEmpty { return nil }
        let n = min(max, buffer.count)
        let out = Array(buffer[..<n])
        buffer.removeFirst(n)
        return out
    }

    /// Adds what to do when the reader is finished with the stream.
    public func whenReleased(_ f: @escaping @Sendable () -> Void) {
        cond.lock()
        let previous = onRelease
        onRelease = { previous?(); f() }
        cond.unlock()
    }

    /// The reader is gone: later writes are dropped, and the producer is told.
    public func release() {
        close()
        cond.lock()
        let f = onRelease
        onRelease = nil
        cond.unlock()
        f?()
    }
}
