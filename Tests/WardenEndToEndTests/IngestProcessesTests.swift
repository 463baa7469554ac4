import Foundation
import Testing

/// `warden ingest` and `warden simulate` as real processes sharing one store: concurrent
/// writers, a polling reader, `--follow` through rotation and truncation, and the dashboard
/// showing what was ingested.
@Suite("Ingest processes", .serialized)
struct IngestProcessesTests {
    static let triage = "spiffe://acme.example/agent/triage-bot/7f3a"
    static let review = "spiffe://acme.example/agent/code-review-agent/3e9b"

    func fleet() throws -> Sandbox {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        return s
    }

    /// One NDJSON tool-call line; `server`/`tool`/`args` carry the test's markers.
    static func line(agent: String = triage, server: String, tool: String, args: String, at: Int64) -> String {
        #"{"type":"tool_call","time":\#(at),"agent":"\#(agent)","credential_id":"tok_e2e","server":"\#(server)","tool":"\#(tool)","decision":"allow","duration_ms":3,"result":"ok","args":"\#(args)"}"#
    }

    static func lines(file: Int, range: Range<Int>, server: String = "e2e") -> String {
        let base: Int64 = 1_795_939_200_000
        return range.map { n in
            line(agent: n % 2 == 0 ? triage : review, server: server, tool: "marker_\(file)",
                 args: "file=\(file) n=\(n)", at: base + Int64(n))
        }.joined(separator: "\n") + "\n"
    }

    /// Every recorded call, as `warden calls --json` reports them.
    func allCalls(_ s: Sandbox, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let r = try s.run("calls", "--limit", "10000000", "--json")
        #expect(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        return try r.jsonArray(sourceLocation: sourceLocation)
    }

    func args(_ calls: [[String: Any]], tool: String) -> [String] {
        calls.filter { $0["tool"] as? String == tool }.compactMap { $0["args"] as? String }
    }

    static func mentionsContention(_ text: String) -> Bool {
        let t = text.lowercased()
        return t.contains("busy") || t.contains("locked")
    }

    // MARK: on every backend

    /// NDJSON telemetry shows in `calls`, denials with their reasons, and an agent the store has
    /// never registered shows in `agent ls`; the journal still verifies.
    @Test(arguments: TestBackend.all)
    func ingestedCallsAndTheirUnregisteredAgentsShow(backend: TestBackend) throws {
        let s = try Sandbox(backend)
        try s.ok("init", "--trust-domain", "acme.example")
        var lines = ""
        for n in 1...300 {
            let deny = n % 7 == 0
            lines += #"{"type":"tool_call","time":\#(1_795_939_200_000 + n * 10),"agent":"triage-bot","server":"github","tool":"get_issue","decision":"\#(deny ? "deny" : "allow")"\#(deny ? #","reason":"out_of_scope""# : "")}"# + "\n"
        }
        let ingested = try s.run(["ingest", "-", "--json"], stdin: lines)
        #expect(ingested.status == 0, "\(ingested)")
        #expect(try ingested.jsonObject()["tool_calls"] as? Int == 300, "\(ingested)")
        let agents = try s.ok("--json", "agent", "ls").jsonArray()
        #expect(agents.contains { $0["name"] as? String == "triage-bot" && $0["registered"] as? Bool == false }, "\(agents)")
        let calls = try allCalls(s)
        #expect(calls.count == 300)
        #expect(calls.allSatisfy { $0["server"] as? String == "github" && $0["tool"] as? String == "get_issue" })
        let denied = try s.ok("--json", "calls", "--denied", "--limit", "1000").jsonArray()
        #expect(denied.count == 300 / 7)
        #expect(denied.allSatisfy { $0["reason"] as? String == "out_of_scope" })
        #expect(try s.run("audit", "--verify").status == 0)
    }

    // MARK: many writers

    @Test func fourIngestersAndASimulatorWhileAReaderPolls() throws {
        let s = try fleet()
        let perFile = 3000
        var files: [String] = []
        for k in 0..<4 { files.append(try s.write("events-\(k).ndjson", Self.lines(file: k, range: 0..<perFile))) }

        // The reader: one `warden calls` process after another until the writers are done.
        let stop = ReaderFlag()
        let readerDone = DispatchSemaphore(value: 0)
        let readerThread = Thread { [s] in
            defer { readerDone.signal() }
            while !stop.isSet {
                do {
                    let r = try s.run("calls", "--limit", "1", "--json")
                    stop.record(r)
                } catch {
                    stop.record(RunResult(status: -1, stdout: "", stderr: "\(error)"))
                }
            }
        }
        readerThread.start()

        let writers = try files.map { try s.spawn(["ingest", $0, "--json"]) }
            + [try s.spawn(["simulate", "--duration", "3s", "--seed", "42", "--rate", "200"])]
        let results = writers.map { $0.wait(seconds: 120) }
        let writersDone = Date()
        stop.set()
        #expect(readerDone.wait(timeout: .now() + 60) == .success, "the reader stopped")

        for (w, r) in zip(writers, results) {
            #expect(r.status == 0, "warden \(w.args.joined(separator: " ")): \(r)")
            #expect(!Self.mentionsContention(r.stderr), "warden \(w.args.joined(separator: " ")) saw contention: \(r.stderr)")
        }
        for r in results.prefix(4) {
            let summary = try r.jsonObject()
            #expect(summary["tool_calls"] as? Int == perFile, "\(r)")
            #expect(summary["rejected"] as? Int == 0, "\(r)")
        }
        #expect(results[4].stdout.contains("simulated"), "\(results[4])")

        let reads = stop.results.map(\.result)
        let during = stop.results.filter { $0.finished < writersDone }.count
        #expect(during >= 1, "the reader read while the writers ran (\(reads.count) reads, \(during) before they were done)")
        for r in reads {
            #expect(r.status == 0 && !Self.mentionsContention(r.stderr), "a read failed: \(r)")
        }

        // Every ingested event landed exactly once: per file, each marker once and nothing else.
        let calls = try allCalls(s)
        for k in 0..<4 {
            let seen = args(calls, tool: "marker_\(k)")
            #expect(seen.count == perFile, "file \(k): \(seen.count) calls recorded, expected \(perFile)")
            #expect(Set(seen) == Set((0..<perFile).map { "file=\(k) n=\($0)" }), "file \(k): every line once")
        }
        let simulated = calls.filter { $0["server"] as? String != "e2e" }
        #expect(!simulated.isEmpty, "the simulator's calls are there too")
    }

