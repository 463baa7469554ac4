import Glibc
import WardenSystem

/// The process's output streams. stdout is block-buffered (large trees and tables go out in
/// big writes) and flushed before anything goes to stderr, so the two interleave in order.
enum Stdio {
    nonisolated(unsafe) private static let out: UnsafeMutablePointer<FILE>? = {
        let f = fdopen(1, "w")
        if let f { setvbuf(f, nil, _IOFBF, 1 << 16) }
        return f
    }()

    static func write(_ text: String) {
        guard let out else { return }
        fputs(text, out)
    }

    static func flush() {
        if let out { fflush(out) }
    }

    static func error(_ text: String) {
        flush()
        _ = FD.writeAll(2, Array(text.utf8))
    }
}
