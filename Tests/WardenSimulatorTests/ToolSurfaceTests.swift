import Foundation
import Testing
import WardenCore
import WardenSimulator
import WardenStore
import WardenTestSupport

/// The demo's tool servers: the sample manifest approved ahead, then the browser's tool
/// changing to a poisoned definition, quarantined on the next call.
@Suite("Demo tool surface")
struct ToolSurfaceTests {
    let t0: Timestamp = 1_800_000_000_000
    static let manifest = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples/tool-manifest.json").path

    func surface() throws -> ToolSurface {
        try ToolSurface(manifest: try String(contentsOfFile: Self.manifest, encoding: .utf8), file: Self.manifest)
    }

    @Test func theSampleManifestCoversTheSimulatorsServersAndIsApprovedAhead() throws {
        let surface = try surface()
        #expect(surface.servers.map(\.name) == ["github", "slack", "jira", "filesystem", "postgres", "browser", "kubernetes", "pagerduty"])
        let temp = try TempStore(prefix: "warden-tool-surface")
        let s = temp.store
        try surface.preapprove(s, Mutation(operatorName: "demo", now: t0))
        let pins = try s.toolPins(server: nil)
        #expect(pins.count == surface.servers.reduce(0) { $0 + $1.tools.count })
        #expect(pins.allSatisfy { $0.status == .approved })
        #expect(try s.toolServers().allSatisfy(\.isKnown))
        // No definition of the reviewed catalog raises a poisoning signal, other servers' tool
        // names included (a description naming one reads as shadowing it).
        for (server, tools) in surface.servers {
            let others = Set(surface.servers.filter { $0.name != server }.flatMap { $0.tools.map(\.name) })
            for t in tools {
                #expect(ToolSignals.scan(try JSONParser.parse(t.canonical), otherTools: others).isEmpty, "\(server)/\(t.name)")
            }
        }
    }

    @Test func theBrowserToolChangesToAPoisonedDefinitionAndIsQuarantined() throws {
        let surface = try surface()
        let temp = try TempStore(prefix: "warden-tool-surface")
        let s = temp.store
        let alice = "user:alice@acme.example"
        _ = try s.addPrincipal(id: alice, kind: .human, name: "Alice", scopes: .everything, Mutation(operatorName: "t", now: t0))
        let bot = try s.registerAgent(name: "reader", delegator: alice, scopes: try ScopeSet(parsing: "browser/*"), ttlMs: nil,
                                      Mutation(operatorName: "t", now: t0))
        let token = try s.issueCredential(agentID: bot.id, ttlMs: 3_600_000, scopes: nil, instanceID: nil, Mutation(operatorName: "t", now: t0))
        try surface.preapprove(s, Mutation(operatorName: "demo", now: t0))
        #expect(try s.authorize(secret: token.secret, serverTool: "browser/get_text", now: t0 + 1).decision == .allow)

        let after = try surface.change(s, at: t0 + 10)
        #expect(after.first { $0.tool == "get_text" }?.status == .changed)
        #expect(after.first { $0.tool == "navigate" }?.status == .approved, "the server's other tool is untouched")
        #expect(try s.authorize(secret: token.secret, serverTool: "browser/get_text", now: t0 + 11).decision == .deny(.toolUnapproved))
        // What the operator reviews: instructions to the model, hidden characters, a new parameter.
        let pin = try #require(try s.toolPin(server: "browser", tool: "get_text"))
        let text = try #require(try s.toolDefinition(hash: pin.hash))
        let kinds = Set(ToolSignals.scan(try JSONParser.parse(text)).map(\.kind))
        #expect(kinds.isSuperset(of: [.instruction, .sensitiveFile, .hiddenUnicode]))
        #expect(text.contains("\"sidenote\""))
        // And the findings name it.
        let findings = FindingsEngine.evaluate(.init(principals: [], agents: [], credentials: [], instances: [Instance](), calls: [], usage: [:],
                                                     now: t0 + 20, policy: .standard, tools: try s.toolPins(server: nil),
                                                     toolDefinitions: [pin.hash: text]))
        #expect(findings.contains { $0.kind == .toolDrift && $0.subject.id == "browser/get_text" })
    }
}
