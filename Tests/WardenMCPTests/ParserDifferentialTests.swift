import Foundation
import Glibc
import Testing
import WardenCore
import WardenStore
@testable import WardenMCP

/// Issue 11 §1: the attacks that made a denied call reach the server, each as it was found, through
/// the real `warden mcp-proxy` in front of a server that reads the wire as the official MCP Python
/// SDK does (the SDK itself when `WARDEN_TEST_PYTHON` is set). The bot may use `github/get_*`
/// only; every attack tries to run `delete_repo`.
@Suite(.serialized)
struct ParserDifferentialTests {
    static let scopes = "github/get_*,github/peek_parent,github/environment"

    func start(_ fleet: Fleet) throws -> Session {
        try Session(fleet, mode: ProxyTests.mode, serverCommand: SDKServer.command)
    }

    /// Sends each line as it is (raw bytes), then a harmless call, and ends the session; returns
    /// every line the proxy wrote. The harmless call proves the server read past the attack.
    /// (A message that is not strict JSON is answered as a parse error, id null: its id cannot
    /// be read one way only.)
    func attack(_ lines: [[UInt8]], fleet: Fleet) throws -> [String] {
        print("parser differential: behind \(SDKServer.name)")
        let s = try start(fleet)
        s.initialize()
        for l in lines { s.sendRaw(l) }
        #expect(s.call("get_issue", [("number", .int(7))])?.toolText == "issue 7: open")
        let (code, rest) = s.finishAndDrain()
        #expect(code == 0)
        #expect(!fleet.executed().contains { $0.hasPrefix("delete_repo") }, "the server ran delete_repo: \(fleet.executed())")
        return rest + s.unsolicited.map { JSONWriter.write($0, indent: false) }
    }

    func bytes(_ text: String) -> [UInt8] { Array((text + "\n").utf8) }

    /// The calls recorded as denied `malformed_request`.
    func malformed(_ fleet: Fleet) throws -> [ToolCall] {
        try fleet.calls().filter { $0.decision == .deny && $0.reason == "malformed_request" }
    }

