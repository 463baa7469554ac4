import Foundation
import Testing

/// Issue 11 §5: every recorded text of a call or telemetry event is capped (README, "Limits"),
/// whoever sends it; `warden ingest` refuses a line whose identifiers exceed their limit.
@Suite("Record limits", .serialized)
struct RecordLimitsTests {
    static let triage = "spiffe://acme.example/agent/triage-bot/7f3a"

    func fleet() throws -> Sandbox {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        return s
    }

    func sql(_ s: Sandbox, _ query: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [s.db, query]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The longest text stored in each column of the calls and instances.
    func longest(_ s: Sandbox) throws -> [Int] {
        try sql(s, """
            SELECT max(length(server)), max(length(tool)), max(length(coalesce(reason,''))), max(length(coalesce(args,''))),
                   max(length(coalesce(instance_id,''))), max(length(coalesce(credential_id,''))),
                   (SELECT max(length(host)) FROM instances) FROM tool_calls
            """).split(separator: "|").map { Int($0) ?? -1 }
    }

    @Test func ingestCapsTextsAndRefusesLongIdentifiers() throws {
        let s = try fleet()
        let big = String(repeating: "x", count: 300_000)
        let t: Int64 = 1_795_939_200_000
        let lines = [
            #"{"type":"tool_call","time":\#(t),"agent":"\#(Self.triage)","server":"github","tool":"get_issue","decision":"deny","reason":"\#(big)","args":"\#(big)"}"#,
            #"{"type":"tool_call","time":\#(t + 1),"agent":"\#(Self.triage)","server":"github","tool":"\#(String(repeating: "t", count: 129))","decision":"allow"}"#,
            #"{"type":"instance_started","time":\#(t + 2),"agent":"\#(Self.triage)","instance":"i-1","host":"\#(big)"}"#,
            #"{"type":"tool_call","time":\#(t + 3),"agent":"\#(Self.triage)","instance":"\#(big)","server":"github","tool":"get_issue","decision":"allow"}"#,
            #"{"type":"tool_call","time":\#(t + 4),"agent":"\#(Self.triage)","server":"\#(big)","tool":"get_issue","decision":"allow"}"#,
        ]
        let file = try s.write("long.ndjson", lines.joined(separator: "\n") + "\n")
        let r = try s.run("ingest", file)
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("long.ndjson:2: tool is 129 characters, longer than the 128-character limit"), "\(r.stderr)")
        #expect(r.stderr.contains("long.ndjson:4: instance is 300000 characters, longer than the 256-character limit"))
        #expect(r.stderr.contains("long.ndjson:5: server is 300000 characters, longer than the 128-character limit"))
        #expect(r.stdout.contains("2 ingested") && r.stdout.contains("3 rejected"), "\(r.stdout)")
        let l = try longest(s)
        #expect(l == [6, 9, 128, 200, 0, 0, 255], "\(l)")
    }

    @Test func otlpRefusesAnOverlongToolName() throws {
        let s = try fleet()
        let start: Int64 = 1_795_939_200_000_000_000
        let line = #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"triage-bot"}}]},"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"00000000000000a1","name":"execute_tool x","startTimeUnixNano":"\#(start)","endTimeUnixNano":"\#(start)","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"execute_tool"}},{"key":"gen_ai.tool.name","value":{"stringValue":"\#(String(repeating: "n", count: 500_000))"}}]}]}]}]}"#
        let file = try s.write("long.jsonl", line + "\n")
        let r = try s.run("ingest", file, "--format", "otlp")
        #expect(r.status == 2 && r.stderr.contains("long.jsonl:1: tool is 500000 characters, longer than the 128-character limit"), "\(r)")
        #expect(try sql(s, "SELECT count(*) FROM tool_calls") == "0")
    }

    /// `authorize --record`: whatever the tool name, what is stored fits the limit.
    @Test func authorizeRecordStoresCappedTexts() throws {
        let s = try fleet()
        let token = try s.ok("token", "issue", "triage-bot", "--ttl", "10m").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let r = try s.run(["authorize", "--token-env", "T", "--tool", "github/" + String(repeating: "a", count: 100_000), "--record",
                           "--args", #"{"q":"\#(String(repeating: "q", count: 100_000))"}"#], environment: ["T": token])
        #expect(r.status != 0, "\(r)")
        let l = try longest(s)
        #expect(l.count == 7 && l[1] <= 128 && l[3] <= 200, "\(l)")
    }
}
