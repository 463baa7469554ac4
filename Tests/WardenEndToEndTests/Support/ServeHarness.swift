import Foundation
import Testing
import WardenHTTPClient

/// `warden serve` in the background for a test, with its upstreams: the official MCP Python SDK's
/// Streamable HTTP server, or its stdio server. Ports are chosen by the system (port 0) and read
/// back from the line each process prints, so tests run in parallel.
final class ServeHarness: @unchecked Sendable {
    enum Upstream: String, Sendable, CustomTestStringConvertible {
        case http, stdio
        var testDescription: String { self == .http ? "Streamable HTTP upstream" : "stdio upstream" }
    }

    /// The Python with the MCP SDK (`.ci/run` makes one); nil skips these tests.
    static let python: String? = {
        guard let p = ProcessInfo.processInfo.environment["WARDEN_TEST_PYTHON"], !p.isEmpty else { return nil }
        return p
    }()

    static let support = WardenBinary.packageRoot.appendingPathComponent("Tests/Support")

    let sandbox: Sandbox
    let serve: SpawnedWarden
    let port: Int
    /// Every tool call the upstream executed, one line each (`TOOL ARGS_JSON`).
    let callLog: String
    /// The headers of every request the HTTP upstream got (one JSON object per line).
    let headerLog: String
    private var upstreamProcess: Process?

    var base: String { "http://127.0.0.1:\(port)" }
    var url: String { base + "/mcp/github" }

    init(_ sandbox: Sandbox, upstream: Upstream, extraConfig: String = "") throws {
        self.sandbox = sandbox
        callLog = sandbox.folder.appendingPathComponent("upstream-calls.log").path
        headerLog = sandbox.folder.appendingPathComponent("upstream-headers.log").path
        let python = try #require(Self.python)
        let server = Self.support.appendingPathComponent("PythonMCPServer").path
        var config = ""
        switch upstream {
        case .stdio:
            config = "server.github.command = \(python) \(server)/server.py\n"
        case .http:
            let p = Process()
            p.executableURL = URL(fileURLWithPath: python)
            p.arguments = [server + "/http_server.py"]
            p.environment = ["TEST_MCP_CALL_LOG": callLog, "TEST_MCP_HEADER_LOG": headerLog, "PATH": "/usr/bin:/bin"]
            let out = sandbox.folder.appendingPathComponent("upstream.out")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            p.standardOutput = try FileHandle(forWritingTo: out)
            p.standardError = FileHandle.nullDevice
            try p.run()
            upstreamProcess = p
            var upPort = 0
            eventually("the upstream's port", seconds: 30) {
                upPort = Self.port(in: (try? String(contentsOf: out, encoding: .utf8)) ?? "") ?? 0
                return upPort > 0
            }
            config = "server.github.url = http://127.0.0.1:\(upPort)/mcp\nserver.github.header.Authorization = env:UPSTREAM_TOKEN\n"
        }
        let cfg = try sandbox.write("serve.cfg", config + extraConfig)
        serve = try sandbox.spawn(["serve", "--listen", "127.0.0.1:0", "--config", cfg],
                                  environment: ["TEST_MCP_CALL_LOG": callLog, "TEST_MCP_WAIT_TOOL": "1", "UPSTREAM_TOKEN": "Bearer upstream-secret-0451"])
        let p = ServeHarness.listeningPort(self.serve)
        port = p
        #expect(port > 0, "warden serve did not start: \(serve.stderrSoFar)")
    }

    deinit {
        serve.signal(SIGTERM)
        serve.wait(seconds: 30)
        // uvicorn's graceful shutdown waits on the SDK's session tasks: a test upstream is killed.
        if let p = upstreamProcess {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
    }

    /// The port `warden serve` listens on, read from the line it prints; 0 when it exited first.
    static func listeningPort(_ serve: SpawnedWarden) -> Int {
        var found = 0
        eventually("warden serve to listen", seconds: 30) {
            found = port(in: serve.stderrSoFar) ?? 0
            return found > 0 || serve.hasExited
        }
        return found
    }

    static func port(in text: String) -> Int? {
        guard let r = text.range(of: "listening on 127.0.0.1:") else { return nil }
        return Int(text[r.upperBound...].prefix { $0.isNumber })
    }

    /// Runs the SDK client (Tests/Support/GatewayClient/client.py) with `steps`; its JSON output.
    func client(token: String, mode: String = "auto", steps: [[String]], timeout: Double = 60) throws -> [String: Any] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(Self.python))
        p.arguments = [Self.support.appendingPathComponent("GatewayClient/client.py").path, url, "--mode", mode]
            + steps.flatMap { ["--step"] + $0 }
        p.environment = ["WARDEN_TOKEN": token, "PATH": "/usr/bin:/bin"]
        let out = sandbox.folder.appendingPathComponent("client-\(UUID().uuidString.prefix(6)).out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = p.standardOutput
        try p.run()
        p.waitUntilExit()
        let text = try String(contentsOf: out, encoding: .utf8)
        let last = text.split(separator: "\n").last.map(String.init) ?? ""
        guard p.terminationStatus == 0, let obj = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any] else {
            Issue.record("the SDK client failed (exit \(p.terminationStatus)):\n\(text)\n--- serve:\n\(serve.stderrSoFar)")
            return [:]
        }
        return obj
    }

    /// One raw HTTP exchange with the service (through WardenHTTPClient).
    func raw(_ method: String, _ path: String, headers: [HTTPHeader] = [], body: String = "") throws -> (head: HTTPClient.Head, body: String) {
        var bytes: [UInt8] = []
        var request = HTTPClient.Request(method: method, url: base + path, headers: headers, body: Array(body.utf8))
        request.timeoutMs = 30_000
        let head = try HTTPClient().perform(request, onHead: { _ in true }, onBody: { bytes += $0; return true })
        return (head, String(decoding: bytes, as: UTF8.self))
    }

    var executed: [String] {
        ((try? String(contentsOfFile: callLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    static func calls(_ r: [String: Any]) -> [[String: Any]] { r["calls"] as? [[String: Any]] ?? [] }
    static func deniedReason(_ call: [String: Any]) -> String? {
        ((call["error"] as? [String: Any])?["data"] as? [String: Any])?["reason"] as? String
    }
}

/// What an SDK client run on another thread returned, and when it did.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String: Any]?
    let done = DispatchSemaphore(value: 0)

    var value: [String: Any]? {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