    // MARK: the dashboard

    @Test(.enabled(if: TmuxSession.available))
    func dashboardCallsViewShowsIngestedCalls() throws {
        let s = try fleet()
        let line = "cd '\(s.folder.path)' && HOME='\(s.folder.path)' '\(WardenBinary.path)' --db '\(s.db)'"
        // Wide enough for the tool names whole beside the VIA column.
        let t = try TmuxSession(line, width: 140, height: 40, folder: s.folder)
        t.waitFor(text: "triage-bot")
        try t.send("4")
        t.waitFor(text: "Calls [0]")
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let text = [
            Self.line(server: "probe", tool: "zebra_launch_check", args: "e2e=1", at: now - 2),
            Self.line(agent: Self.review, server: "probe", tool: "quokka_audit_sweep", args: "e2e=2", at: now - 1),
            Self.line(server: "probe", tool: "narwhal_fetch_logs", args: "e2e=3", at: now),
        ].joined(separator: "\n") + "\n"
        let file = try s.write("dashboard.ndjson", text)
        let started = Date()
        let r = try s.run("ingest", file)
        #expect(r.status == 0, "\(r)")
        let screen = t.waitFor("the three ingested calls", seconds: 3) {
            $0.contains("probe/zebra_launch_check") && $0.contains("probe/quokka_audit_sweep") && $0.contains("probe/narwhal_fetch_logs")
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 3, "the calls showed after \(elapsed) s")
        #expect(screen.contains("Calls [3]"), "\(screen)")
        #expect(screen.contains("ingest"), "recorded via ingest: \(screen)")
        try t.send("q")
        t.waitFor("the dashboard to exit") { _ in t.isDead }
    }

    // MARK: --follow

    @Test(arguments: [SIGTERM, SIGINT])
    func followSurvivesRotationAndTruncationAndStopsCleanly(signal: Int32) throws {
        let s = try fleet()
        let path = s.folder.appendingPathComponent("live.ndjson").path
        var next = 0
        func lines(_ n: Int) -> String {
            defer { next += n }
            return Self.lines(file: 9, range: next..<(next + n), server: "follow")
        }
        func append(_ text: String, to p: String = path) throws {
            let h = try #require(FileHandle(forWritingAtPath: p))
            try h.seekToEnd()
            try h.write(contentsOf: Data(text.utf8))
            try h.close()
        }
        func recorded() throws -> [String] { args(try allCalls(s), tool: "marker_9") }
        func waitForCount(_ n: Int, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            try eventually("\(n) calls \(what)", seconds: 10, sourceLocation: sourceLocation) { try recorded().count >= n }
            let got = try recorded()
            #expect(got.count == n, "\(what): \(got.count) calls, expected \(n)", sourceLocation: sourceLocation)
        }

        _ = try s.write("live.ndjson", lines(100))
        let follower = try s.spawn(["ingest", "--follow", path, "--json"])
        try waitForCount(100, "from the file as it was")

        try append(lines(50))
        try waitForCount(150, "after appending")

        // Rotation: the old file gets a last few lines after the rename, then a new file appears.
        let rotated = path + ".1"
        #expect(rename(path, rotated) == 0)
        try append(lines(10), to: rotated)
        _ = try s.write("live.ndjson", lines(30))
        try waitForCount(190, "after rotation")
        eventually("the rotation note") { follower.stderrSoFar.contains("file was rotated") }

        // Truncation: wait until it is noticed before writing again (tail -F cannot tell a
        // truncated file that grew back past the old length from one that only grew).
        #expect(truncate(path, 0) == 0)
        eventually("the truncation note") { follower.stderrSoFar.contains("file was truncated") }
        try append(lines(20))
        try waitForCount(210, "after truncation")

        // Stop right after appending, the last line without its newline: it is still written.
        var tail = lines(5)
        tail.removeLast()
        try append(tail)
        follower.signal(signal)
        let r = follower.wait(seconds: 10)
        #expect(r.status == 0, "\(r)")
        #expect(!Self.mentionsContention(r.stderr), "\(r)")
        let summary = try r.jsonObject()
        #expect(summary["tool_calls"] as? Int == 215, "\(r)")
        #expect(summary["rejected"] as? Int == 0, "\(r)")
        let got = try recorded()
        #expect(got.count == 215)
        #expect(Set(got) == Set((0..<215).map { "file=9 n=\($0)" }), "every line exactly once")
    }
}

/// The reader thread's stop flag and what it saw.
final class ReaderFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var seen: [(result: RunResult, finished: Date)] = []
    var isSet: Bool { lock.withLock { stopped } }
    func set() { lock.withLock { stopped = true } }
    func record(_ r: RunResult) { lock.withLock { seen.append((r, Date())) } }
    var results: [(result: RunResult, finished: Date)] { lock.withLock { seen } }
}
