import Glibc

/// Splits a byte stream from a file descriptor into newline-delimited lines for a relay: each
/// line's bytes are handed on exactly as they came (a `\r` is kept), in linear time:
/// each byte is scanned once, and a line longer than one read is gathered in a growing buffer
/// (amortized appends, never re-scanned).
///
/// A line over `maxLine` bytes is not gathered whole: its bytes are handed on in pieces
/// (`.oversized`), the last piece flagged `final`, so memory stays bounded.
public final class RelayLineReader {
    public enum Event {
        /// One line without its `\n` (a `\r` before it is kept: the bytes are relayed as they came).
        case line([UInt8])
        /// A piece of a line longer than the limit; `final` when its newline has been reached.
        case oversized([UInt8], final: Bool)
    }

    public static let defaultMaxLine = 128 << 20  // 128 MiB

    public let fd: Int32
    /// Readable to interrupt a blocked read (the relay is ending); nil to block on `fd` alone.
    public let wakeFD: Int32?
    public let maxLine: Int
    private var chunk: [UInt8]
    private var partial: [UInt8] = []
    private var inOversized = false
    /// True when reading stopped because `wakeFD` became readable (not end of input).
    public private(set) var woken = false

    public init(fd: Int32, wakeFD: Int32? = nil, maxLine: Int = RelayLineReader.defaultMaxLine, chunkSize: Int = 1 << 18) {
        self.fd = fd
        self.wakeFD = wakeFD
        self.maxLine = maxLine
        self.chunk = [UInt8](repeating: 0, count: chunkSize)
    }

    /// Reads until end of input (or a wake-up), calling `handle` for each event. A last line
    /// without a newline is delivered at end of input.
    public func run(_ handle: (Event) -> Void) {
        while let n = readSome() {
            chunk.withUnsafeBufferPointer { buf in split(buf, count: n, handle) }
        }
        if inOversized {
            handle(.oversized(partial, final: true))
        } else if !partial.isEmpty {
            handle(.line(partial))
        }
        partial = []
    }

    /// Bytes read into `chunk`, or nil at end of input, on error, or when woken.
    private func readSome() -> Int? {
        while true {
            if let wakeFD {
                var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
                let r = poll(&fds, 2, -1)
                if r < 0 {
                    if errno == EINTR { continue }
                    return nil
                }
                if fds[1].revents != 0 { woken = true; return nil }
                if fds[0].revents == 0 { continue }
            }
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return nil
            }
            return n == 0 ? nil : n
        }
    }

    private func split(_ buf: UnsafeBufferPointer<UInt8>, count: Int, _ handle: (Event) -> Void) {
        let base = buf.baseAddress!
        var i = 0
        while i < count {
            let found = memchr(base + i, 10, count - i)
            guard let found else {
                append(UnsafeBufferPointer(start: base + i, count: count - i), handle)
                return
            }
            let nl = UnsafeRawPointer(found).assumingMemoryBound(to: UInt8.self) - base
            let piece = UnsafeBufferPointer(start: base + i, count: nl - i)
            if inOversized {
                partial.append(contentsOf: piece)
                handle(.oversized(partial, final: true))
                partial = []
                inOversized = false
            } else if partial.isEmpty {
                handle(.line(Array(piece)))
            } else {
                partial.append(contentsOf: piece)
                if partial.count > maxLine {
                    handle(.oversized(partial, final: true))
                } else {
                    handle(.line(partial))
                }
                partial = []
            }
            i = nl + 1
        }
    }

    private func append(_ piece: UnsafeBufferPointer<UInt8>, _ handle: (Event) -> Void) {
        partial.append(contentsOf: piece)
        if partial.count > maxLine || (inOversized && partial.count >= 1 << 20) {
            inOversized = true
            handle(.oversized(partial, final: false))
            partial = []
        }
    }
}
