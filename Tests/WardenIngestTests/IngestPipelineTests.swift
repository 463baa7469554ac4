import Foundation
import Testing
import WardenCore
import WardenIngest
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

@Suite("Ingest into a store")
struct IngestPipelineTests {
    func goodLines(_ f: Fleet) -> [String] {
        [
            #"{"type":"instance_started","time":"2026-11-28T10:00:00Z","agent":"\#(f.planner.id)","instance":"planner-0","host":"runner-1","pid":100}"#,
            #"{"type":"heartbeat","time":"2026-11-28T10:00:10Z","agent":"\#(f.planner.id)","instance":"planner-0"}"#,
            #"{"type":"tool_call","time":"2026-11-28T10:00:11Z","agent":"planner","instance":"planner-0","server":"github","tool":"get_issue","decision":"allow","duration_ms":40,"result":"ok","args":"issue 42"}"#,
            #"{"type":"tool_call","time":"2026-11-28T10:00:12Z","agent":"coder","server":"slack","tool":"post_message","decision":"deny","reason":"out_of_scope"}"#,
            #"{"type":"delegate","time":"2026-11-28T10:00:13Z","parent":"coder","name":"test-writer","id":"spiffe://acme.example/agent/test-writer/0001","scopes":["github/get_*"],"ttl":"1h"}"#,
            #"{"type":"tool_call","time":"2026-11-28T10:00:14Z","agent":"spiffe://acme.example/agent/test-writer/0001","server":"github","tool":"get_file","decision":"allow","result":"ok"}"#,
            #"{"type":"instance_stopped","time":"2026-11-28T10:01:00Z","agent":"planner","instance":"planner-0"}"#,
        ]
    }

    @Test func everyEventTypeLandsInTheStore() throws {
        let t = try TempStore()
        let f = try Fleet(t.store)
        let path = try t.file("events.ndjson", goodLines(f).joined(separator: "\n") + "\n\n")
        let out = Output(), err = Output()
        let code = try ingest(t, path, out: out, err: err)
        #expect(code == 0, "\(err.value)")
        #expect(err.value.isEmpty)
        #expect(out.value.hasPrefix("8 lines: 7 ingested, 1 skipped, 0 rejected; 7 events (3 tool calls)"), "\(out.value)")
        let s = try t.open()
        let inst = try #require(try s.instances(agentID: f.planner.id).first)
        #expect(inst.id == "planner-0" && inst.host == "runner-1" && inst.pid == 100)
        #expect(inst.lastHeartbeat == UTC.parseRFC3339("2026-11-28T10:01:00Z") && inst.stoppedAt == UTC.parseRFC3339("2026-11-28T10:01:00Z"))
        let calls = try s.calls(CallQuery(limit: 10))
        #expect(calls.map(\.tool) == ["get_file", "post_message", "get_issue"])
        #expect(calls[1].agentID == f.coder.id && calls[1].decision == .deny && calls[1].reason == "out_of_scope")
        #expect(calls[2].durationMs == 40 && calls[2].result == .ok && calls[2].args == "issue 42" && calls[2].instanceID == "planner-0")
        let child = try #require(try s.agent("spiffe://acme.example/agent/test-writer/0001"))
        #expect(child.parentID == f.coder.id && child.depth == 3 && child.grant == scopes("github/get_*") && child.registered)
        #expect(child.expiresAt == UTC.parseRFC3339("2026-11-28T11:00:13Z"))
        let audit = try s.auditRecords(afterSeq: 0, limit: 100).last!
        #expect(audit.action == "agent.register" && audit.operatorName == "tester" && audit.after!.contains("telemetry"))
        #expect(try s.verifyAudit().isIntact)
        let minutes = try s.callMinutes(since: 0)
        #expect(minutes.reduce(0) { $0 + $1.calls } == 3 && minutes.reduce(0) { $0 + $1.denied } == 1)
    }

