import Foundation
import Testing

/// A `warden` process started in the background: several can run at once, be signalled and
/// waited for. Spawned with posix_spawn, an empty signal mask and default SIGINT/SIGTERM/SIGPIPE
/// (the test runner's threads block signals and a child would inherit that), output to files.
final class SpawnedWarden: @unchecked Sendable {
    let pid: pid_t
    let args: [String]
    let outPath: String
    let errPath: String
    private let lock = NSLock()
    private var result: RunResult?

    /// `processGroup`: nil → the test runner's; 0 → a new group led by this process; else join that group.
    init(_ args: [String], environment: [String: String], in folder: URL, stdinPath: String = "/dev/null",
         processGroup: pid_t? = nil) throws {
        self.args = args
        let id = UUID().uuidString.prefix(8)
        outPath = folder.appendingPathComponent("spawn-out-\(id)").path
        errPath = folder.appendingPathComponent("spawn-err-\(id)").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGPIPE] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if let processGroup {
            posix_spawnattr_setpgroup(&attr, processGroup)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attr, Int16(flags))
        let argv = [WardenBinary.path] + args
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, WardenBinary.path, &actions, &attr, cArgs, cEnv)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        self.pid = pid
    }

    deinit {
        if result == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
        unlink(outPath)
        unlink(errPath)
    }

    /// What the process wrote to stderr so far.
    var stderrSoFar: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    func signal(_ sig: Int32) { kill(pid, sig) }

    /// True once the process has exited (reaps it).
    var hasExited: Bool {
        lock.lock(); defer { lock.unlock() }
        if result != nil { return true }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { result = Self.result(status, outPath, errPath); return true }
        return false
    }

    /// Waits for the process to exit, at most `seconds` (then kills it and records an issue).
    @discardableResult
    func wait(seconds: Double = 60, sourceLocation: SourceLocation = #_sourceLocation) -> RunResult {
        let deadline = Date().addingTimeInterval(seconds)
        while !hasExited {
            if Date() > deadline {
                Issue.record("warden \(args.joined(separator: " ")) still running after \(seconds) s; killed",
                             sourceLocation: sourceLocation)
                kill(pid, SIGKILL)
                var status: Int32 = 0
                _ = waitpid(pid, &status, 0)
                lock.lock()
                result = Self.result(status, outPath, errPath)
                lock.unlock()
                break
            }
            usleep(10_000)
        }
        lock.lock(); defer { lock.unlock() }
        return result!
    }

    /// Exit code, or 128 + signal for a process killed by a signal (as a shell reports it).
    private static func result(_ status: Int32, _ out: String, _ err: String) -> RunResult {
        let signalled = status & 0x7F
        let code = signalled == 0 ? (status >> 8) & 0xFF : 128 + signalled
        return RunResult(status: code,
                         stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
}

extension Sandbox {
    /// Starts `warden --db DB ARGS…` in the background with the same clean environment as `run`.
    func spawn(_ args: [String], environment extra: [String: String] = [:], processGroup: pid_t? = nil) throws -> SpawnedWarden {
        var env = [
            "PATH": "/usr/bin:/bin",
            "HOME": folder.path,
            "WARDEN_OPERATOR": "e2e-tester",
            "LANG": "C.UTF-8",
        ]
        for (k, v) in extra { env[k] = v }
        return try SpawnedWarden(["--db", db] + args, environment: env, in: folder, processGroup: processGroup)
    }
}

/// Polls `predicate` until it holds or `seconds` pass: a bounded wait, not a sleep.
@discardableResult
func eventually(_ what: String, seconds: Double = 10, sourceLocation: SourceLocation = #_sourceLocation,
                _ predicate: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try predicate() { return true }
        usleep(50_000)
    }
    if try predicate() { return true }
    Issue.record("timed out after \(seconds) s waiting for \(what)", sourceLocation: sourceLocation)
    return false
}

/// A sandbox holds only constants (its folder and store path): safe to use from another thread.
extension Sandbox: @unchecked Sendable {}

/// What a system tool prints (its stderr dropped); a non-zero exit is recorded as an issue.
func toolOutput(_ tool: String, _ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    #expect(p.terminationStatus == 0, "\(tool) \(args.joined(separator: " ")) failed:\n\(text)", sourceLocation: sourceLocation)
    return text
}
