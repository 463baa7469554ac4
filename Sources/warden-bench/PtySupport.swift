import Foundation
import Glibc

/// A pseudo-terminal pair sized 120×40, the master read by the benchmark.
final class PseudoTerminal {
    let master: Int32
    let slave: Int32

    init(width: Int = 120, height: Int = 40) throws {
        // posix_openpt/grantpt/unlockpt/ptsname do not import; this is what they do on Linux
        // (devpts): open the multiplexer, unlock the slave, ask its number.
        let m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard m >= 0, ioctl(m, Self.TIOCSPTLCK, &unlock) == 0, ioctl(m, Self.TIOCGPTN, &number) == 0 else {
            throw BenchFailure("cannot open a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        let s = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        guard s >= 0 else { throw BenchFailure("cannot open the pty slave") }
        var ws = winsize(ws_row: UInt16(height), ws_col: UInt16(width), ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(m, UInt(TIOCSWINSZ), &ws)
        master = m
        slave = s
    }

    /// _IOW('T', 0x31, int) and _IOR('T', 0x30, unsigned int) (Linux, all common architectures).
    static let TIOCSPTLCK: UInt = 0x4004_5431
    static let TIOCGPTN: UInt = 0x8004_5430

    deinit {
        close(master)
        close(slave)
    }

    /// The environment a terminal program gets: xterm-256color, UTF-8, a clean HOME.
    static func environment(home: String) -> [String: String] {
        ["TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": home, "PATH": "/usr/bin:/bin",
         "COLUMNS": "120", "LINES": "40", "XDG_CONFIG_HOME": home + "/.config"]
    }

    /// Starts a program with stdin and stdout on the slave (stderr where given).
    func spawn(_ path: String, _ args: [String], environment: [String: String], stderr: FileHandle? = nil) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.environment = environment
        let tty = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        p.standardInput = tty
        p.standardOutput = tty
        p.standardError = stderr ?? tty
        try p.run()
        return p
    }

    /// Reads whatever the master has within `timeoutMs`; returns the byte count (0 on timeout).
    func drain(timeoutMs: Int32) -> Int {
        var fds = [pollfd(fd: master, events: Int16(POLLIN), revents: 0)]
        guard poll(&fds, 1, timeoutMs) > 0, fds[0].revents & Int16(POLLIN) != 0 else { return 0 }
        var buf = [UInt8](repeating: 0, count: 65_536)
        let n = read(master, &buf, buf.count)
        return max(0, n)
    }

    /// Reads until the master has been quiet for `quietMs`; returns the bytes read.
    func drainUntilQuiet(quietMs: Int32) -> Int {
        var total = 0
        while true {
            let n = drain(timeoutMs: quietMs)
            if n == 0 { return total }
            total += n
        }
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBufferPointer { write(master, $0.baseAddress, $0.count) }
    }
}

/// Where the sibling binaries are: next to this one.
enum Siblings {
    static let folder: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }()
    static func path(_ name: String) -> String? {
        let p = folder + "/" + name
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }
    static var selfPath: String { folder + "/warden-bench" }
}