    @Test func unknownIdentitiesBecomeUnregisteredAgents() throws {
        let t = try TempStore()
        _ = try Fleet(t.store)
        let path = try t.file("rogue.ndjson", """
            {"type":"tool_call","time":1795900000000,"agent":"shadow-bot","server":"postgres","tool":"query","decision":"allow","args":"SELECT * FROM users"}
            {"type":"tool_call","time":1795900001000,"agent":"shadow-bot","server":"postgres","tool":"query","decision":"allow"}
            {"type":"instance_started","time":1795900002000,"agent":"spiffe://partner.example/agent/visitor/99","instance":"v-1","host":"laptop"}
            {"type":"tool_call","time":1795900003000,"agent":"bad name with spaces","server":"x","tool":"y","decision":"allow"}
            """)
        let out = Output(), err = Output()
        #expect(try ingest(t, path, out: out, err: err) == 2)
        #expect(err.lines == ["\(path):4: agent 'bad name with spaces' is neither an agent SPIFFE ID nor a valid agent name"])
        let s = try t.open()
        let shadow = try #require(try s.agent("spiffe://acme.example/agent/shadow-bot/unregistered"))
        #expect(!shadow.registered && shadow.principalID == RuleDefaults.unregisteredPrincipalID && shadow.grant.isEmpty)
        let visitor = try #require(try s.agent("spiffe://partner.example/agent/visitor/99"))
        #expect(!visitor.registered && visitor.name == "visitor")
        #expect(try s.instances(agentID: visitor.id).count == 1)
        #expect(try s.calls(CallQuery(agentID: shadow.id)).count == 2)
        let p = try #require(try s.principal(RuleDefaults.unregisteredPrincipalID))
        #expect(p.kind == .workload && p.status == .active && p.scopes.isEmpty)
        #expect(out.value.contains("2 unregistered agents recorded"))
        // Seen once: a second ingest of the same identity adds calls, not agents.
        _ = try ingest(t, path)
        #expect(try t.agents().filter { !$0.registered }.count == 2)
        #expect(try s.auditRecords(afterSeq: 0, limit: 100).filter { $0.action == "agent.observe" }.count == 2)
    }

    @Test func delegationRefusalsRejectTheLine() throws {
        let t = try TempStore()
        let f = try Fleet(t.store)
        let path = try t.file("d.ndjson", """
            {"type":"delegate","time":1795900000000,"parent":"coder","name":"wider","scopes":["slack/post_message"]}
            {"type":"delegate","time":1795900000000,"parent":"nobody","name":"orphan","scopes":["github/get_issue"]}
            {"type":"delegate","time":1795900000000,"parent":"planner","name":"longer","scopes":["github/get_issue"],"ttl":"30d"}
            {"type":"delegate","time":1795900000000,"parent":"planner","name":"fine","scopes":["github/get_issue"],"ttl":"1h"}
            {"type":"instance_stopped","time":1795900000000,"instance":"never-started"}
            """)
        let err = Output()
        #expect(try ingest(t, path, err: err) == 2)
        let lines = err.lines
        #expect(lines.count == 4, "\(lines)")
        #expect(lines[0] == "\(path):1: refused: scope 'slack/post_message' is not covered by the effective scopes of \(f.coder.id) (delegation may only narrow)")
        #expect(lines[1].hasPrefix("\(path):2: refused: no agent 'nobody'"))
        #expect(lines[2].hasPrefix("\(path):3: refused: expiry would exceed that of \(f.planner.id)"))
        #expect(lines[3] == "\(path):5: no instance 'never-started' to stop")
        #expect(try t.open().agents().map(\.name) == ["planner", "coder", "fine"])
    }

