import Foundation
import Testing
import WardenCore
import WardenIngest
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

/// Builds OTLP/JSON the way the Collector's file exporter writes it.
enum OTLP {
    static func attr(_ key: String, _ value: String) -> String { #"{"key":"\#(key)","value":\#(value)}"# }
    static func s(_ key: String, _ v: String) -> String { attr(key, #"{"stringValue":"\#(v)"}"#) }
    static func i(_ key: String, _ v: Int64) -> String { attr(key, #"{"intValue":"\#(v)"}"#) }

    static func span(trace: String = "4bf92f3577b34da6a3ce929d0e0e4736", id: String, parent: String? = nil, name: String,
                     startMs: Int64, durationMs: Int64, attrs: [String], error: Bool = false) -> String {
        let start = startMs * 1_000_000, end = (startMs + durationMs) * 1_000_000
        let status = error ? #"{"code":2,"message":"tool failed"}"# : "{}"
        return #"{"traceId":"\#(trace)","spanId":"\#(id)","parentSpanId":"\#(parent ?? "")","name":"\#(name)","kind":1,"startTimeUnixNano":"\#(start)","endTimeUnixNano":"\#(end)","attributes":[\#(attrs.joined(separator: ","))],"status":\#(status)}"#
    }

    static func line(resource: [String], spans: [String]) -> String {
        #"{"resourceSpans":[{"resource":{"attributes":[\#(resource.joined(separator: ","))]},"scopeSpans":[{"scope":{"name":"agent-sdk","version":"1.2.0"},"spans":[\#(spans.joined(separator: ","))]}],"schemaUrl":"https://opentelemetry.io/schemas/1.37.0"}]}"#
    }
}

@Suite("OTLP/JSON decoding")
struct OTLPDecoderTests {
    let t: Int64 = 1_795_900_000_000
    let resource = [OTLP.s("service.name", "planner"), OTLP.s("host.name", "runner-eu-1"), OTLP.i("process.pid", 4412)]

    /// planner → researcher (a sub-agent) → execute_tool (+ its MCP client span) ; a chat span; a failing tool.
    var run: String {
        OTLP.line(resource: resource, spans: [
            OTLP.span(id: "00f067aa0ba902b7", name: "invoke_agent planner", startMs: t, durationMs: 5000,
                      attrs: [OTLP.s("gen_ai.operation.name", "invoke_agent"), OTLP.s("gen_ai.agent.name", "planner")]),
            OTLP.span(id: "00f067aa0ba902b8", parent: "00f067aa0ba902b7", name: "chat gpt-5", startMs: t + 10, durationMs: 800,
                      attrs: [OTLP.s("gen_ai.operation.name", "chat")]),
            OTLP.span(id: "00f067aa0ba902b9", parent: "00f067aa0ba902b7", name: "invoke_agent researcher", startMs: t + 900, durationMs: 3000,
                      attrs: [OTLP.s("gen_ai.operation.name", "invoke_agent"), OTLP.s("gen_ai.agent.name", "researcher"),
                              OTLP.s("gen_ai.agent.id", "researcher")]),
            OTLP.span(id: "00f067aa0ba902ba", parent: "00f067aa0ba902b9", name: "execute_tool search_issues", startMs: t + 1000, durationMs: 250,
                      attrs: [OTLP.s("gen_ai.operation.name", "execute_tool"), OTLP.s("gen_ai.tool.name", "search_issues"),
                              OTLP.s("gen_ai.tool.call.id", "call_1"), OTLP.s("mcp.server.name", "github"),
                              OTLP.attr("gen_ai.tool.call.arguments", #"{"kvlistValue":{"values":[{"key":"q","value":{"stringValue":"flaky"}},{"key":"limit","value":{"intValue":"5"}}]}}"#)]),
            OTLP.span(id: "00f067aa0ba902bb", parent: "00f067aa0ba902ba", name: "tools/call search_issues", startMs: t + 1001, durationMs: 240,
                      attrs: [OTLP.s("mcp.method.name", "tools/call"), OTLP.s("gen_ai.tool.name", "search_issues"),
                              OTLP.s("mcp.session.id", "191c4850af6c49e08843a3f6c80e5046")]),
            OTLP.span(id: "00f067aa0ba902bc", parent: "00f067aa0ba902b9", name: "tools/call mcp__github__create_issue", startMs: t + 2000, durationMs: 90,
                      attrs: [OTLP.s("mcp.method.name", "tools/call"), OTLP.s("gen_ai.tool.name", "mcp__github__create_issue"),
                              OTLP.s("error.type", "tool_error")], error: true),
        ])
    }

    @Test func mapsAnAgentRun() throws {
        let doc = try decodeOTLP(run)
        #expect(doc.spans == 6 && doc.agentSpans == 2 && doc.toolCalls == 2 && doc.skippedSpans == 2)
        var calls: [ToolCall] = [], agents: [String] = [], started: [String] = [], beats: [String] = []
        var delegations: [(String, String)] = []
        for e in doc.events {
            switch e.body {
            case .toolCall(let c): calls.append(c); agents.append(e.agent!)
            case .instanceStarted(let id, let host, let pid): started.append("\(id) \(host) \(pid ?? 0)")
            case .heartbeat(let id, _, _): beats.append(id)
            case .observedDelegation(let child): delegations.append((e.agent!, child))
            default: Issue.record("unexpected \(e.body)")
            }
        }
        #expect(started == ["planner@runner-eu-1:4412 runner-eu-1 4412", "researcher@runner-eu-1:4412 runner-eu-1 4412"])
        #expect(beats == ["planner@runner-eu-1:4412", "researcher@runner-eu-1:4412"])
        #expect(delegations.count == 1 && delegations[0] == ("planner", "researcher"))
        #expect(agents == ["researcher", "researcher"])
        #expect(calls[0].server == "github" && calls[0].tool == "search_issues" && calls[0].result == .ok)
        #expect(calls[0].at == t + 1000 && calls[0].durationMs == 250 && calls[0].decision == .allow)
        #expect(calls[0].args == #"{"limit":5,"q":"flaky"}"#)
        #expect(calls[0].instanceID == "researcher@runner-eu-1:4412")
        #expect(calls[1].server == "github" && calls[1].tool == "create_issue" && calls[1].result == .error)
    }

    @Test func everyAttributeKind() throws {
        let line = OTLP.line(resource: [OTLP.s("service.name", "svc")], spans: [
            OTLP.span(id: "1111111111111111", name: "execute_tool t", startMs: t, durationMs: 1, attrs: [
                OTLP.s("gen_ai.tool.name", "fs/read_file"), OTLP.s("gen_ai.operation.name", "execute_tool"),
                OTLP.attr("gen_ai.tool.call.arguments", #"{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"-7"},{"boolValue":true},{"doubleValue":1.5},{"doubleValue":"NaN"},{"bytesValue":"AAE="},{"kvlistValue":{"values":[]}},{}]}}"#),
                OTLP.attr("process.pid", #"{"intValue":42}"#),
            ]),
        ])
        let doc = try decodeOTLP(line)
        guard case .toolCall(let c) = doc.events[0].body else { Issue.record("no call"); return }
        #expect(doc.events[0].agent == "svc")  // no agent span and no gen_ai.agent.*: the emitting service
        #expect(c.server == "fs" && c.tool == "read_file")
        #expect(c.args == #"["a",-7,true,1.5,"nan","AAE=",{},""]"#)
    }

    @Test(arguments: [
        (#"{"resourceSpans":"#, "bad JSON at column 18: unexpected end of input"),
        (#"[]"#, "expected an object"),
        (#"{"resourceLogs":[]}"#, "missing field 'resourceSpans'"),
        (#"{"resourceSpans":{}}"#, "resourceSpans must be an array, not an object"),
        (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz","spanId":"1111111111111111","startTimeUnixNano":"1"}]}]}]}"#,
         "resourceSpans[0].scopeSpans[0].spans[0].traceId: 'xyz' is not 32 hex digits"),
        (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"1111111111111111","startTimeUnixNano":true}]}]}]}"#,
         "startTimeUnixNano must be an integer (as a string), not a boolean"),
        (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"1111111111111111"}]}]}]}"#,
         "missing resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano"),
        (#"{"resourceSpans":[{"resource":{"attributes":[{"key":"a","value":{"floatValue":1}}]}}]}"#,
         "resourceSpans[0].resource.attributes[0].value: unknown value type 'floatValue'"),
        (#"{"resourceSpans":[{"resource":{"attributes":[{"key":"a","value":{"intValue":"12x"}}]}}]}"#,
         "'12x' is not an integer"),
        (#"{"resourceSpans":[{"resource":{"attributes":[{"value":{"intValue":"12"}}]}}]}"#,
         "missing resourceSpans[0].resource.attributes[0].key"),
    ])
    func malformed(line: String, reason: String) {
        do {
            _ = try decodeOTLP(line)
            Issue.record("accepted \(line)")
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
        }
    }

