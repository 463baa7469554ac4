import Foundation
import Glibc
import Testing
import WardenCore
import WardenSQLite
import WardenStore
@testable import WardenMCP

/// Scenario tests: a scripted client, the proxy, and the test MCP server as real processes.
/// The proxy is the built `warden mcp-proxy` (or, with WARDEN_MCP_TEST_MODE=inprocess,
/// `MCPProxy.run` on a thread). Serialized: every test starts processes, and the machine is small.
@Suite(.serialized)
struct ProxyTests {
    static let mode: Session.Mode = {
        switch ProcessInfo.processInfo.environment["WARDEN_MCP_TEST_MODE"] {
        case "inprocess": return .inProcess
        case "binary": return .binary
        default: return Built.wardenHasMCPProxy ? .binary : .inProcess
        }
    }()

    func start(_ fleet: Fleet, token: String? = nil, serverName: String? = "github",
               serverEnv: [String: String] = [:]) throws -> Session {
        try Session(fleet, mode: Self.mode, token: token, serverName: serverName, serverEnv: serverEnv)
    }

    /// An operator's change from another process: the `warden` CLI when built, else another
    /// store connection.
    func operatorCommand(_ fleet: Fleet, _ args: [String], fallback: (any FleetStore) throws -> Void) throws {
        guard Built.wardenHasMCPProxy else { return try fallback(SQLiteBackend(path: fleet.path).open(for: .operations(readOnly: false))) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Built.warden)
        p.arguments = ["--db", fleet.path, "--operator", "tester"] + args
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "warden \(args.joined(separator: " "))")
    }

    @Test func allowedCallReachesTheServerAndReturnsItsResult() throws {
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        let r = s.call("add", [("a", .int(2)), ("b", .int(40))])
        #expect(r?.toolText == "42")
        let echo = s.call("echo", [("text", .string("héllo \u{1F600}"))])
        #expect(echo?.toolText == "héllo \u{1F600}")
        #expect(s.finish() == 0)
        #expect(fleet.serverLog().contains { $0.hasPrefix("tools/call add") })

        let calls = try fleet.calls()
        #expect(calls.count == 2)
        let add = try #require(calls.first)
        #expect(add.tool == "add" && add.server == "github" && add.decision == .allow && add.result == .ok)
        #expect(add.credentialID == fleet.token.credential.id)
        #expect(add.instanceID != nil)
        #expect(add.durationMs != nil)
        #expect(add.args == #"{"a":2,"b":40}"#)
    }

    @Test func outOfScopeCallIsDeniedAndNeverReachesTheServer() throws {
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        let r = try #require(s.call("delete_repo", [("repo", .string("acme/prod"))]))
        #expect(r["error"]?["code"]?.int64 == Int64(JSONRPC.deniedCode))
        #expect(r["error"]?["message"]?.string == "warden: denied (out_of_scope)")
        #expect(r.errorReason == "out_of_scope")
        #expect(r["error"]?["data"]?["tool"]?.string == "github/delete_repo")
        #expect(s.call("get_repo", [("repo", .string("acme/web"))])?.toolText == "repo acme/web: 42 stars")
        #expect(s.finish() == 0)
        let log = fleet.serverLog()
        #expect(!log.contains { $0.contains("delete_repo") })
        #expect(log.contains { $0.hasPrefix("tools/call get_repo") })

        let denied = try fleet.calls().filter { $0.decision == .deny }
        #expect(denied.count == 1)
        #expect(denied.first?.tool == "delete_repo" && denied.first?.reason == "out_of_scope")
        #expect(denied.first?.args == #"{"repo":"acme/prod"}"#)
    }

    @Test func toolsListShowsOnlyToolsInScope() throws {
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        let names = s.toolNames()
        #expect(names.contains("echo") && names.contains("create_issue"))
        #expect(!names.contains("delete_repo") && !names.contains("exit"))
        #expect(s.finish() == 0)
    }

    @Test func revokingTheDelegatorMidSessionDeniesTheNextCall() throws {
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        #expect(s.call("echo", [("text", .string("before"))])?.toolText == "before")
        try operatorCommand(fleet, ["revoke", "lead", "--reason", "compromised"]) {
            _ = try $0.revokeAgent(fleet.lead.id, mut("compromised"))
        }
        let r = s.call("echo", [("text", .string("after"))])
        #expect(r?.errorReason == "ancestor_revoked")
        #expect(r?["error"]?["message"]?.string == "warden: denied (ancestor_revoked)")
        #expect(s.toolNames().isEmpty)  // a revoked identity is shown no tools at all
        #expect(s.finish() == 0)
        #expect(fleet.serverLog().filter { $0.hasPrefix("tools/call echo") }.count == 1)
    }

    @Test func narrowingShrinksToolsListAndDeniesTheDroppedTool() throws {
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        #expect(s.toolNames().contains("create_issue"))
        try operatorCommand(fleet, ["narrow", "bot", "--drop", "github/create_issue"]) {
            _ = try $0.narrow(agentID: fleet.bot.id, .drop(scopes("github/create_issue")), mut())
        }
        let after = s.toolNames()
        #expect(!after.contains("create_issue"))
        #expect(after.contains("echo"))
        let r = s.call("create_issue", [("repo", .string("acme/web")), ("title", .string("bug"))])
        #expect(r?.errorReason == "out_of_scope")
        #expect(s.finish() == 0)
        #expect(!fleet.serverLog().contains { $0.contains("create_issue") })
    }

    @Test func credentialExpiringMidSessionIsDenied() throws {
        let fleet = try Fleet()
        let short = try fleet.store.issueCredential(agentID: fleet.bot.id, ttlMs: 2_000, scopes: nil, instanceID: nil, mut())
        let s = try start(fleet, token: short.secret)
        s.initialize()
        #expect(s.call("echo", [("text", .string("in time"))])?.toolText == "in time")
        var reason: String?
        let denied = eventually(6) {
            reason = s.call("echo", [("text", .string("later"))])?.errorReason
            return reason != nil
        }
        #expect(denied)
        #expect(reason == "credential_expired")
        #expect(s.finish() == 0)
    }

    @Test func instanceIsLiveWhileRunningAndStoppedAfter() throws {
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        #expect(try eventually { try fleet.instances().count == 1 })
        let live = try #require(try fleet.instances().first)
        #expect(live.stoppedAt == nil)
        #expect(live.state(at: now()) == .live)
        #expect(live.host.hasSuffix("(github)"))
        if let pid = s.pid { #expect(live.pid == Int64(pid)) }
        #expect(s.finish() == 0)
        let after = try #require(try fleet.instances().first)
        #expect(after.id == live.id)
        #expect(after.stoppedAt != nil)
        #expect(after.state(at: now()) == .stopped)
    }

    @Test func heartbeatsKeepTheInstanceLive() throws {
        let fleet = try Fleet()
        // In-process, to shorten the 5 s interval.
        let s = try Session(fleet, mode: .inProcess, heartbeatSeconds: 0.2)
        s.initialize()
        #expect(try eventually { try fleet.instances().count == 1 })
        let first = try #require(try fleet.instances().first).lastHeartbeat
        #expect(try eventually(5) { try fleet.instances().first!.lastHeartbeat > first })
        #expect(s.finish() == 0)
        #expect(try fleet.instances().first?.stoppedAt != nil)
    }

    @Test func serverNameComesFromInitializeWhenNotGiven() throws {
        let fleet = try Fleet()
        let s = try start(fleet, serverName: nil, serverEnv: ["TEST_MCP_NAME": "github"])
        s.initialize()
        #expect(s.call("echo", [("text", .string("x"))])?.toolText == "x")
        #expect(s.finish() == 0)
        #expect(try fleet.calls().first?.server == "github")
        #expect(try fleet.instances().first?.host.hasSuffix("(github)") == true)
    }

    @Test func notificationsAndServerRequestsRelayIntact() throws {
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        // Server → client notification, with _meta, before the answer.
        let r = s.call("notify", [("text", .string("progress 50%"))])
        #expect(r?.toolText == "notified")
        let note = try #require(s.unsolicited.first)
        #expect(note["method"]?.string == "notifications/message")
        #expect(note["params"]?["data"]?.string == "progress 50%")
        #expect(note["params"]?["_meta"]?["from"]?.string == "test")
        s.unsolicited.removeAll()

        // Server → client request; the client's answer goes back through the proxy.
        s.send(#"{"jsonrpc":"2.0","id":900,"method":"tools/call","params":{"name":"ask","arguments":{}}}"#)
        let ask = try #require(s.receive())
        #expect(ask["method"]?.string == "roots/list")
        #expect(ask["id"]?.string == "srv-1")
        s.send(#"{"jsonrpc":"2.0","id":"srv-1","result":{"roots":[{"uri":"file:///work","name":"work"}]},"x-extra":1}"#)
        let answer = s.awaitAnswer(id: .int(900))
        #expect(answer?.toolText?.contains("file:///work") == true)
        #expect(answer?.toolText?.contains("x-extra") == true)  // unknown fields pass through

        // Client notifications reach the server.
        s.send(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":77,"_meta":{"k":"v"}}}"#)
        #expect(s.request("ping")?["result"] != nil)
        #expect(s.finish() == 0)
        let log = fleet.serverLog()
        #expect(log.contains { $0.hasPrefix("notifications/initialized") })
        #expect(log.contains { $0.hasPrefix("notifications/cancelled") })
    }

    @Test func serverLinesThatAreNotStrictJSONAreDropped() throws {
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        s.send(#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"garbage","arguments":{}}}"#)
        // The garbage line never reaches the client; the answer after it does.
        let next = try #require(s.receiveRaw())
        let answer = try JSONParser.parse(bytes: next)
        #expect(answer["id"] == .int(5) && answer.toolText == "wrote garbage")
        #expect(s.finish() == 0)
        let stderr = (try? String(contentsOfFile: fleet.stderrPath, encoding: .utf8)) ?? ""
        #expect(stderr.contains("dropped a line from the server"))
    }

    @Test func batchesAreSplitDeniedItemsAnsweredByTheProxy() throws {
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        s.send("""
            [{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"echo","arguments":{"text":"one"}}},\
            {"jsonrpc":"2.0","id":"b","method":"tools/call","params":{"name":"delete_repo","arguments":{"repo":"x"}}},\
            {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}},\
            {"jsonrpc":"2.0","id":"c","method":"ping"}]
            """)
        var answers: [String: JSONValue] = [:]
        for _ in 0..<2 {
            let batch = try #require(s.receive()?.array)
            for item in batch { if let id = item["id"]?.string { answers[id] = item } }
        }
        #expect(answers["a"]?.toolText == "one")
        #expect(answers["b"]?.errorReason == "out_of_scope")
        #expect(answers["c"]?["result"] != nil)
        // An untouched batch goes through as it is.
        s.send(#"[{"jsonrpc":"2.0","id":"d","method":"ping"},{"jsonrpc":"2.0","id":"e","method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":1}}}]"#)
        let plain = try #require(s.receive()?.array)
        #expect(plain.count == 2)
        #expect(plain.contains { $0["id"]?.string == "e" && $0.toolText == "2" })
        #expect(s.finish() == 0)
        let log = fleet.serverLog()
        #expect(!log.contains { $0.contains("delete_repo") })
        #expect(log.contains { $0.hasPrefix("notifications/progress") })
        let calls = try fleet.calls()
        #expect(calls.filter { $0.decision == .allow }.count == 2)
        #expect(calls.filter { $0.decision == .deny }.count == 1)
    }

    @Test func tenMegabyteMessagesRelayIntact() throws {
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        let size = 10 * 1024 * 1024
        var text = String(repeating: "abcdefghij", count: size / 10)
        text += "é\u{1F600}\\\"end"
        let r = s.call("echo", [("text", .string(text))])
        #expect(r?.toolText?.utf8.count == text.utf8.count)
        let same = r?.toolText == text  // compared apart: a failure must not print 10 MB
        #expect(same)
        let big = s.call("big", [("bytes", .int(size))])
        #expect(big?.toolText?.utf8.count == size)
        #expect(s.finish() == 0)
        let echo = try #require(try fleet.calls().first { $0.tool == "echo" })
        #expect((echo.args?.count ?? 0) <= ToolCall.maxArgsLength)
        #expect(echo.result == .ok)
    }

    @Test func garbageFromTheClientIsAnsweredWithParseErrors() throws {
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        for junk in ["not json", "{\"jsonrpc\":\"2.0\",", "\u{1}\u{2}\u{7f}", "{\"a\":1}}", "[1,2"] {
            s.send(junk)
            let e = try #require(s.receive())
            #expect(e["error"]?["code"]?.int64 == -32700)
            #expect(e["id"] == .null)
        }
        s.sendRaw([0xFF, 0xFE, 0x7B, 0x0A])  // invalid UTF-8
        #expect(s.receive()?["error"]?["code"]?.int64 == -32700)
        s.send("")  // blank lines are ignored
        s.send(#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{}}"#)
        #expect(s.awaitAnswer(id: .int(7))?["error"]?["code"]?.int64 == Int64(JSONRPC.invalidParamsCode))
        #expect(s.call("echo", [("text", .string("still alive"))])?.toolText == "still alive")
        #expect(s.finish() == 0)
        #expect(!fleet.serverLog().contains { $0.hasPrefix("garbage") })
    }

    @Test func argumentSummaryNeverHoldsTheCredential() throws {
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        let secret = fleet.token.secret
        _ = s.call("create_issue", [("repo", .string("acme/web")), ("title", .string("leak \(secret)\u{1b}[31m")),
                                    ("api_key", .string("sk-123")), ("body", .string("line\nbreak"))])
        #expect(s.finish() == 0)
        let call = try #require(try fleet.calls().first)
        let args = try #require(call.args)
        #expect(!args.contains(secret) && !args.contains("sk-123") && !args.contains("\u{1b}") && !args.contains("\n"))
        #expect(args.contains(#""api_key":"[redacted:api_key]""#))
    }

    /// Issue 11 §5: a 1 MiB tool name (refused or denied) and a 1 MiB argument are recorded
    /// within their limits.
    @Test func recordedTextsAreCapped() throws {
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        _ = s.call(String(repeating: "n", count: 1 << 20), [("q", .string(String(repeating: "q", count: 1 << 20)))])
        _ = s.call("echo", [("text", .string(String(repeating: "e", count: 1 << 20)))])
        #expect(s.finish() == 0)
        let calls = try fleet.calls()
        #expect(!calls.isEmpty)
        for c in calls {
            #expect(c.tool.count <= RecordLimits.tool && (c.args ?? "").count <= RecordLimits.args && (c.reason ?? "").count <= RecordLimits.reason)
        }
    }

    /// Issue 11 §4: every secret of the corpus, as an allowed and as a denied call's arguments,
    /// reaches neither the store file, its WAL, the proxy's stderr nor its answers.
    @Test func noCorpusSecretReachesTheStoreOrOutput() throws {
        let corpus = try ProxyCorpus.entries()
        #expect(corpus.count >= 30)
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        var answers = ""
        for (_, args) in corpus {
            guard case .object(let members)? = try? JSONParser.parse(args) else { Issue.record("bad corpus line \(args)"); continue }
            answers += JSONWriter.write(s.call("add", members) ?? .null, indent: false)
            answers += JSONWriter.write(s.call("delete_repo", members) ?? .null, indent: false)
        }
        #expect(s.finish() == 0)
        let calls = try fleet.calls()
        #expect(calls.count == 2 * corpus.count)
        #expect(calls.allSatisfy { ($0.args ?? "").contains("[redacted:") })
        let stored = ProxyCorpus.bytes(fleet.path) + ProxyCorpus.bytes(fleet.path + "-wal") + ProxyCorpus.bytes(fleet.stderrPath)
        for (secret, _) in corpus {
            #expect(!ProxyCorpus.contains(stored, secret), "\(secret) is in the store, its WAL or stderr")
            #expect(!answers.contains(secret), "\(secret) is in an answer")
        }
    }

    @Test func errorsAndIsErrorResultsAreRecordedAsErrors() throws {
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        #expect(s.call("fail")?["result"]?["isError"]?.bool == true)
        #expect(s.call("get_nothing")?["error"] != nil)  // in scope (get_*), unknown to the server
        #expect(s.finish() == 0)
        let calls = try fleet.calls()
        #expect(calls.map(\.result) == [.error, .error])
        #expect(calls.allSatisfy { $0.decision == .allow })
    }

    @Test func serverExitEndsTheProxyWithItsCode() throws {
        let fleet = try Fleet(botScopes: Fleet.botScopes + ",github/exit")
        let s = try start(fleet)
        s.initialize()
        s.send(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"exit","arguments":{"code":7}}}"#)
        #expect(s.waitExit() == 7)
        // The call that never got an answer is still recorded.
        let call = try #require(try fleet.calls().first)
        #expect(call.tool == "exit" && call.result == nil)
        #expect(try fleet.instances().first?.stoppedAt != nil)
    }

    @Test func clientEOFEndsTheServerAndPassesItsExitCode() throws {
        let fleet = try Fleet()
        let s = try start(fleet, serverEnv: ["TEST_MCP_EXIT": "5"])
        s.initialize()
        #expect(s.finish() == 5)
        #expect(fleet.serverLog().last == "eof")
        // The server's stderr passed through.
        let stderr = (try? String(contentsOfFile: fleet.stderrPath, encoding: .utf8)) ?? ""
        #expect(stderr.contains("warden-test-mcp-server: ready (github)"))
    }

    @Test func unknownCredentialRefusesToStart() throws {
        let fleet = try Fleet()
        let s = try start(fleet, token: "wdn_" + String(repeating: "A", count: 43))
        #expect(s.waitExit() == 3)
        let stderr = (try? String(contentsOfFile: fleet.stderrPath, encoding: .utf8)) ?? ""
        #expect(stderr.contains("unknown_credential"))
        #expect(!stderr.contains("AAAAAAAAAAAA"))
    }

    @Test(.enabled(if: ProxyTests.mode == .binary))
    func sigtermIsForwardedToTheServer() throws {
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        #expect(s.call("echo", [("text", .string("x"))])?.toolText == "x")
        kill(try #require(s.pid), SIGTERM)
        #expect(s.waitExit() == 128 + SIGTERM)
        #expect(try fleet.instances().first?.stoppedAt != nil)
        #expect(try fleet.calls().count == 1)
    }

    @Test func busyStoreDoesNotFailAllowedCalls() throws {
        let fleet = try Fleet()
        let s = try start(fleet)
        s.initialize()
        // Another process holds the write lock for 1.5 s: authorization (reads, WAL) goes on,
        // and the recorder waits its turn.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        holder.arguments = [fleet.path]
        let script = Pipe()
        holder.standardInput = script
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        script.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\nINSERT INTO meta(key, value) VALUES ('lock-test', 'x');\n.shell sleep 1.5\nROLLBACK;\n".utf8))
        try script.fileHandleForWriting.close()
        usleep(300_000)
        for i in 0..<20 {
            #expect(s.call("echo", [("text", .string("n\(i)"))])?.toolText == "n\(i)")
        }
        holder.waitUntilExit()
        #expect(s.finish() == 0)
        #expect(try fleet.calls().count == 20)
    }
}