    @Test func duplicateMethodKeyIsRefused() throws {
        let fleet = try Fleet(botScopes: Self.scopes)
        let out = try attack([bytes(#"{"jsonrpc":"2.0","id":10,"method":"tools/list","method":"tools/call","params":{"name":"delete_repo","arguments":{"repo":"acme/prod"}}}"#)],
                             fleet: fleet)
        #expect(out.contains { $0.contains(#""code":-32700"#) && $0.contains("duplicate key") && $0.contains("malformed_request") }, "\(out)")
        #expect(try malformed(fleet).count == 1)
    }

    @Test func duplicateToolNameIsRefusedNotRecordedAsAllowed() throws {
        let fleet = try Fleet(botScopes: Self.scopes)
        let out = try attack([bytes(#"{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"get_issue","name":"delete_repo","arguments":{"repo":"acme/prod"}}}"#)],
                             fleet: fleet)
        #expect(out.contains { $0.contains(#""code":-32700"#) && $0.contains("duplicate key") && $0.contains("malformed_request") }, "\(out)")
        let calls = try fleet.calls()
        #expect(calls.filter { $0.decision == .allow }.count == 1)  // the harmless get_issue only
        #expect(try malformed(fleet).count == 1)
    }

    @Test func duplicateKeyAtAnyDepthIsRefused() throws {
        let fleet = try Fleet(botScopes: Self.scopes)
        let out = try attack([bytes(#"{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"get_issue","arguments":{"x":{"a":1,"a":2}}}}"#)],
                             fleet: fleet)
        #expect(out.contains { $0.contains(#""code":-32700"#) && $0.contains("duplicate key") && $0.contains("malformed_request") }, "\(out)")
        #expect(fleet.executed().count == 1)  // the harmless call only
    }

    @Test func bareCarriageReturnCannotSmuggleASecondMessage() throws {
        let fleet = try Fleet(botScopes: Self.scopes)
        // One JSON document to a reader splitting on LF (a request-less object), three lines to
        // the SDK: `{"a":`, the delete_repo call, `}`.
        let smuggled = #"{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":"delete_repo","arguments":{"repo":"acme/prod"}}}"#
        _ = try attack([Array(("{\"a\":\r" + smuggled + "\r}\n").utf8)], fleet: fleet)
        #expect(try malformed(fleet).count == 1)
        // A CR before the LF (CRLF) is one line ending, not an attack: the call is answered. Its
        // answer is awaited before the session ends (the SDK server runs requests concurrently
        // and may drop one still running when its input closes).
        let crlfFleet = try Fleet(botScopes: Self.scopes)
        let s = try start(crlfFleet)
        s.initialize()
        s.sendRaw(Array((#"{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"name":"get_repo","arguments":{"repo":"acme/web"}}}"# + "\r\n").utf8))
        let answer = s.awaitAnswer(id: .int(14))
        #expect(answer?.toolText == "repo acme/web: 42 stars", "\(answer.map { JSONWriter.write($0, indent: false) } ?? "no answer")")
        #expect(s.finishAndDrain().code == 0)
    }

    @Test func invalidUTF8IsRefusedAndRecorded() throws {
        let fleet = try Fleet(botScopes: Self.scopes)
        var line = Array(#"{"jsonrpc":"2.0","id":15,"method":"tools/call","params":{"name":"get_issue","arguments":{"t":"a"#.utf8)
        line += [0xC3, 0x28]
        line += Array(#""}}}"#.utf8) + [10]
        let out = try attack([line], fleet: fleet)
        #expect(out.contains { $0.contains("malformed_request") }, "\(out)")
        #expect(try malformed(fleet).count == 1)
        #expect(fleet.executed().count == 1)
    }

    @Test func toolsListWithMinusZeroOrDuplicateIdCannotEscapeFiltering() throws {
        let fleet = try Fleet(botScopes: Self.scopes)
        let out = try attack([bytes(#"{"jsonrpc":"2.0","id":-0,"method":"tools/list"}"#),
                              bytes(#"{"jsonrpc":"2.0","id":1000,"id":21,"method":"tools/list"}"#)], fleet: fleet)
        #expect(!out.contains { $0.contains("delete_repo") }, "an unfiltered tools/list reached the client: \(out)")
        #expect(out.filter { $0.contains(#""code":-32600"#) || $0.contains("malformed_request") }.count == 2, "\(out)")
    }

    @Test func idsThatAreNotStringsOrSafeIntegersAreRefused() throws {
        let fleet = try Fleet(botScopes: Self.scopes)
        let ids = ["1.0", "1e2", "9007199254740993", "-9007199254740993", "null", "true", "{}", "[1]"]
        let lines = ids.map { bytes(#"{"jsonrpc":"2.0","id":\#($0),"method":"tools/call","params":{"name":"get_issue","arguments":{"number":1}}}"#) }
        let out = try attack(lines, fleet: fleet)
        #expect(fleet.executed().count == 1, "calls with refused ids reached the server: \(fleet.executed())")
        #expect(out.filter { $0.contains("malformed_request") }.count == ids.count, "\(out)")
        #expect(try malformed(fleet).count == ids.count)
        // The largest safe integers and strings are ids like any other.
        let ok = try Fleet(botScopes: Self.scopes)
        let fine = try attack([bytes(#"{"jsonrpc":"2.0","id":9007199254740992,"method":"tools/call","params":{"name":"get_issue","arguments":{"number":2}}}"#),
                               bytes(#"{"jsonrpc":"2.0","id":"x-1","method":"tools/call","params":{"name":"get_issue","arguments":{"number":3}}}"#)],
                              fleet: ok)
        #expect(fine.contains { $0.contains("issue 2: open") } && fine.contains { $0.contains("issue 3: open") }, "\(fine)")
    }

    @Test func toolNamesOutsideTheMCPRuleAreRefused() throws {
        let fleet = try Fleet(botScopes: Self.scopes)
        let long = "get_" + String(repeating: "a", count: 125)  // 129 characters
        let names = ["get_ issue", "get_issue\\u0000", long, "get_\u{00E9}", "get_/x", "", "get_" + String(repeating: "b", count: 1 << 20)]
        let lines = names.enumerated().map { i, n in
            bytes(#"{"jsonrpc":"2.0","id":\#(100 + i),"method":"tools/call","params":{"name":"\#(n)","arguments":{}}}"#)
        }
        let out = try attack(lines, fleet: fleet)
        #expect(out.filter { $0.contains("malformed_request") }.count == names.count, "\(out.map { $0.prefix(300) })")
        let refused = try malformed(fleet)
        #expect(refused.count == names.count)
        #expect(refused.allSatisfy { $0.tool.count <= 128 }, "a recorded tool name is longer than the MCP rule allows")
        // 128 characters is a name like any other: decided by scope (get_* allows it).
        let ok = try Fleet(botScopes: Self.scopes)
        let name128 = "get_" + String(repeating: "a", count: 124)
        _ = try attack([bytes(#"{"jsonrpc":"2.0","id":300,"method":"tools/call","params":{"name":"\#(name128)","arguments":{}}}"#)], fleet: ok)
        #expect(try ok.calls().contains { $0.tool == name128 && $0.decision == .allow })
    }

    @Test func unreadableLinesAreRecordedAsMalformed() throws {
        let fleet = try Fleet(botScopes: Self.scopes)
        let out = try attack([bytes("not json"), bytes(#"{"jsonrpc":"2.0","id":1,"method":"tools/call""#)], fleet: fleet)
        #expect(out.filter { $0.contains(#""code":-32700"#) }.count == 2, "\(out)")
        #expect(try malformed(fleet).count == 2)
    }
}

/// Issue 11 §1, server → client: a malicious server's `tools/list` must not escape filtering.
@Suite(.serialized)
struct ServerLineTests {
    func listAttack(_ kind: String) throws -> [String] {
        let fleet = try Fleet()
        let s = try Session(fleet, mode: ProxyTests.mode, serverEnv: ["TEST_MCP_LIST_ATTACK": kind])
        s.initialize()
        s.send(#"{"jsonrpc":"2.0","id":5,"method":"tools/list"}"#)
        s.send(#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}"#)
        s.send(#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#)
        let (code, lines) = s.finishAndDrain()
        #expect(code == 0)
        #expect(!lines.contains { $0.contains("delete_repo") }, "\(kind): a tool outside the grant reached the client: \(lines)")
        #expect(lines.contains { $0.contains(#""id":7"#) }, "\(kind): the session did not go on: \(lines)")
        return lines
    }

    @Test func duplicateResultKeyIsNotRelayed() throws { _ = try listAttack("dupkey") }
    @Test func bareCarriageReturnIsNotRelayed() throws {
        let lines = try listAttack("cr")
        #expect(!lines.contains { $0.contains("\r") })
    }
    @Test func answerWithAFloatIdIsNotRelayedUnfiltered() throws { _ = try listAttack("floatid") }
    @Test func toolsInAResultThatAlsoHasAMethodAreFiltered() throws { _ = try listAttack("withmethod") }
    @Test func toolsInAnUnexpectedResultAreFiltered() throws {
        let lines = try listAttack("unsolicited")
        #expect(lines.contains { $0.contains(#""id":6"#) && $0.contains(#""name":"echo""#) }, "\(lines)")
    }
}
