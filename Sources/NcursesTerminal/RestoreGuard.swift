#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CNcurses

/// Whether curses currently owns the terminal. Read by the signal handler and the exit hook,
/// which cannot carry context; written only on the thread that owns the Terminal.
/// `nonisolated(unsafe)`: a plain flag that C callbacks must reach; a torn read is impossible
/// for a Bool and the worst race is one redundant `endwin()`.
nonisolated(unsafe) private var cursesActive = false
nonisolated(unsafe) private var hooksInstalled = false

enum RestoreGuard {
    /// Marks curses active and makes sure the terminal is given back on exit and on
    /// SIGINT/SIGTERM/SIGHUP/SIGQUIT, whatever path the process takes.
    static func activate() {
        cursesActive = true
        guard !hooksInstalled else { return }
        hooksInstalled = true
        atexit { restoreIfActive() }
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            let previous = signal(sig, handleTerminatingSignal)
            // A signal the parent chose to ignore (nohup, background jobs) stays ignored.
            if let previous, unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) {
                signal(sig, SIG_IGN)
            }
        }
    }

    static func deactivate() { cursesActive = false }

    static var isActive: Bool { cursesActive }
}

private func restoreIfActive() {
    if cursesActive {
        cursesActive = false
        endwin()
    }
}

/// Restores the terminal, then dies of the same signal so the exit status tells the truth.
/// `endwin` is not formally async-signal-safe, but leaving the terminal in raw mode with
/// the alternate screen is worse; this is what curses programs commonly do.
private func handleTerminatingSignal(_ sig: Int32) {
    restoreIfActive()
    signal(sig, SIG_DFL)
    raise(sig)
}
