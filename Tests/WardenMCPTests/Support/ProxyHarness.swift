import Foundation
import Glibc
import Testing
import WardenCore
import WardenSQLite
import WardenStore
@testable import WardenMCP
import WardenSystem

/// Where the built executables are: `$WARDEN_BIN_DIR`, else next to the test bundle, else
/// `<package>/.build/debug`.
enum Built {
    static let dir: String = {
        let env = ProcessInfo.processInfo.environment
        if let d = env["WARDEN_BIN_DIR"], !d.isEmpty { return d }
        let fm = FileManager.default
        var candidates: [String] = []
        let bundle = Bundle.main.bundlePath
        candidates.append(bundle)
        candidates.append((bundle as NSString).deletingLastPathComponent)
        if let exe = Bundle.main.executablePath {
            candidates.append(((exe as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent)
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        candidates.append(root + "/.build/debug")
        for c in candidates where fm.isExecutableFile(atPath: c + "/warden-test-mcp-server") { return c }
        return root + "/.build/debug"
    }()
    static var testServer: String { dir + "/warden-test-mcp-server" }
    static var warden: String { dir + "/warden" }
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// Whether the built `warden` has the `mcp-proxy` command (its usage error names --token-env).
    static let wardenHasMCPProxy: Bool = {
        guard FileManager.default.isExecutableFile(atPath: warden) else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: warden)
        p.arguments = ["mcp-proxy"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text.contains("--token-env")
    }()
}

let hour: Int64 = 3_600_000
func now() -> Timestamp { WallClock.now() }
func mut(_ reason: String? = nil) -> Mutation { Mutation(operatorName: "tester", now: now(), reason: reason) }
func scopes(_ s: String) -> ScopeSet { try! ScopeSet(parsing: s) }

/// alice → lead (`github/*,slack/*`) → bot (every test tool but delete_repo and exit); a token for bot.
final class Fleet {
    static let botScopes = "github/echo,github/add,github/get_*,github/create_issue,github/fail,github/big,github/notify,github/ask,github/sleep,github/garbage"
    let folder: String
    let path: String
    let store: any FleetStore
    let lead: Agent
    let bot: Agent
    let token: IssuedCredential
    var log: String { folder + "/server.log" }
    /// The tool calls the server executed, one line each: `TOOL ARGS_JSON`.
    var callLogPath: String { folder + "/executed.log" }
    var stderrPath: String { folder + "/stderr.log" }

    /// `toolPolicy`: the store's pinning policy. `trust` (the fixtures' default) approves the
    /// test server's tools at its first listing, so tests about other things see them all.
    init(botScopes: String = Fleet.botScopes, tokenTTL: Int64? = hour, toolPolicy: ToolPolicy = .trust) throws {
        folder = NSTemporaryDirectory() + "warden-mcp-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        path = folder + "/warden.db"
        store = try SQLiteBackend(path: path).create(trustDomain: "acme.example")
        _ = try store.addPrincipal(id: "user:alice@acme.example", kind: .human, name: "Alice", scopes: .everything, mut())
        lead = try store.registerAgent(name: "lead", delegator: "user:alice@acme.example", scopes: scopes("github/*,slack/*"),
                                       ttlMs: 24 * hour, mut())
        bot = try store.registerAgent(name: "bot", delegator: lead.id, scopes: scopes(botScopes), ttlMs: 23 * hour, mut())
        token = try store.issueCredential(agentID: bot.id, ttlMs: tokenTTL, scopes: nil, instanceID: nil, mut())
        if toolPolicy == .trust { try store.setToolPolicy(.trust, server: nil, mut()) }
    }

    /// What the test server received, one line per message.
    func serverLog() -> [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The tool calls the server executed (`TOOL ARGS_JSON` each).
    func executed() -> [String] {
        ((try? String(contentsOfFile: callLogPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func calls() throws -> [ToolCall] {
        try SQLiteBackend(path: path).open(for: .operations(readOnly: false)).calls(CallQuery(agentID: bot.id, limit: 1000)).sorted { $0.seq < $1.seq }
    }

    func instances() throws -> [Instance] {
        try SQLiteBackend(path: path).open(for: .operations(readOnly: false)).instances(agentID: bot.id)
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }
}

/// Lines read from a descriptor on a background thread, waited for with a timeout.
final class LineQueue: @unchecked Sendable {
    private let cond = NSCondition()
    private var lines: [[UInt8]] = []
    private var ended = false

    init(fd: Int32) {
        let t = Thread { [self] in
            RelayLineReader(fd: fd).run { event in
                guard case .line(let l) = event else { return }
                cond.lock(); lines.append(l); cond.signal(); cond.unlock()
            }
            cond.lock(); ended = true; cond.broadcast(); cond.unlock()
        }
        t.start()
    }

    func next(timeout: Double = 20) -> [UInt8]? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        cond.lock()
        defer { cond.unlock() }
        while lines.isEmpty && !ended {
            if !cond.wait(until: deadline) { return nil }
        }
        return lines.isEmpty ? nil : lines.removeFirst()
    }

    /// Waits for end of input (the proxy closed its stdout).
    func waitEnd(timeout: Double = 20) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        cond.lock()
        defer { cond.unlock() }
        while !ended { if !cond.wait(until: deadline) { return false } }
        return true
    }
}

/// A scripted MCP client talking to a proxy over pipes: the real `warden mcp-proxy` binary, or
/// `MCPProxy.run` on a thread of the test process.
final class Session: @unchecked Sendable {
    enum Mode { case binary, inProcess }

    let fleet: Fleet
    private let toProxy: Int32
    private let output: LineQueue
    private var process: Process?
    private var inProcessExit: Int32?
    private let inProcessDone = DispatchSemaphore(value: 0)
    private var nextID = 1
    /// Lines that arrived while waiting for another answer (notifications, server requests).
    var unsolicited: [JSONValue] = []

    /// `serverCommand`: the MCP server (default: the Swift test server); `tokenArgs`: how the binary
    /// gets the secret (default `--token-env WARDEN_TOKEN`); `stdinFirst`: bytes written before anything else.
    init(_ fleet: Fleet, mode: Mode = .binary, token: String? = nil, serverName: String? = "github",
         serverEnv: [String: String] = [:], heartbeatSeconds: Double = 5, serverCommand: [String]? = nil,
         tokenArgs: [String]? = nil, extraArgs: [String] = [], stdinFirst: [UInt8] = []) throws {
        // A proxy that exited (a refused flag, a crash) must fail the test, not kill the runner.
        signal(SIGPIPE, SIG_IGN)
        self.fleet = fleet
        let secret = token ?? fleet.token.secret
        var env = ProcessInfo.processInfo.environment
        env["TEST_MCP_LOG"] = fleet.log
        env["TEST_MCP_CALL_LOG"] = fleet.callLogPath
        env["WARDEN_TOKEN"] = secret
        for (k, v) in serverEnv { env[k] = v }
        var toProxyFDs: [Int32] = [0, 0], fromProxyFDs: [Int32] = [0, 0]
        _ = pipe(&toProxyFDs)
        _ = pipe(&fromProxyFDs)
        for fd in toProxyFDs + fromProxyFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        toProxy = toProxyFDs[1]
        output = LineQueue(fd: fromProxyFDs[0])
        let errFD = open(fleet.stderrPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        switch mode {
        case .binary:
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Built.warden)
            var args = ["--db", fleet.path, "mcp-proxy"] + (tokenArgs ?? ["--token-env", "WARDEN_TOKEN"]) + extraArgs
            if let serverName { args += ["--server-name", serverName] }
            p.arguments = args + ["--"] + (serverCommand ?? [Built.testServer])
            p.environment = env
            p.standardInput = FileHandle(fileDescriptor: toProxyFDs[0], closeOnDealloc: false)
            p.standardOutput = FileHandle(fileDescriptor: fromProxyFDs[1], closeOnDealloc: false)
            p.standardError = FileHandle(fileDescriptor: errFD, closeOnDealloc: false)
            try p.run()
            process = p
            close(toProxyFDs[0])
            close(fromProxyFDs[1])
            close(errFD)
            if !stdinFirst.isEmpty { FD.writeAll(toProxy, stdinFirst) }
        case .inProcess:
            var cfg = MCPProxyConfiguration(store: SQLiteBackend(path: fleet.path), token: secret, tokenEnvironmentVariable: "WARDEN_TOKEN",
                                            serverName: serverName, command: serverCommand ?? [Built.testServer], environment: env)
            cfg.input = toProxyFDs[0]
            cfg.output = fromProxyFDs[1]
            cfg.errorOutput = errFD
            cfg.forwardSignals = false
            cfg.heartbeatSeconds = heartbeatSeconds
            let config = cfg, inFD = toProxyFDs[0], outFD = fromProxyFDs[1]
            let t = Thread { [self] in
                let code = MCPProxy.run(config)
                close(inFD)
                close(outFD)
                close(errFD)
                inProcessExit = code
                inProcessDone.signal()
            }
            t.start()
        }
    }

    var pid: Int32? { process?.processIdentifier }

    func sendRaw(_ bytes: [UInt8]) {
        _ = FD.writeAll(toProxy, bytes)
    }

    func send(_ text: String) { sendRaw(Array((text + "\n").utf8)) }

    func send(_ v: JSONValue) { send(JSONWriter.write(v, indent: false)) }

    /// The next line from the proxy, parsed (a line that is not JSON fails the test).
    func receive(timeout: Double = 20) -> JSONValue? {
        guard let line = output.next(timeout: timeout) else { return nil }
        do { return try JSONParser.parse(bytes: line) } catch {
            Issue.record("the proxy sent a line that is not JSON: \(String(decoding: line.prefix(200), as: UTF8.self))")
            return nil
        }
    }

    func receiveRaw(timeout: Double = 20) -> [UInt8]? { output.next(timeout: timeout) }

    /// Closes the proxy's stdin, waits for it to exit, and returns every line it still wrote.
    func finishAndDrain(timeout: Double = 30) -> (code: Int32?, lines: [String]) {
        let code = finish(timeout: timeout)
        var lines: [String] = []
        while let l = output.next(timeout: 5) { lines.append(String(decoding: l, as: UTF8.self)) }
        return (code, lines)
    }

    /// Sends a request and waits for the answer with its id; other lines are kept in `unsolicited`.
    @discardableResult
    func request(_ method: String, _ params: JSONValue? = nil) -> JSONValue? {
        let id = nextID
        nextID += 1
        var members: [(String, JSONValue)] = [("jsonrpc", .string("2.0")), ("id", .int(id)), ("method", .string(method))]
        if let params { members.append(("params", params)) }
        send(.object(members))
        return awaitAnswer(id: .int(id))
    }

    func awaitAnswer(id: JSONValue) -> JSONValue? {
        while let msg = receive() {
            if msg["id"] == id && msg["method"] == nil { return msg }
            unsolicited.append(msg)
        }
        Issue.record("no answer to request \(JSONWriter.write(id))")
        return nil
    }

    func initialize() {
        let r = request("initialize", .object([("protocolVersion", .string("2025-06-18")), ("capabilities", .object([])),
                                               ("clientInfo", .object([("name", .string("test-client")), ("version", .string("1"))]))]))
        #expect(r?["result"]?["serverInfo"]?["name"]?.string != nil)
        send(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
    }

    func call(_ tool: String, _ arguments: [(String, JSONValue)] = []) -> JSONValue? {
        request("tools/call", .object([("name", .string(tool)), ("arguments", .object(arguments))]))
    }

    func toolNames() -> [String] {
        (request("tools/list")?["result"]?["tools"]?.array ?? []).compactMap { $0["name"]?.string }
    }

    /// Closes the proxy's stdin and waits for it to exit; its exit code.
    func finish(timeout: Double = 30) -> Int32? {
        close(toProxy)
        return waitExit(timeout: timeout)
    }

    func waitExit(timeout: Double = 30) -> Int32? {
        if let p = process {
            let deadline = Date(timeIntervalSinceNow: timeout)
            while p.isRunning && Date() < deadline { usleep(20_000) }
            if p.isRunning { p.terminate(); return nil }
            _ = output.waitEnd(timeout: 5)
            return p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
        }
        guard inProcessDone.wait(timeout: .now() + timeout) == .success else { return nil }
        _ = output.waitEnd(timeout: 5)
        return inProcessExit
    }
}

extension JSONValue {
    /// The text of the first content item of a tool result.
    var toolText: String? { self["result"]?["content"]?.array?.first?["text"]?.string }
    var errorReason: String? { self["error"]?["data"]?["reason"]?.string }
}

/// The MCP server the parser-differential tests run behind the proxy: the official MCP Python SDK
/// when `WARDEN_TEST_PYTHON` names a Python that has it (`.ci/run` makes one), else the Swift test
/// server, which reads the wire as the SDK does (universal newlines, the last duplicate key wins).
enum SDKServer {
    static let python: String? = {
        guard let p = ProcessInfo.processInfo.environment["WARDEN_TEST_PYTHON"], !p.isEmpty else { return nil }
        return p
    }()
    static var script: String { Built.packageRoot + "/Tests/Support/PythonMCPServer/server.py" }
    static var command: [String] { python.map { [$0, script] } ?? [Built.testServer] }
    static var name: String { python == nil ? "the Swift test server (SDK-like parsing)" : "the MCP Python SDK server" }
}

/// Polls `condition` every 50 ms for up to `seconds`.
func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date(timeIntervalSinceNow: seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(50_000)
    }
    return try condition()
}

/// The fake, real-shaped secrets of Tests/Support/Redaction/secrets.tsv.
enum ProxyCorpus {
    static func entries() throws -> [(secret: String, args: String)] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Support/Redaction/secrets.tsv").path
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            if line.hasPrefix("#") { return nil }
            let parts = line.split(separator: "\t", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
    }

    /// A file's raw bytes (none when it does not exist).
    static func bytes(_ path: String) -> [UInt8] {
        (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
    }

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        Data(haystack).range(of: Data(needle.utf8)) != nil
    }
}
