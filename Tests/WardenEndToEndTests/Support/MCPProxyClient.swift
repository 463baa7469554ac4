import Foundation
import Testing

/// A scripted MCP client in front of the real `warden mcp-proxy`, with the test MCP server
/// (`warden-test-mcp-server`) behind it: newline-delimited JSON-RPC over pipes.
final class MCPProxyClient {
    let pid: pid_t
    /// The tool calls the test server executed, one line each: `TOOL ARGS_JSON`.
    let executedLog: String
    /// The proxy's (and the server's) stderr.
    let errPath: String
    private let toProxy: Int32
    private let fromProxy: Int32
    private var pending: [UInt8] = []
    private var nextID = 1
    private var exitStatus: Int32?
    /// Closed once only: a descriptor number closed twice may by then be another test's file.
    private var inputOpen = true

    static var testServer: String {
        URL(fileURLWithPath: WardenBinary.path).deletingLastPathComponent().appendingPathComponent("warden-test-mcp-server").path
    }

    struct NoAnswer: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `warden --db DB mcp-proxy --token-env WARDEN_TOKEN --server-name SERVER [--host HOST] -- TEST_SERVER`.
    /// `processGroup` as for `SpawnedWarden`: nil → the runner's, 0 → a new one, else join it.
    /// `store` overrides the sandbox's store (a PostgreSQL URI that logs in as another role).
    /// `decide`: `--decide URL [--ca-file caFile]` instead of `--db` (no store named on the command
    /// line; `environment` may add WARDEN_DB to prove it is not opened). `user`: run as this uid
    /// and gid through setpriv(1) (the test runs as root).
    init(_ s: Sandbox, token: String, serverName: String = "github", host: String? = nil, processGroup: pid_t? = nil,
         store: String? = nil, decide: String? = nil, caFile: String? = nil, user: UInt32? = nil,
         environment extra: [String: String] = [:]) throws {
        // A proxy that exited must fail the test, not kill the runner with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let id = UUID().uuidString.prefix(8)
        executedLog = s.folder.appendingPathComponent("executed-\(id).log").path
        errPath = s.folder.appendingPathComponent("proxy-err-\(id).log").path
        // Close-on-exec: other tests spawn processes at the same time (the child gets its ends by dup2).
        var toFDs: [Int32] = [0, 0], fromFDs: [Int32] = [0, 0]
        guard pipe(&toFDs) == 0, pipe(&fromFDs) == 0 else { throw POSIXError(.EMFILE) }
        for fd in toFDs + fromFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toFDs[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromFDs[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGINT, SIGTERM, SIGPIPE] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if let processGroup {
            posix_spawnattr_setpgroup(&attr, processGroup)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attr, Int16(flags))
        var env = ["PATH": "/usr/bin:/bin", "HOME": s.folder.path, "LANG": "C.UTF-8", "WARDEN_TOKEN": token,
                   "TEST_MCP_CALL_LOG": executedLog]
        for (k, v) in extra { env[k] = v }
        let target = decide.map { ["--decide", $0] + (caFile.map { ["--ca-file", $0] } ?? []) } ?? ["--db", store ?? s.db]
        var argv = [WardenBinary.path] + (decide == nil ? target : []) + ["mcp-proxy", "--token-env", "WARDEN_TOKEN", "--server-name", serverName]
            + (decide == nil ? [] : target) + (host.map { ["--host", $0] } ?? []) + ["--", Self.testServer]
        if let user {
            // Another user writes the server's call log: it is made here, writable by anyone.
            _ = FileManager.default.createFile(atPath: executedLog, contents: nil, attributes: [.posixPermissions: 0o666])
            argv = ["/usr/bin/setpriv", "--reuid=\(user)", "--regid=\(user)", "--clear-groups", "--"] + argv
        }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attr, cArgs, cEnv)
        close(toFDs[0])
        close(fromFDs[1])
        guard rc == 0 else {
            close(toFDs[1])
            close(fromFDs[0])
            throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO)
        }
        self.pid = pid
        toProxy = toFDs[1]
        fromProxy = fromFDs[0]
    }

    deinit {
        closeInput()
        close(fromProxy)
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
    }

    var stderrText: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    /// The tool calls the server executed (`TOOL ARGS_JSON` each).
    var executed: [String] {
        ((try? String(contentsOfFile: executedLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func send(_ message: [String: Any]) throws {
        let bytes = Array(try JSONSerialization.data(withJSONObject: message)) + [10]
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(toProxy, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw NoAnswer(description: "the proxy stopped reading: \(stderrText)") }
            offset += n
        }
    }

    /// Sends a request and waits (at most `timeout` seconds) for the answer with its id.
    func request(_ method: String, _ params: [String: Any], timeout: Double = 20) throws -> [String: Any] {
        let id = nextID
        nextID += 1
        try send(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
        let deadline = Date().addingTimeInterval(timeout)
        while let line = readLine(until: deadline) {
            guard let answer = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
            if answer["method"] == nil, (answer["id"] as? NSNumber)?.intValue == id { return answer }
        }
        throw NoAnswer(description: "no answer to \(method) within \(timeout) s; proxy stderr: \(stderrText)")
    }

    func initialize() throws {
        let r = try request("initialize", ["protocolVersion": "2025-06-18", "capabilities": [String: Any](),
                                           "clientInfo": ["name": "e2e-client", "version": "1"]])
        guard r["result"] != nil else { throw NoAnswer(description: "initialize failed: \(r)") }
        try send(["jsonrpc": "2.0", "method": "notifications/initialized"])
    }

    func call(_ tool: String, _ arguments: [String: Any] = [:]) throws -> [String: Any] {
        try request("tools/call", ["name": tool, "arguments": arguments])
    }

    /// The text of a tool result's first content item.
    static func text(_ answer: [String: Any]) -> String? {
        ((answer["result"] as? [String: Any])?["content"] as? [[String: Any]])?.first?["text"] as? String
    }

    /// The reason of a denial (`warden: denied (REASON)`).
    static func deniedReason(_ answer: [String: Any]) -> String? {
        ((answer["error"] as? [String: Any])?["data"] as? [String: Any])?["reason"] as? String
    }

    /// Closes the proxy's stdin and waits for it to exit; its exit status (nil: still running, killed).
    func finish(timeout: Double = 30) -> Int32? {
        closeInput()
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid {
                exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
                return exitStatus
            }
            usleep(20_000)
        }
        return nil
    }

    private func closeInput() {
        if inputOpen { close(toProxy) }
        inputOpen = false
    }

    /// The next line from the proxy, or nil at the deadline or at its end of output.
    private func readLine(until deadline: Date) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let nl = pending.firstIndex(of: 10) {
                let line = Array(pending[..<nl])
                pending.removeSubrange(...nl)
                return line
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return nil }
            var p = pollfd(fd: fromProxy, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(min(left, 1) * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            guard ready >= 0 else { return nil }
            if ready == 0 { continue }
            let n = read(fromProxy, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            pending += buffer[..<n]
        }
    }
}
