import Foundation
import WardenCore
import WardenIngest
import WardenTestSupport
@testable import WardenSQLite
@testable import WardenStore

extension TempStore {
    /// The calls the store holds, read on a new connection as another process would.
    func calls() throws -> [ToolCall] { try open().calls(CallQuery(limit: Int.max)) }

    /// The agents the store holds, read on a new connection.
    func agents() throws -> [Agent] { try open().agents() }
}

let t0: Timestamp = 1_795_900_000_000  // 2026-11-28T…
func m(_ now: Timestamp = t0) -> Mutation { mutation(at: now) }

/// alice → planner (github/*, slack/*) → coder (github/*); planner has instance planner-0.
struct Fleet {
    let planner: Agent, coder: Agent
    init(_ s: any FleetStore) throws {
        _ = try s.addPrincipal(id: "user:alice@acme.example", kind: .human, name: "Alice", scopes: .everything, m())
        planner = try s.registerAgent(name: "planner", delegator: "user:alice@acme.example", scopes: scopes("github/*,slack/*"), ttlMs: 86_400_000, m())
        coder = try s.registerAgent(name: "coder", delegator: planner.id, scopes: scopes("github/*"), ttlMs: nil, m())
    }
}

/// Decodes one NDJSON line.
func decodeLine(_ text: String, source: Int = 1) throws(LineError) -> TelemetryEvent {
    try Array(text.utf8).withUnsafeBufferPointer { (b) throws(LineError) in try NDJSONDecoder().decode(b, source: source) }
}

func decodeOTLP(_ text: String, _ decoder: OTLPDecoder = OTLPDecoder()) throws(LineError) -> OTLPDecoder.Document {
    try Array(text.utf8).withUnsafeBufferPointer { (b) throws(LineError) in try decoder.decode(b, source: 1) }
}

/// Collects what a command writes.
final class Output: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    func write(_ s: String) { lock.lock(); text += s; lock.unlock() }
    var value: String { lock.lock(); defer { lock.unlock() }; return text }
    var lines: [String] { value.split(separator: "\n").map(String.init) }
}

/// `warden ingest` in-process.
@discardableResult
func ingest(_ t: TempStore, _ path: String?, format: IngestFormat = .ndjson, strict: Bool = false,
            out: Output = Output(), err: Output = Output()) throws -> Int32 {
    let store = try t.open()
    return IngestCommand.run(store: store, input: path, format: format, strict: strict, operatorName: "tester",
                             stdout: out.write, stderr: err.write, progress: false)
}
