import Glibc

/// Reads a file descriptor in large chunks and hands out complete lines as byte slices of its
/// own buffer (valid until the next call), with their numbers, a CRLF's `\r` dropped: the
/// reader of line-oriented input files, which can resume on a growing file. A line longer than the cap is
/// never held in memory: it is skipped to its newline and reported as too long.
public final class NumberedLineReader {
    public enum Item {
        case line(UnsafeBufferPointer<UInt8>, number: Int)
        case tooLong(number: Int, bytes: Int)
    }

    public let fd: Int32
    public let maxLineBytes: Int
    private var buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var start = 0
    private var end = 0
    /// Where the newline search resumes (bytes before it are known to hold none).
    private var scanned = 0
    /// Skipping an over-long line: its number and the bytes seen so far.
    private var discarding: (number: Int, bytes: Int)?
    public private(set) var lineNumber = 0
    /// Bytes consumed from the descriptor so far.
    public private(set) var bytesRead: Int64 = 0
    public private(set) var atEOF = false
    public static let chunk = 1 << 20

    public init(fd: Int32, maxLineBytes: Int) {
        self.fd = fd
        self.maxLineBytes = maxLineBytes
        capacity = maxLineBytes + Self.chunk + 1
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// Hands out every complete line available now, reading until the descriptor has no more
    /// (EOF, or nothing yet for a growing file). Returns false on a read error (errno kept).
    /// `beforeRead(caughtUp)` runs before each read; `caughtUp` when the previous read came back
    /// short (the writer has nothing more yet, so pending work should not wait for more input).
    public func pump(beforeRead: (Bool) throws -> Void = { _ in }, _ body: (Item) throws -> Void) rethrows -> Bool {
        var caughtUp = false
        atEOF = false
        while true {
            // Lines already in the buffer.
            while true {
                let searchFrom = max(scanned, start)
                let n = end - searchFrom
                if n > 0, let nl = memchr(buffer + searchFrom, 10, n) {
                    let at = buffer.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                    if let d = discarding {
                        discarding = nil
                        start = at + 1
                        scanned = start
                        try body(.tooLong(number: d.number, bytes: d.bytes + (at - searchFrom)))
                        continue
                    }
                    lineNumber += 1
                    var lineEnd = at
                    if lineEnd > start, buffer[lineEnd - 1] == 13 { lineEnd -= 1 }  // CRLF
                    let line = UnsafeBufferPointer(start: buffer + start, count: lineEnd - start)
                    start = at + 1
                    scanned = start
                    if line.count > maxLineBytes {
                        try body(.tooLong(number: lineNumber, bytes: line.count))
                    } else {
                        try body(.line(line, number: lineNumber))
                    }
                    continue
                }
                scanned = end
                break
            }
            // No newline in [start, end).
            if let d = discarding {
                discarding = (d.number, d.bytes + (end - start))
                start = 0; end = 0; scanned = 0
            } else if end - start > maxLineBytes {
                lineNumber += 1
                discarding = (lineNumber, end - start)
                start = 0; end = 0; scanned = 0
            } else if start > 0 {
                // Keep the partial line at the front.
                let keep = end - start
                if keep > 0 { memmove(buffer, buffer + start, keep) }
                scanned -= start
                start = 0; end = keep
            }
            let room = capacity - end
            try beforeRead(caughtUp)
            let want = min(room, Self.chunk)
            let got = read(fd, buffer + end, want)
            caughtUp = got < want
            if got < 0 {
                if errno == EINTR { continue }
                return false
            }
            if got == 0 { atEOF = true; return true }
            end += got
            bytesRead += Int64(got)
        }
    }

    /// At the end of input: the last line when it has no newline.
    public func finish(_ body: (Item) throws -> Void) rethrows {
        if let d = discarding {
            discarding = nil
            try body(.tooLong(number: d.number, bytes: d.bytes + (end - start)))
        } else if end > start {
            lineNumber += 1
            var lineEnd = end
            if buffer[lineEnd - 1] == 13 { lineEnd -= 1 }
            try body(.line(UnsafeBufferPointer(start: buffer + start, count: lineEnd - start), number: lineNumber))
        }
        start = 0; end = 0; scanned = 0
    }

    /// Starts over (after truncation, or on a new file): line numbers restart at 1.
    public func reset() {
        start = 0; end = 0; scanned = 0
        discarding = nil
        lineNumber = 0
    }
}
