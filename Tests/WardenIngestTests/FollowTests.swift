import Foundation
import Testing
import WardenCore
import WardenTestSupport
@testable import WardenIngest
@testable import WardenSQLite
@testable import WardenStore

/// `--follow` driven by hand: each `poll()` is what the 200 ms timer would do.
@Suite("Following a growing file")
struct FollowTests {
    func call(_ i: Int) -> String {
        #"{"type":"tool_call","time":\#(1_795_900_000_000 + i),"agent":"planner","server":"github","tool":"get_issue","decision":"allow","args":"n=\#(i)"}"# + "\n"
    }

    func append(_ path: String, _ text: String) throws {
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: Data(text.utf8))
        try h.close()
    }

    @Test func picksUpAppendedLinesRotationAndTruncation() throws {
        let t = try TempStore()
        _ = try Fleet(t.store)
        let path = t.folder + "/live.ndjson"
        let err = Output()
        let pipeline = IngestPipeline(store: try t.open(), options: IngestOptions(operatorName: "tester"), sourceName: path, report: err.write)
        let follower = FileFollower(path: path, pipeline: pipeline)
        // The file does not exist yet: waited for.
        try follower.poll()
        #expect(pipeline.stats.lines == 0)
        try call(0).write(toFile: path, atomically: false, encoding: .utf8)
        try follower.poll()
        #expect(try t.calls().count == 1)
        // Appended lines, one of them still being written (no newline yet).
        try append(path, call(1) + call(2) + String(call(3).dropLast(10)))
        try follower.poll()
        #expect(try t.calls().count == 3)
        try append(path, String(call(3).suffix(10)))
        try follower.poll()
        #expect(try t.calls().count == 4)
        // Rotation: the old file moves away (a last line lands in it), a new file takes the path.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try append(path + ".1", call(4))
        try (call(5) + "{bad\n").write(toFile: path, atomically: false, encoding: .utf8)
        try follower.poll()
        #expect(follower.rotations == 1)
        #expect(try t.calls().count == 6)
        #expect(err.value == "\(path):2: bad JSON at column 2: expected a string key")  // line numbers restart in the new file
        // Truncation: the file starts over in place.
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.truncate(atOffset: 0)
        try h.close()
        try follower.poll()
        try append(path, call(6))
        try follower.poll()
        #expect(follower.truncations == 1)
        #expect(try t.calls().count == 7)
        let args = try t.open().calls(CallQuery(limit: 100)).compactMap(\.args)
        #expect(Set(args) == Set((0...6).map { "n=\($0)" }))
        #expect(args.count == 7)  // each event exactly once
        try follower.close()
        #expect(pipeline.stats.ingested == 7 && pipeline.stats.rejected == 1)
    }

    /// OTLP while following: a child span written before its parent (in another flush) waits
    /// for it and counts once under the parent's agent; a span whose parent never comes is
    /// decided once it has waited `maxHeldMilliseconds` (clock given by the test).
    @Test func otlpSpansWaitForTheirParentsWithinATimeWindow() throws {
        let t = try TempStore()
        let f = try Fleet(t.store)
        let path = t.folder + "/live.jsonl"
        let err = Output()
        let pipeline = IngestPipeline(store: try t.open(), options: IngestOptions(format: .otlp, operatorName: "tester"),
                                      sourceName: path, report: err.write)
        nonisolated(unsafe) var now: Int64 = 1_000
        pipeline.decoder.otlp.clock = { now }
        let follower = FileFollower(path: path, pipeline: pipeline)
        let t0: Int64 = 1_795_900_000_000
        let res = [OTLP.s("service.name", "svc")]
        let child = OTLP.span(id: "00000000000000c1", parent: "00000000000000b1", name: "tools/call get_issue", startMs: t0 + 2, durationMs: 5,
                              attrs: [OTLP.s("mcp.method.name", "tools/call"), OTLP.s("gen_ai.tool.name", "github/get_issue")])
        let parent = OTLP.span(id: "00000000000000b1", parent: "00000000000000a1", name: "execute_tool get_issue", startMs: t0 + 1, durationMs: 7,
                               attrs: [OTLP.s("gen_ai.operation.name", "execute_tool"), OTLP.s("gen_ai.tool.name", "github/get_issue")])
        let agent = OTLP.span(id: "00000000000000a1", name: "invoke_agent planner", startMs: t0, durationMs: 10,
                              attrs: [OTLP.s("gen_ai.operation.name", "invoke_agent"), OTLP.s("gen_ai.agent.name", "planner")])
        try (OTLP.line(resource: res, spans: [child]) + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        try follower.poll()
        #expect(try t.calls().count == 0)
        try append(path, OTLP.line(resource: res, spans: [parent]) + "\n")
        try follower.poll()
        #expect(try t.calls().count == 0)  // the agent span has not ended yet
        try append(path, OTLP.line(resource: res, spans: [agent]) + "\n")
        try follower.poll()
        let calls = try t.open().calls(CallQuery(limit: 10))
        #expect(calls.count == 1 && calls.first?.agentID == f.planner.id, "\(calls)")
        // An orphan: held, then decided once its time is up.
        let orphan = OTLP.span(id: "00000000000000d1", parent: "00000000000000e1", name: "tools/call get_repo", startMs: t0 + 20, durationMs: 1,
                               attrs: [OTLP.s("mcp.method.name", "tools/call"), OTLP.s("gen_ai.tool.name", "github/get_repo")])
        try append(path, OTLP.line(resource: res, spans: [orphan]) + "\n")
        try follower.poll()
        #expect(try t.calls().count == 1)
        now += OTLPDecoder.maxHeldMilliseconds
        try follower.poll()
        #expect(try t.calls().count == 2)
        try follower.close()
        // The MCP client span's line and the agent span's line (no instance to mark) recorded nothing of their own.
        #expect(pipeline.stats.ingested == 2 && pipeline.stats.skipped == 2 && pipeline.stats.rejected == 0,
                "\(pipeline.stats) \(err.value)")
    }

    /// The real loop (`IngestCommand` with --follow) in a thread, stopped by SIGINT's flag.
    @Test func followCommandStopsOnInterrupt() async throws {
        let t = try TempStore()
        _ = try Fleet(t.store)
        let path = try t.file("f.ndjson", call(0))
        let out = Output()
        let dbPath = t.path
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var code: Int32 = -1
        let thread = Thread {
            let store = try! SQLiteBackend(path: dbPath).open(for: .operations(readOnly: false))
            code = IngestCommand.run(store: store, input: path, follow: true, operatorName: "tester",
                                     stdout: out.write, stderr: { _ in }, progress: false, pollIntervalMs: 20)
            done.signal()
        }
        thread.start()
        try append(path, call(1))
        // Bounded wait for the condition (the loop polls every 20 ms).
        let deadline = Date().addingTimeInterval(10)
        while try t.calls().count < 2 && Date() < deadline { usleep(10_000) }
        #expect(try t.calls().count == 2)
        IngestCommand.requestStop()
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(code == 0)
        #expect(out.value.hasPrefix("2 lines: 2 ingested"))
    }
}

@Suite("Progress bar")
struct ProgressBarTests {
    @Test func rendersBytesRateAndETA() {
        let text = ProgressBar.render(bytes: 50 * 1_048_576, total: 200 * 1_048_576, events: 250_000, elapsedMs: 2000)
        #expect(text == "[######..................] 25%  50.0/200.0 MB  125,000 events/s  ETA 0:06")
    }
}
