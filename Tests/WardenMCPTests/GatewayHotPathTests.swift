import Foundation
import Testing
import WardenCore
@testable import WardenMCP
import WardenStore
import WardenSystem

/// What keeps a gateway's call cheap without changing its rules: one decision per call (the
/// probe's verdict handed to the relay once, for that very tool), and the recorder's paced
/// writes (records gathered into one transaction, all flushed at stop).
@Suite struct GatewayHotPathTests {
    typealias FlakyGate = GatekeeperRetryTests.FlakyGate

    static func gatekeeper(_ store: FlakyGate) -> Gatekeeper {
        Gatekeeper(store: store, reopen: { () throws(StoreError) in store }, secret: "wdn_x", clock: { 0 })
    }

    @Test func aKeptVerdictAnswersTheNextCheckOfItsToolOnceThenTheStoreIsAskedAgain() {
        let store = FlakyGate(failing: 0)
        let gate = Self.gatekeeper(store)
        let denied = Gatekeeper.Verdict(allowed: false, reason: "agent_revoked", credentialID: "tok_1", agentID: "agent-1")
        gate.keep(denied, server: "github", tool: "get_issue")
        #expect(gate.check(server: "github", tool: "get_issue") == denied)
        #expect(store.attempts == 0, "the kept verdict was taken without asking the store")
        #expect(gate.check(server: "github", tool: "get_issue").allowed)
        #expect(store.attempts == 1, "taken once only: the next call of the same tool is decided anew")
    }

    @Test func aKeptVerdictNeverAnswersAnotherToolAndIsDroppedByIt() {
        let store = FlakyGate(failing: 0)
        let gate = Self.gatekeeper(store)
        gate.keep(Gatekeeper.Verdict(allowed: false, reason: "out_of_scope"), server: "github", tool: "get_issue")
        #expect(gate.check(server: "github", tool: "delete_repo").allowed)
        #expect(store.attempts == 1)
        #expect(gate.check(server: "github", tool: "get_issue").allowed, "dropped by the other check, not kept for later")
        #expect(store.attempts == 2)
    }

    @Test func onlyOneValidToolsCallIsDecidedAsTheProbe() throws {
        func tool(_ json: String) throws -> String? { MessageGate.callTool(of: try JSONParser.parse(json)) }
        #expect(try tool(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_issue"}}"#) == "get_issue")
        #expect(try tool(#"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"get_issue"}}"#) == "get_issue")
        #expect(try tool(#"[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_issue"}}]"#) == nil, "a batch")
        #expect(try tool(#"{"jsonrpc":"2.0","id":1.5,"method":"tools/call","params":{"name":"get_issue"}}"#) == nil, "an id the relay refuses")
        #expect(try tool(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a b"}}"#) == nil, "a tool name the relay refuses")
        #expect(try tool(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#) == nil)
    }

    @Test func theProbeSaysOfTheCredentialOnlyWhatIsNotAboutTheTool() {
        #expect(MessageGate.credentialReason(nil) == nil)
        #expect(MessageGate.credentialReason("out_of_scope") == nil)
        #expect(MessageGate.credentialReason("tool_unapproved") == nil)
        for r in Authorization.Reason.allCases where r != .outOfScope && r != .toolUnapproved {
            #expect(MessageGate.credentialReason(r.rawValue) == r.rawValue)
        }
    }

    /// Counts the transactions calls go in and when each began, and says when each is in.
    final class CountingRecording: ActivityRecording, @unchecked Sendable {
        let lock = NSLock()
        var batches: [[String]] = []
        var startedNanos: [UInt64] = []
        let written = DispatchSemaphore(value: 0)

        func recordCalls(_ calls: [ToolCall]) throws(StoreError) -> [Int64] {
            let now = MonotonicClock.nanos()
            lock.withLock { batches.append(calls.map(\.tool)); startedNanos.append(now) }
            written.signal()
            return calls.map { _ in 0 }
        }
        func recordCall(_ call: ToolCall, key: CallKey) throws(StoreError) -> Int64 { 0 }
        func recordOutcome(key: CallKey, credentialID: String, result: ToolCall.Result, at: Timestamp) throws(StoreError) -> ToolCall? { nil }
        func recordInstanceEvents(_ events: [InstanceEvent]) throws(StoreError) {}
    }

    static func call(_ tool: String) -> ToolCall {
        ToolCall(at: 0, agentID: "agent-1", server: "github", tool: tool, decision: .allow)
    }

    @Test(.timeLimit(.minutes(1)))
    func aPacedRecorderGathersCallsIntoOneWriteAndStopFlushesWithoutWaitingOutThePace() {
        let store = CountingRecording()
        // An hour between writes: only `stop` can end the pacing within the test's time.
        let recorder = Recorder(store: store, instanceID: "i-1", heartbeatSeconds: 1e9, clock: { 0 }, batchGapSeconds: 3600)
        recorder.start()
        recorder.record(Self.call("a"))
        #expect(store.written.wait(timeout: .now() + 60) == .success)
        for t in ["b", "c", "d"] { recorder.record(Self.call(t)) }
        recorder.stop()
        #expect(store.lock.withLock { store.batches } == [["a"], ["b", "c", "d"]])
    }

