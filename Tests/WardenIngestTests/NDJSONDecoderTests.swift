import Foundation
import Testing
import WardenCore
import WardenIngest
import WardenStore
import WardenTestSupport

@Suite("NDJSON decoding")
struct NDJSONDecoderTests {
    @Test func toolCallWithEveryField() throws {
        let e = try decodeLine(#"{"type":"tool_call","time":"2026-11-29T08:41:55.250Z","agent":"spiffe://acme.example/agent/triage-bot/7f3a","instance":"triage-bot-7f3a-0","credential_id":"tok_triage_7f3a_live","server":"github","tool":"create_issue","decision":"deny","reason":"out_of_scope","duration_ms":182,"result":"error","args":"repo=acme/api title=\"Flaky test\""}"#, source: 7)
        #expect(e.source == 7)
        #expect(e.agent == "spiffe://acme.example/agent/triage-bot/7f3a")
        #expect(e.at == UTC.parseRFC3339("2026-11-29T08:41:55.250Z"))
        guard case .toolCall(let c) = e.body else { Issue.record("not a tool call"); return }
        #expect(c.server == "github" && c.tool == "create_issue")
        #expect(c.instanceID == "triage-bot-7f3a-0" && c.credentialID == "tok_triage_7f3a_live")
        #expect(c.decision == .deny && c.reason == "out_of_scope")
        #expect(c.durationMs == 182 && c.result == .error)
        #expect(c.args == #"repo=acme/api title="Flaky test""#)
    }

    @Test func toolCallMinimalWithEpochMillisAndCombinedTool() throws {
        let e = try decodeLine(#"{"type":"tool_call","time":1795900000123,"agent":"triage-bot","tool":"github/get_issue","decision":"allow","args":{"repo":"acme/api","n":7}}"#)
        #expect(e.at == 1_795_900_000_123)
        #expect(e.agent == "triage-bot")
        guard case .toolCall(let c) = e.body else { Issue.record("not a tool call"); return }
        #expect(c.server == "github" && c.tool == "get_issue" && c.decision == .allow)
        #expect(c.instanceID == nil && c.credentialID == nil && c.durationMs == nil && c.result == nil)
        #expect(c.args == #"{"repo":"acme/api","n":7}"#)
    }

    @Test func instanceEvents() throws {
        let started = try decodeLine(#"{"type":"instance_started","time":"2026-11-29T08:00:00+01:00","agent":"triage-bot","instance":"i-1","host":"runner-eu-1","pid":4412}"#)
        #expect(started.at == UTC.parseRFC3339("2026-11-29T07:00:00Z"))
        guard case .instanceStarted(let id, let host, let pid) = started.body else { Issue.record("wrong body"); return }
        #expect(id == "i-1" && host == "runner-eu-1" && pid == 4412)

        let beat = try decodeLine(#"{"type":"heartbeat","time":1795900000000,"agent":"triage-bot","instance":"i-1"}"#)
        guard case .heartbeat(let bid, nil, nil) = beat.body else { Issue.record("wrong body"); return }
        #expect(bid == "i-1" && beat.agent == "triage-bot")

        let stop = try decodeLine(#"{"type":"instance_stopped","time":1795900000000,"instance":"i-1"}"#)
        guard case .instanceStopped(let sid) = stop.body else { Issue.record("wrong body"); return }
        #expect(sid == "i-1" && stop.agent == nil)
    }

    @Test func delegate() throws {
        let e = try decodeLine(#"{"type":"delegate","time":1795900000000,"parent":"triage-bot","name":"dup-finder-2","scopes":["github/search_issues","github/get_issue"],"ttl":"15m","unknown_extra":{"ignored":[1,2,{"x":null}]}}"#)
        #expect(e.agent == "triage-bot")
        guard case .delegate(let name, let id, let s, let ttl) = e.body else { Issue.record("wrong body"); return }
        #expect(name == "dup-finder-2" && id == nil && ttl == 900_000)
        #expect(s == scopes("github/search_issues,github/get_issue"))

        let e2 = try decodeLine(#"{"type":"delegate","time":1795900000000,"parent":"x","name":"y","id":"spiffe://acme.example/agent/y/0001","scopes":"slack/post_message","ttl_ms":60000}"#)
        guard case .delegate(_, let id2, let s2, let ttl2) = e2.body else { Issue.record("wrong body"); return }
        #expect(id2 == "spiffe://acme.example/agent/y/0001" && ttl2 == 60_000 && s2 == scopes("slack/post_message"))
    }

    @Test func escapesAndUnicode() throws {
        let e = try decodeLine(#"{"type":"tool_call","time":1,"agent":"a\u0062c","tool":"fs/read_file","decision":"allow","args":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ né"}"#)
        #expect(e.agent == "abc")
        guard case .toolCall(let c) = e.body else { Issue.record("not a tool call"); return }
        #expect(c.args == "café 😀 \"q\" \\ / né")
    }

    /// Each kind of malformed line, with the reason it gives.
    @Test(arguments: [
        (#"{"type":"tool_call","time":1,"agent":"a""#, "bad JSON"),
        (#"{"type":"tool_call",}"#, "bad JSON at column 21: expected a string key"),
        (#"not json"#, "bad JSON at column 1: expected an object"),
        (#"{"type":"heartbeat","time":1,"instance":"i"} trailing"#, "unexpected text after the object"),
        (#"{"type":"tool_call","time":1,"agent":"a","server":"s","tool":"t","decision":"allow","duration_ms":"12"}"#, "field 'duration_ms' must be a number, not a string"),
        (#"{"type":"tool_call","time":1,"agent":"a","server":"s","tool":"t","decision":"allow","duration_ms":1.5}"#, "field 'duration_ms' must be a whole number"),
        (#"{"type":"instance_started","time":1,"agent":7,"instance":"i","host":"h"}"#, "field 'agent' must be a string, not a number"),
        (#"{"type":"tool_call","time":1,"agent":"a","server":"s","tool":"t","decision":"maybe"}"#, "field 'decision' must be \"allow\" or \"deny\""),
        (#"{"type":"tool_call","time":true,"agent":"a","server":"s","tool":"t","decision":"allow"}"#, "field 'time' must be RFC 3339 text or epoch milliseconds"),
        (#"{"type":"tool_call","time":"yesterday","agent":"a","server":"s","tool":"t","decision":"allow"}"#, "'yesterday' is not an RFC 3339 time"),
        (#"{"type":"tool_call","time":1,"server":"s","tool":"t","decision":"allow"}"#, "missing field 'agent'"),
        (#"{"type":"instance_started","time":1,"agent":"a","instance":"i"}"#, "missing field 'host'"),
        (#"{"time":1,"agent":"a"}"#, "missing field 'type'"),
        (#"{"type":"heartbeat","instance":"i"}"#, "missing field 'time'"),
        (#"{"type":"tool_call","time":1,"agent":"a","tool":"t","decision":"allow"}"#, "missing field 'server'"),
        (#"{"type":"delegate","time":1,"parent":"p","name":"n"}"#, "missing field 'scopes'"),
        (#"{"type":"delegate","time":1,"parent":"p","name":"n","scopes":["github/*x"]}"#, "field 'scopes': invalid scope"),
        (#"{"type":"delegate","time":1,"parent":"p","name":"n","scopes":"a/b","ttl":"soon"}"#, "field 'ttl': invalid duration 'soon'"),
        (#"{"type":"launch_missiles","time":1}"#, "unknown type 'launch_missiles'"),
        (#"{"type":"heartbeat","type":"heartbeat","time":1,"instance":"i"}"#, "field 'type' appears twice"),
    ])
    func malformed(line: String, reason: String) {
        do {
            _ = try decodeLine(line)
            Issue.record("accepted: \(line)")
        } catch {
            #expect(error.description.contains(reason), "\(error.description) should contain \(reason)")
        }
    }

    @Test func invalidUTF8() {
        var bytes = Array(#"{"type":"heartbeat","time":1,"instance":"i-"#.utf8)
        bytes += [0xC3, 0x28]  // a broken two-byte sequence
        bytes += Array(#""}"#.utf8)
        do {
            _ = try bytes.withUnsafeBufferPointer { (b) throws(LineError) in try NDJSONDecoder().decode(b, source: 1) }
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error.description == "invalid UTF-8 at byte 44")
        }
    }
}

@Suite("Times")
struct TimeTests {
    @Test(arguments: ["2026-11-29T08:41:55Z", "2026-11-29T08:41:55.250Z", "2026-11-29T08:41:55.2Z", "2026-11-29T08:41:55.123456789Z",
                      "2026-11-29T08:41:55+01:00", "2026-11-29T08:41:55.5-05:30", "2024-02-29T23:59:60Z", "1970-01-01T00:00:00Z",
                      "2026-11-29t08:41:55z", "2000-03-01T00:00:00Z"])
    func fastPathAgreesWithTheCore(_ text: String) throws {
        let e = try decodeLine(#"{"type":"heartbeat","time":"\#(text)","instance":"i"}"#)
        #expect(e.at == UTC.parseRFC3339(text))
    }
}