    @Test func spansSplitAcrossLinesStillFindTheirAgent() throws {
        let d = OTLPDecoder()
        _ = try decodeOTLP(OTLP.line(resource: resource, spans: [
            OTLP.span(id: "2222222222222222", name: "invoke_agent triage", startMs: t, durationMs: 10,
                      attrs: [OTLP.s("gen_ai.operation.name", "invoke_agent"), OTLP.s("gen_ai.agent.id", "spiffe://acme.example/agent/triage-bot/7f3a")]),
        ]), d)
        let doc = try decodeOTLP(OTLP.line(resource: resource, spans: [
            OTLP.span(id: "3333333333333333", parent: "2222222222222222", name: "execute_tool get_issue", startMs: t + 1, durationMs: 3,
                      attrs: [OTLP.s("gen_ai.operation.name", "execute_tool"), OTLP.s("gen_ai.tool.name", "github/get_issue")]),
        ]), d)
        #expect(doc.events.first?.agent == "spiffe://acme.example/agent/triage-bot/7f3a")
    }

    /// Into a store: the sub-agent nobody registered appears under the planner, unregistered.
    @Test func ingestsIntoAStore() throws {
        let t = try TempStore()
        let f = try Fleet(t.store)
        let path = try t.file("run.jsonl", run + "\n" + OTLP.line(resource: resource, spans: []) + "\n")
        let out = Output(), err = Output()
        #expect(try ingest(t, path, format: .otlp, out: out, err: err) == 0, "\(err.value)")
        #expect(out.value.hasPrefix("2 lines: 1 ingested, 1 skipped, 0 rejected"), "\(out.value)")
        #expect(out.value.contains("6 spans, 2 skipped"))
        let s = try t.open()
        let researcher = try #require(try s.agents().first { $0.name == "researcher" })
        #expect(!researcher.registered && researcher.parentID == f.planner.id && researcher.principalID == "user:alice@acme.example")
        #expect(researcher.depth == 2)
        #expect(try s.calls(CallQuery(agentID: researcher.id)).count == 2)
        #expect(try s.instances(agentID: f.planner.id).map(\.id) == ["planner@runner-eu-1:4412"])
        // Ingesting the same run again records the calls again but no new agents.
        #expect(try ingest(t, path, format: .otlp) == 0)
        #expect(try t.agents().count == 3)
    }
}

