import Foundation
import Glibc
import Testing
import WardenCore
import WardenSQLite
@testable import WardenMCP
import WardenSystem

struct ArgumentCheckTests {
    @Test func refusesServerNamesThatCannotWork() {
        for bad in ["a/b", "", "a b", "*"] {
            #expect(throws: MCPProxyCommand.UsageError.self) { try MCPProxyCommand.checkServerName(bad) }
        }
        #expect(throws: Never.self) { try MCPProxyCommand.checkServerName("github") }
    }

    @Test func environmentNamesNeverLookLikeSecrets() {
        for value in ["wdn_" + String(repeating: "S", count: 43), "ghp_abc-def", "has space", "1ABC"] {
            #expect(!MCPProxyCommand.isEnvironmentName(value), "\(value)")
        }
        #expect(MCPProxyCommand.isEnvironmentName("WARDEN_TOKEN"))
    }

    @Test func passEnvNamesWardenVariablesTheServerMayHave() throws {
        #expect(try MCPProxyCommand.passEnvironment("WARDEN_OPERATOR,WARDEN_X") == ["WARDEN_OPERATOR", "WARDEN_X"])
        #expect(throws: MCPProxyCommand.UsageError.self) { try MCPProxyCommand.passEnvironment("A,wdn_x y") }
        let cfg = MCPProxyConfiguration(store: SQLiteBackend(path: "/s"), token: "t", tokenEnvironmentVariable: "WARDEN_TOKEN", command: ["srv"],
                                        environment: ["WARDEN_DB": "/s", "WARDEN_TOKEN": "t", "WARDEN_OPERATOR": "o",
                                                      "WARDEN_OTHER": "1", "PATH": "/bin"],
                                        passEnvironment: ["WARDEN_OPERATOR", "WARDEN_TOKEN"])
        #expect(cfg.environment == ["WARDEN_OPERATOR": "o", "PATH": "/bin"])
    }
}

struct RequestIDTests {
    @Test func onlyStringsAndSafeIntegersAreIds() throws {
        for ok in [#""a""#, #""""#, "0", "-1", "42", "9007199254740992", "-9007199254740992"] {
            #expect(JSONRPC.isValidID(try JSONParser.parse(ok)), "\(ok)")
        }
        for bad in ["-0", "1.0", "1e2", "1E2", "0.5", "9007199254740993", "-9007199254740993", "99999999999999999999",
                    "null", "true", "[]", "{}"] {
            #expect(!JSONRPC.isValidID(try JSONParser.parse(bad)), "\(bad)")
        }
    }

    @Test func idsAreMatchedByValue() throws {
        #expect(JSONRPC.idKey(try JSONParser.parse("7")) == JSONRPC.idKey(.int(7)))
        #expect(JSONRPC.idKey(try JSONParser.parse("7")) != JSONRPC.idKey(.string("7")))
        #expect(JSONRPC.idKey(try JSONParser.parse("-0")) == nil)
        #expect(JSONRPC.idKey(nil) == nil)
    }

    @Test func aLineWithACarriageReturnInsideIsNotStrict() {
        #expect(Relay.strictLine(Array("{}\r".utf8)).error == nil)
        #expect(Relay.strictLine(Array("{}\r".utf8)).body.count == 2)
        #expect(Relay.strictLine(Array("{\r}".utf8)).error != nil)
        #expect(Relay.strictLine(Array("{}\r\r".utf8)).error != nil)
    }

    @Test func serverInfoNamesFitTheServerSideOfAScope() {
        #expect(MCPProxy.serverName(fromServerInfo: "github") == "github")
        #expect(MCPProxy.serverName(fromServerInfo: "@modelcontextprotocol/server-github") == "@modelcontextprotocol-server-github")
        #expect(MCPProxy.serverName(fromServerInfo: "my server*") == "my-server-")
        #expect(MCPProxy.serverName(fromServerInfo: "") == "unknown")
    }
}

struct ArgumentSummaryTests {
    let secret = "wdn_" + String(repeating: "Q", count: 43)

    @Test func compactAndShort() {
        let v = try! JSONParser.parse(#"{"repo": "acme/web", "n": 3, "tags": ["a", true, null]}"#)
        #expect(ArgumentSummary.make(v, secret: secret) == #"{"repo":"acme/web","n":3,"tags":["a",true,null]}"#)
        #expect(ArgumentSummary.make(nil, secret: secret) == nil)
        let long = JSONValue.object([("text", .string(String(repeating: "y", count: 10_000_000)))])
        let s = ArgumentSummary.make(long, secret: secret)!
        #expect(s.count <= ToolCall.maxArgsLength)
        #expect(s.hasPrefix(#"{"text":"yyy"#) && s.hasSuffix("…"))
    }

    @Test func neverTheCredentialNorSensitiveValues() {
        let v = JSONValue.object([("note", .string("use \(secret) please")), ("Authorization", .string("Bearer abc")),
                                  ("nested", .object([("api-key", .string("k")), ("password", .number("1234"))])),
                                  ("other", .string("wdn_" + String(repeating: "Z", count: 43)))])
        let s = ArgumentSummary.make(v, secret: secret)!
        #expect(!s.contains("QQQQ") && !s.contains("ZZZZ") && !s.contains("abc") && !s.contains("1234"))
        #expect(s == #"{"note":"use [redacted:warden_secret] please","Authorization":"[redacted:authorization]","nested":{"api-key":"[redacted:api_key]","password":"[redacted:password]"},"other":"[redacted:warden_secret]"}"#)
    }

    @Test func controlCharactersAreDropped() {
        let v = JSONValue.object([("t", .string("a\u{1b}[2Jb\nc\u{7f}d\u{85}e\u{2028}f"))])
        #expect(ArgumentSummary.make(v, secret: secret) == #"{"t":"a[2Jb cdef"}"#)
    }
}

struct LineReaderTests {
    func lines(_ chunks: [[UInt8]], maxLine: Int = RelayLineReader.defaultMaxLine) -> [RelayLineReader.Event] {
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        let w = fds[1]
        let writer = Thread {
            for c in chunks { _ = FD.writeAll(w, c) }
            close(w)
        }
        writer.start()
        var events: [RelayLineReader.Event] = []
        RelayLineReader(fd: fds[0], maxLine: maxLine, chunkSize: 7).run { events.append($0) }
        close(fds[0])
        return events
    }

    func texts(_ events: [RelayLineReader.Event]) -> [String] {
        events.map {
            switch $0 {
            case .line(let b): return String(decoding: b, as: UTF8.self)
            case .oversized(let b, let final): return "<\(String(decoding: b, as: UTF8.self))\(final ? "|" : "")>"
            }
        }
    }

    @Test func splitsAcrossReadsAndKeepsCarriageReturns() {
        let input = Array("one\ntwo is longer than a chunk\r\n\nlast without newline".utf8)
        #expect(texts(lines([Array(input[0..<5]), Array(input[5...])])) ==
                ["one", "two is longer than a chunk\r", "", "last without newline"])
    }

    @Test func oversizedLinesAreHandedOnInPieces() {
        let t = texts(lines([Array("short\n0123456789abcdefghij\nok\n".utf8)], maxLine: 8))
        #expect(t.first == "short" && t.last == "ok")
        let middle = t.dropFirst().dropLast().joined()
        #expect(middle.replacingOccurrences(of: "<", with: "").replacingOccurrences(of: ">", with: "").replacingOccurrences(of: "|", with: "") == "0123456789abcdefghij")
        #expect(middle.hasSuffix("|>"))
    }
}
