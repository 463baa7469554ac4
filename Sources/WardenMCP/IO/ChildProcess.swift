import Glibc
import WardenSystem

/// The MCP server, started with posix_spawnp: its stdin and stdout are pipes to the proxy, its
/// stderr is the proxy's own (passes through untouched). Signal dispositions the proxy changed
/// (SIGPIPE ignored, SIGINT/SIGTERM caught) are reset to their defaults in the child.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    /// Write end of the child's stdin.
    public private(set) var stdinFD: Int32
    /// Read end of the child's stdout.
    public let stdoutFD: Int32

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(command: [String], environment: [String: String], stderrFD: Int32 = 2) throws(SpawnError) {
        guard let program = command.first, !program.isEmpty else { throw SpawnError(description: "no command to run") }
        guard let toChild = FD.pipe(), let fromChild = FD.pipe() else {
            throw SpawnError(description: "cannot create pipes: \(FD.errorText)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild.read, 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild.write, 1)
        if stderrFD != 2 { posix_spawn_file_actions_adddup2(&actions, stderrFD, 2) }

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attr, &mask)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var child: pid_t = 0
        let rc = posix_spawnp(&child, program, &actions, &attr, argv, envp)
        FD.close(toChild.read)
        FD.close(fromChild.write)
        guard rc == 0 else {
            FD.close(toChild.write)
            FD.close(fromChild.read)
            throw SpawnError(description: "cannot start '\(program)': \(String(cString: strerror(rc)))")
        }
        pid = child
        stdinFD = toChild.write
        stdoutFD = fromChild.read
    }

    /// Closes the child's stdin: the MCP way to ask a stdio server to exit.
    public func closeStdin() {
        lock.lock()
        let fd = stdinFD
        stdinFD = -1
        lock.unlock()
        FD.close(fd)
    }

    private let lock = Lock()

    public func signal(_ sig: Int32) {
        _ = kill(pid, sig)
    }

    /// Waits for the child to end; its exit code, or 128 + the signal that ended it.
    public func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 1 }
        }
        return Self.exitCode(status)
    }

    /// Non-blocking: the exit code if the child has ended.
    public func poll() -> Int32? {
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        return r == pid ? Self.exitCode(status) : nil
    }

    static func exitCode(_ status: Int32) -> Int32 {
        let sig = status & 0x7F
        if sig == 0 { return (status >> 8) & 0xFF }  // exited
        return 128 + sig  // killed by a signal
    }
}
