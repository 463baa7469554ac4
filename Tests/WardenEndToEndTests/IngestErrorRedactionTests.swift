import Foundation
import Testing

/// A rejected `ingest` line's reason quotes the offending value; telemetry values may be secrets,
/// so every such reason passes the one redaction rule before it reaches stderr.
@Suite("ingest: rejected lines never echo secrets")
struct IngestErrorRedactionTests {
    @Test func reasonsQuotingTelemetryValuesAreRedacted() throws {
        let corpus = try SecretSprawlTests.corpus()
        #expect(corpus.count >= 30)
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        let agent = SecretSprawlTests.triage
        func quoted(_ text: String) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed]), as: UTF8.self)
        }
        let bare = try #require(corpus.first { $0.secret.hasPrefix("wdn_") }).secret
        var lines = #"{"type":"tool_call","time":1795939200000,"agent":"\#(agent)","server":"github","tool":"get_issue","decision":"allow","result":\#(try quoted(bare))}"# + "\n"
        for (i, (_, args)) in corpus.enumerated() {
            let v = try quoted(args)
            let t = 1_795_939_200_000 + i
            lines += #"{"type":"tool_call","time":\#(t),"agent":"\#(agent)","server":"github","tool":"get_issue","decision":"allow","result":\#(v)}"# + "\n"
            lines += #"{"type":"tool_call","time":\#(t),"agent":"\#(agent)","server":"github","tool":"get_issue","decision":\#(v)}"# + "\n"
            lines += #"{"type":"tool_call","time":\#(v),"agent":"\#(agent)","server":"github","tool":"get_issue","decision":"allow"}"# + "\n"
            lines += #"{"type":\#(v),"time":\#(t),"agent":"\#(agent)"}"# + "\n"
        }
        let file = try s.write("bad.ndjson", lines)
        let r = try s.run("ingest", file)
        let printed = r.stdout + r.stderr
        #expect(r.stderr.components(separatedBy: "bad.ndjson:").count - 1 == corpus.count * 4 + 1, "every bad line is reported: \(r)")
        #expect(r.stderr.contains("[redacted:"), "\(r)")
        for (secret, _) in corpus {
            #expect(!printed.contains(secret), "\(secret) was printed")
        }
    }
}