    /// The pace is a floor between two writes' starts, however soon the next call comes.
    @Test(.timeLimit(.minutes(1)))
    func aPacedRecorderStartsNoWriteSoonerThanItsGapAfterThePrevious() {
        let store = CountingRecording()
        let recorder = Recorder(store: store, instanceID: "i-1", heartbeatSeconds: 1e9, clock: { 0 }, batchGapSeconds: 0.05)
        recorder.start()
        recorder.record(Self.call("a"))
        #expect(store.written.wait(timeout: .now() + 60) == .success)
        recorder.record(Self.call("b"))
        #expect(store.written.wait(timeout: .now() + 60) == .success)
        recorder.stop()
        let (batches, started) = store.lock.withLock { (store.batches, store.startedNanos) }
        #expect(batches == [["a"], ["b"]])
        #expect(started.count == 2 && started[1] - started[0] >= 50_000_000, "\(started)")
    }

    /// Events go in; calls fail as a restarting service does (`.io`) a few times, then go in.
    final class CallsFailFirst: ActivityRecording, @unchecked Sendable {
        let lock = NSLock()
        var callFailures: Int
        var eventWrites: [Int] = []
        var calls: [String] = []
        init(callFailures: Int) { self.callFailures = callFailures }

        func recordCalls(_ calls: [ToolCall]) throws(StoreError) -> [Int64] {
            lock.lock()
            defer { lock.unlock() }
            if callFailures > 0 {
                callFailures -= 1
                throw .io("connection refused")
            }
            self.calls += calls.map(\.tool)
            return calls.map { _ in 0 }
        }
        func recordCall(_ call: ToolCall, key: CallKey) throws(StoreError) -> Int64 { 0 }
        func recordOutcome(key: CallKey, credentialID: String, result: ToolCall.Result, at: Timestamp) throws(StoreError) -> ToolCall? { nil }
        func recordInstanceEvents(_ events: [InstanceEvent]) throws(StoreError) { lock.withLock { eventWrites.append(events.count) } }
    }

    /// Each write is its own transaction (through a service, its own request): events that went
    /// in are not sent again while the calls beside them are retried, or they are recorded twice.
    @Test(.timeLimit(.minutes(1)))
    func eventsWrittenAreNotSentAgainWhileTheCallsBesideThemAreRetried() {
        let store = CallsFailFirst(callFailures: 3)
        let recorder = Recorder(store: store, instanceID: "i-1", heartbeatSeconds: 1e9, clock: { 0 })
        recorder.record(.stopped(instanceID: "i-1", at: 5))
        recorder.record(Self.call("a"))
        recorder.start()
        recorder.stop()
        #expect(store.lock.withLock { (store.eventWrites, store.calls) } == ([1], ["a"]))
    }

    /// A path that takes a bounded number of records per write (a service: 1,000 per request)
    /// gets batches no larger; when one fails, only it is sent again, never one that went in.
    final class SmallWrites: ActivityRecording, @unchecked Sendable {
        let lock = NSLock()
        var failNext: Set<Int>
        var attempts = 0
        var batches: [[String]] = []
        init(failingAttempts: Set<Int>) { failNext = failingAttempts }
        var recordsPerWrite: Int { 2 }
        func recordCalls(_ calls: [ToolCall]) throws(StoreError) -> [Int64] {
            lock.lock()
            defer { lock.unlock() }
            attempts += 1
            if failNext.remove(attempts) != nil { throw .io("the service did not answer") }
            batches.append(calls.map(\.tool))
            return []
        }
        func recordCall(_ call: ToolCall, key: CallKey) throws(StoreError) -> Int64 { 0 }
        func recordOutcome(key: CallKey, credentialID: String, result: ToolCall.Result, at: Timestamp) throws(StoreError) -> ToolCall? { nil }
        func recordInstanceEvents(_ events: [InstanceEvent]) throws(StoreError) {}
    }

    @Test(.timeLimit(.minutes(1)))
    func aFailedWriteOfABoundedPathResendsOnlyItself() {
        let store = SmallWrites(failingAttempts: [2, 4])
        let recorder = Recorder(store: store, instanceID: "i-1", heartbeatSeconds: 1e9, clock: { 0 })
        for t in ["a", "b", "c", "d", "e"] { recorder.record(Self.call(t)) }
        recorder.start()
        recorder.stop()
        let batches = store.lock.withLock { store.batches }
        #expect(batches.allSatisfy { $0.count <= 2 }, "\(batches)")
        #expect(batches.flatMap { $0 } == ["a", "b", "c", "d", "e"], "each call once, in order: \(batches)")
    }

    @Test(.timeLimit(.minutes(1)))
    func anUnpacedRecorderStillWritesEveryCall() {
        let store = CountingRecording()
        let recorder = Recorder(store: store, instanceID: "i-1", heartbeatSeconds: 1e9, clock: { 0 })
        recorder.start()
        for t in ["a", "b", "c"] { recorder.record(Self.call(t)) }
        recorder.stop()
        #expect(store.lock.withLock { store.batches.flatMap { $0 } } == ["a", "b", "c"])
    }
}
