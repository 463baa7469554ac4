import Foundation
import Testing

/// The real binary in a real terminal: a detached tmux session we type into and read back.
final class TmuxSession {
    let name: String
    private let socket: String

    /// Starts `command` (a shell line) in a new session of `width`×`height`.
    init(_ command: String, width: Int = 120, height: Int = 40, folder: URL) throws {
        name = "warden-\(UUID().uuidString.prefix(8))"
        socket = folder.appendingPathComponent("tmux.sock").path
        // The first client forks the tmux server, which keeps the client's descriptors: give it
        // no pipe, or reading our own output would wait for the server to exit.
        // The pane waits while remain-on-exit is set, then runs the command: a command that ends
        // at once (a CLI table) must still leave its screen behind to be read.
        try tmux(["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", "sleep 86400"], capture: false)
        try tmux(["set-option", "-t", name, "remain-on-exit", "on"])
        try tmux(["respawn-pane", "-k", "-t", name, command])
    }

    deinit { _ = try? tmux(["kill-server"], capture: false) }

    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") }

    /// Runs tmux with posix_spawn and waitpid: the first client forks the server, which keeps
    /// the client's descriptors, so output goes to a file, never a pipe we would wait on.
    @discardableResult
    func tmux(_ args: [String], capture: Bool = true) throws -> String {
        let outPath = socket + ".out-" + UUID().uuidString.prefix(8)
        defer { unlink(outPath) }
        let argv = ["/usr/bin/tmux", "-S", socket] + args
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm-256color"
        env.removeValue(forKey: "TMUX")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, capture ? outPath : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        // The test runner's threads block signals and a spawned child inherits that mask; the
        // tmux server (and the dashboard under it) must get SIGWINCH like any terminal program.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/usr/bin/tmux", &actions, &attr, cArgs, cEnv)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard capture else { return "" }
        return (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    }

    /// Types keys as tmux names them (`"j"`, `"Enter"`, `"Escape"`, `"C-c"`).
    func send(_ keys: String...) throws { try tmux(["send-keys", "-t", name] + keys) }

    /// Types text literally.
    func type(_ text: String) throws { try tmux(["send-keys", "-t", name, "-l", text]) }

    var screen: String { (try? tmux(["capture-pane", "-p", "-t", name])) ?? "" }

    var title: String { (try? tmux(["display-message", "-p", "-t", name, "#{pane_title}"])) ?? "" }

    var isDead: Bool { ((try? tmux(["display-message", "-p", "-t", name, "#{pane_dead}"])) ?? "").hasPrefix("1") }

    func resize(_ width: Int, _ height: Int) throws {
        try tmux(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"])
    }

    /// Polls the screen until `predicate` holds or `seconds` pass; returns the last screen.
    /// A bounded wait for something the terminal must show, not a sleep.
    @discardableResult
    func waitFor(_ what: String, seconds: Double = 10, sourceLocation: SourceLocation = #_sourceLocation,
                 _ predicate: (String) -> Bool) -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = screen
            if predicate(last) { return last }
            usleep(50_000)
        }
        Issue.record("timed out waiting for \(what); screen:\n\(last)", sourceLocation: sourceLocation)
        return last
    }

    @discardableResult
    func waitFor(text: String, seconds: Double = 10, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        waitFor("'\(text)'", seconds: seconds, sourceLocation: sourceLocation) { $0.contains(text) }
    }
}