    /// Each kind of malformed line is reported with its number and reason; the good lines land.
    @Test func malformedLinesAreReportedByNumber() throws {
        let t = try TempStore()
        _ = try Fleet(t.store)
        let good = #"{"type":"tool_call","time":1795900000000,"agent":"planner","server":"github","tool":"get_issue","decision":"allow"}"#
        var data = Data()
        func add(_ s: String) { data.append(contentsOf: Array(s.utf8)); data.append(10) }
        add(good)                                                            // 1
        add(#"{"type":"tool_call","time":1795900000000,"agent":"planner""#)  // 2 bad JSON
        add(#"{"type":"heartbeat","time":"1795900000000","instance":"i"}"#)  // 3 wrong type
        add(#"{"type":"tool_call","time":1795900000000,"agent":"planner","server":"github","decision":"allow"}"#)  // 4 missing
        add(#"{"type":"teleport","time":1795900000000}"#)                    // 5 unknown type
        data.append(contentsOf: Array(#"{"type":"tool_call","args":""#.utf8))  // 6: a 5 MB line
        data.append(Data(repeating: UInt8(ascii: "a"), count: 5 << 20))
        data.append(contentsOf: Array(#""}"#.utf8)); data.append(10)
        data.append(contentsOf: Array(#"{"type":"heartbeat","time":1,"instance":"\#u{FF}"}"#.utf8)) // 7 invalid UTF-8
        data.append(contentsOf: [0xFF, 0xFE]); data.append(contentsOf: Array(#"x"}"#.utf8)); data.append(10)
        add(good)                                                            // 8
        data.append(contentsOf: Array(good.utf8))                            // 9, no final newline
        let path = t.folder + "/bad.ndjson"
        try data.write(to: URL(fileURLWithPath: path))
        let out = Output(), err = Output()
        #expect(try ingest(t, path, out: out, err: err) == 2)
        let reasons = err.lines
        #expect(reasons.count == 6, "\(reasons)")
        #expect(reasons[0].hasPrefix("\(path):2: bad JSON at column "))
        #expect(reasons[1] == "\(path):3: field 'time': 1795900000000 is not an RFC 3339 time (e.g. 2026-11-29T08:41:55Z)" ||
                reasons[1].hasPrefix("\(path):3: field 'time'"))
        #expect(reasons[2] == "\(path):4: missing field 'tool'")
        #expect(reasons[3].hasPrefix("\(path):5: unknown type 'teleport'"))
        #expect(reasons[4].hasPrefix("\(path):6: line is 524"), "\(reasons[4])")
        #expect(reasons[4].contains("longer than the 1048576-byte limit"))
        #expect(reasons[5].hasPrefix("\(path):7: invalid UTF-8 at byte "))
        #expect(out.value.hasPrefix("9 lines: 3 ingested, 0 skipped, 6 rejected; 3 events (3 tool calls)"), "\(out.value)")
        #expect(try t.calls().count == 3)
    }

    @Test func strictAppliesNothingOnABadLine() throws {
        let t = try TempStore()
        let f = try Fleet(t.store)
        var lines = goodLines(f)
        let before = try StoreContents(t.open())
        // A decoding failure at the end: nothing before it is applied.
        let p1 = try t.file("s1.ndjson", (lines + [#"{"type":"tool_call"}"#]).joined(separator: "\n"))
        let err = Output()
        #expect(try ingest(t, p1, strict: true, err: err) == 2)
        #expect(err.lines.first == "\(p1):8: missing field 'time'")
        #expect(err.value.contains("nothing was applied"))
        #expect(try StoreContents(t.open()) == before)
        // A refusal by the store (a widening delegation) after good events: rolled back too.
        lines.insert(#"{"type":"delegate","time":1795900000000,"parent":"coder","name":"wider","scopes":["slack/*"]}"#, at: 5)
        let p2 = try t.file("s2.ndjson", lines.joined(separator: "\n"))
        let err2 = Output()
        #expect(try ingest(t, p2, strict: true, err: err2) == 2)
        #expect(err2.lines.first?.hasPrefix("\(p2):6: refused: scope 'slack/*' is not covered") == true, "\(err2.value)")
        #expect(try StoreContents(t.open()) == before)
        // And a clean file under --strict applies whole.
        lines.remove(at: 5)
        let p3 = try t.file("s3.ndjson", lines.joined(separator: "\n"))
        #expect(try ingest(t, p3, strict: true) == 0)
        #expect(try t.calls().count == 3)
    }

    @Test func readsStandardInputInBatches() throws {
        let t = try TempStore()
        _ = try Fleet(t.store)
        var text = ""
        for i in 0..<2500 {
            text += #"{"type":"tool_call","time":\#(1_795_900_000_000 + i),"agent":"planner","server":"github","tool":"get_issue","decision":"allow"}"# + "\n"
        }
        let path = try t.file("many.ndjson", text)
        // Standard input is a pipe here: read through fd 0 of a child would need a process; use the file's fd as stdin.
        let saved = dup(0)
        let fd = open(path, O_RDONLY)
        dup2(fd, 0); close(fd)
        defer { dup2(saved, 0); close(saved) }
        let out = Output()
        #expect(try ingest(t, "-", out: out) == 0)
        #expect(out.value.hasPrefix("2500 lines: 2500 ingested"))
        #expect(try t.calls().count == 2500)
        #expect(try t.open().callMinutes(since: 0).reduce(0) { $0 + $1.calls } == 2500)
    }
}

@Suite("Summary")
struct SummaryTests {
    @Test func jsonSummary() throws {
        let t = try TempStore()
        _ = try Fleet(t.store)
        let path = try t.file("one.ndjson", #"{"type":"tool_call","time":1,"agent":"planner","tool":"github/get_issue","decision":"allow"}"# + "\n{oops\n")
        let out = Output()
        let code = IngestCommand.run(store: try t.open(), input: path, json: true, stdout: out.write, stderr: { _ in }, progress: false)
        #expect(code == 2)
        let v = try JSONParser.parse(out.value)
        #expect(v["lines"]?.int64 == 2 && v["ingested"]?.int64 == 1 && v["rejected"]?.int64 == 1 && v["tool_calls"]?.int64 == 1)
    }
}
