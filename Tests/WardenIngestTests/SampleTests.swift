import Foundation
import Testing
import WardenCore
import WardenIngest
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

/// The shipped samples load cleanly into a store built from Samples/acme-fleet.json.
@Suite("Samples")
struct SampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let fleetPath = ProcessInfo.processInfo.environment["WARDEN_ACME_FLEET"] ?? root + "/Samples/acme-fleet.json"
    static var haveFleet: Bool { FileManager.default.fileExists(atPath: fleetPath) }

    func acmeStore() throws -> TempStore {
        let t = try TempStore(trustDomain: "acme.example")
        let doc = try FleetDocument.decode(String(contentsOfFile: Self.fleetPath, encoding: .utf8))
        _ = try t.store.importFleet(doc, Mutation(operatorName: "tester", now: UTC.parseRFC3339("2026-11-29T07:00:00Z")!))
        return t
    }

    @Test(.enabled(if: SampleTests.haveFleet, "needs Samples/acme-fleet.json"))
    func eventsSampleIngestsCleanly() throws {
        let t = try acmeStore()
        let out = Output(), err = Output()
        let code = try ingest(t, Self.root + "/Samples/events.ndjson", out: out, err: err)
        #expect(code == 0, "\(err.value)")
        #expect(err.value.isEmpty)
        #expect(out.value.contains(" 0 rejected"), "\(out.value)")
        let s = try t.open()
        let shadow = try #require(try s.agents().first { $0.name == "shadow-exporter" })
        #expect(!shadow.registered)
        let summarizer = try #require(try s.agent("spiffe://acme.example/agent/ticket-summarizer/5e11"))
        #expect(summarizer.registered && summarizer.parentID == "spiffe://acme.example/agent/support-assistant/2b7e")
        let calls = try s.calls(CallQuery(limit: 1000))
        #expect(Set(calls.compactMap(\.reason)) == ["out_of_scope", "credential_expired"])
        #expect(calls.contains { $0.result == .error })
    }

    @Test(.enabled(if: SampleTests.haveFleet, "needs Samples/acme-fleet.json"))
    func otelSampleIngestsCleanly() throws {
        let t = try acmeStore()
        let out = Output(), err = Output()
        let code = try ingest(t, Self.root + "/Samples/otel-genai-traces.jsonl", format: .otlp, out: out, err: err)
        #expect(code == 0, "\(err.value)")
        #expect(out.value.hasPrefix("3 lines: 3 ingested, 0 skipped, 0 rejected"), "\(out.value)")
        let s = try t.open()
        let auditor = try #require(try s.agents().first { $0.name == "dependency-auditor" })
        #expect(!auditor.registered && auditor.parentID == "spiffe://acme.example/agent/code-review-agent/3e9b")
        let calls = try s.calls(CallQuery(limit: 1000))
        #expect(calls.count == 16)
        #expect(calls.filter { $0.decision == .deny }.map(\.reason) == ["out_of_scope"])
        #expect(calls.filter { $0.result == .error }.count == 2)
        #expect(try s.instances(agentID: "spiffe://acme.example/agent/test-runner/5a6f").contains { $0.id == "test-runner-5a6f-0" })
    }

    /// Without the fleet, both still decode: every line is well-formed.
    @Test func samplesDecode() throws {
        let nd = try String(contentsOfFile: Self.root + "/Samples/events.ndjson", encoding: .utf8)
        var types = Set<String>()
        for (i, line) in nd.split(separator: "\n").enumerated() {
            let e = try decodeLine(String(line), source: i + 1)
            switch e.body {
            case .toolCall: types.insert("tool_call")
            case .instanceStarted: types.insert("instance_started")
            case .heartbeat: types.insert("heartbeat")
            case .instanceStopped: types.insert("instance_stopped")
            case .delegate: types.insert("delegate")
            case .observedDelegation: break
            }
        }
        #expect(types.count == 5)
        let otel = try String(contentsOfFile: Self.root + "/Samples/otel-genai-traces.jsonl", encoding: .utf8)
        let d = OTLPDecoder()
        var toolCalls = 0
        for line in otel.split(separator: "\n") { toolCalls += try decodeOTLP(String(line), d).toolCalls }
        #expect(toolCalls == 16)
    }
}
