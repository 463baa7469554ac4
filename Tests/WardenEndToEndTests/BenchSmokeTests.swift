import Foundation
import Testing

/// Issue 7, item 4: CI runs the benchmark once at the smallest size. It asserts only that the
/// program completes and prints its table; the figures of a debug build mean nothing.
@Suite("benchmark smoke")
struct BenchSmokeTests {
    /// `warden-bench` next to the `warden` binary the other end-to-end tests use.
    static var benchPath: String {
        URL(fileURLWithPath: WardenBinary.path).deletingLastPathComponent().appendingPathComponent("warden-bench").path
    }

    @Test(.timeLimit(.minutes(3)))
    func benchSizeSQuickCompletesAndPrintsATable() throws {
        let path = Self.benchPath
        try #require(FileManager.default.isExecutableFile(atPath: path), "no warden-bench at \(path); build it first")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = ["--size", "S", "--quick"]
        let out = Pipe()
        p.standardOutput = out
        // Progress goes to stderr; a failed section is also named in the table on stdout.
        p.standardError = FileHandle.nullDevice
        try p.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "exit \(p.terminationStatus)\n\(stdout)")
        #expect(stdout.contains("warden-bench --size S --quick"), "\(stdout)")
        #expect(stdout.contains("open store → first frame"), "\(stdout)")
        #expect(stdout.contains("targets:"), "\(stdout)")
        // The ingest and proxy benchmarks live in warden-bench alone: their sections ran.
        #expect(stdout.contains("NDJSON ingest (warden ingest pipeline"), "\(stdout)")
        #expect(stdout.contains("the store alone"), "\(stdout)")
        #expect(stdout.contains("mcp-proxy added latency per tools/call"), "\(stdout)")
    }
}