/// Issue 12 §8: exporters write a span when it ends (children before parents) and a
/// collector's flush may cut anywhere. The shipped sample, re-emitted in end order and cut at
/// every span boundary (and one span per document, and backwards), decodes to the same calls,
/// attributed to the same agents, and the same delegations, as the sample as written.
@Suite("OTLP spans split across documents")
struct OTLPSplitTests {
    /// (resource JSON, span JSON, end time) of every span in the sample, in file order.
    static func sampleSpans() throws -> [(resource: Any, span: [String: Any], end: Int64)] {
        let text = try String(contentsOfFile: SampleTests.root + "/Samples/otel-genai-traces.jsonl", encoding: .utf8)
        var out: [(Any, [String: Any], Int64)] = []
        for line in text.split(separator: "\n") {
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            for rs in doc["resourceSpans"] as? [[String: Any]] ?? [] {
                for ss in rs["scopeSpans"] as? [[String: Any]] ?? [] {
                    for sp in ss["spans"] as? [[String: Any]] ?? [] {
                        out.append((rs["resource"] ?? [:], sp, Int64(sp["endTimeUnixNano"] as? String ?? "0") ?? 0))
                    }
                }
            }
        }
        return out
    }

    /// One OTLP document holding `spans`, consecutive spans of one resource under one resourceSpans entry.
    static func document(_ spans: ArraySlice<(resource: Any, span: [String: Any], end: Int64)>) throws -> String {
        var entries: [[String: Any]] = []
        var lastResource: String?
        for s in spans {
            let r = String(decoding: try JSONSerialization.data(withJSONObject: s.resource, options: [.sortedKeys]), as: UTF8.self)
            if r == lastResource, var last = entries.popLast(), var scopes = last["scopeSpans"] as? [[String: Any]],
               var list = scopes[0]["spans"] as? [[String: Any]] {
                list.append(s.span)
                scopes[0]["spans"] = list
                last["scopeSpans"] = scopes
                entries.append(last)
            } else {
                entries.append(["resource": s.resource, "scopeSpans": [["scope": ["name": "sdk"], "spans": [s.span]]]])
            }
            lastResource = r
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: ["resourceSpans": entries]), as: UTF8.self)
    }

    /// What a sequence of documents decodes to: calls as AGENT SERVER/TOOL @AT, and delegations.
    static func outcome(_ documents: [String]) throws -> (calls: [String], delegations: [String]) {
        let d = OTLPDecoder()
        var events: [TelemetryEvent] = []
        for doc in documents { events += try decodeOTLP(doc, d).events }
        events += d.finish().events
        var calls: [String] = [], delegations: [String] = []
        var agentsSeen = Set<String>()
        for e in events {
            switch e.body {
            case .toolCall(let c):
                calls.append("\(e.agent ?? "?") \(c.server)/\(c.tool) @\(c.at)")
                agentsSeen.insert(e.agent ?? "?")
            case .observedDelegation(let child):
                delegations.append("\(e.agent ?? "?") > \(child)")
                // A delegation must come before any event of the sub-agent it creates.
                #expect(!agentsSeen.contains(child), "the delegation to \(child) came after its calls")
            default: break
            }
        }
        return (calls.sorted(), delegations.sorted())
    }

    @Test func sameCallsAndAgentsWhateverTheOrderAndCuts() throws {
        let spans = try Self.sampleSpans()
        let text = try String(contentsOfFile: SampleTests.root + "/Samples/otel-genai-traces.jsonl", encoding: .utf8)
        let expected = try Self.outcome(text.split(separator: "\n").map(String.init))
        #expect(expected.calls.count == 16)
        #expect(!expected.calls.contains { $0.hasPrefix("code-review-agent ") && $0.contains("get_file_contents") })
        // As an exporter writes them: by end time, children first.
        let ended = spans.sorted { $0.end < $1.end }
        for order in [ended, Array(ended.reversed()), spans] {
            for cut in 1..<order.count {
                let docs = [try Self.document(order[..<cut]), try Self.document(order[cut...])]
                let got = try Self.outcome(docs)
                #expect(got.calls == expected.calls, "cut at \(cut)")
                #expect(got.delegations == expected.delegations, "cut at \(cut)")
            }
            let single = try order.indices.map { try Self.document(order[$0...$0]) }
            let got = try Self.outcome(single)
            #expect(got.calls == expected.calls && got.delegations == expected.delegations, "one span per document")
        }
    }

    /// Held spans are bounded: an MCP client span whose parent never comes is counted once the
    /// window has passed, attributed as well as what is known allows.
    @Test func aParentThatNeverComesIsNotWaitedForForever() throws {
        let d = OTLPDecoder()
        let t: Int64 = 1_795_900_000_000
        let orphan = OTLP.line(resource: [OTLP.s("service.name", "svc")], spans: [
            OTLP.span(id: "aaaaaaaaaaaaaaa1", parent: "bbbbbbbbbbbbbbb1", name: "tools/call get_issue", startMs: t, durationMs: 1,
                      attrs: [OTLP.s("mcp.method.name", "tools/call"), OTLP.s("gen_ai.tool.name", "github/get_issue")]),
        ])
        let first = try decodeOTLP(orphan, d)
        #expect(first.events.isEmpty && first.heldSpans == 1 && !first.lineEmpty)
        var calls = 0
        for _ in 0..<OTLPDecoder.maxHeldDocuments {
            calls += try decodeOTLP(OTLP.line(resource: [], spans: []), d).toolCalls
        }
        #expect(calls == 1)
        #expect(d.finish().events.isEmpty)
    }

    /// Through the pipeline into a store: one span per line, children first, still 16 calls
    /// under the right agents, and every line accounted for.
    @Test(.enabled(if: SampleTests.haveFleet, "needs Samples/acme-fleet.json"))
    func splitSampleIngestsAsTheSampleDoes() throws {
        let spans = try Self.sampleSpans().sorted { $0.end < $1.end }
        let lines = try spans.indices.map { try Self.document(spans[$0...$0]) }
        let t = try SampleTests().acmeStore()
        let path = try t.file("split.jsonl", lines.joined(separator: "\n") + "\n")
        let out = Output(), err = Output()
        #expect(try ingest(t, path, format: .otlp, out: out, err: err) == 0, "\(err.value)")
        #expect(out.value.hasPrefix("\(lines.count) lines: "), "\(out.value)")
        let s = try t.open()
        let calls = try s.calls(CallQuery(limit: 1000))
        #expect(calls.count == 16)
        let auditor = try #require(try s.agents().first { $0.name == "dependency-auditor" })
        #expect(!auditor.registered && auditor.parentID == "spiffe://acme.example/agent/code-review-agent/3e9b")
        #expect(calls.filter { $0.agentID == auditor.id }.count == 2)
    }
}
