import Foundation
import Testing
import WardenCore
import WardenTestSupport
@testable import WardenIngest
@testable import WardenSQLite
@testable import WardenStore

/// A disk that fills up in the middle of an ingest (issue 11 §5): the message says exactly what
/// earlier transactions wrote and kept, not "nothing from this operation was written".
@Suite("full disk during ingest")
struct FullDiskTests {
    static func lines(_ n: Int) -> String {
        (1...n).map { i in
            "{\"type\":\"tool_call\",\"time\":\(t0 + Int64(i)),\"agent\":\"coder\",\"server\":\"github\",\"tool\":\"get_issue\",\"decision\":\"allow\",\"args\":\"n=\(i) \(String(repeating: "p", count: 150))\"}"
        }.joined(separator: "\n") + "\n"
    }

    @Test func theMessageSaysWhatWasKept() throws {
        let t = try TempStore()
        _ = try Fleet(t.store)
        let path = try t.file("calls.ndjson", Self.lines(20_000))
        let store = try t.open()
        // Room for a few batches of 2,000 calls, not for all ten.
        try store.setMaxPageCount(try store.pageCount() + 400)
        let out = Output(), err = Output()
        let code = IngestCommand.run(store: store, input: path, operatorName: "tester", stdout: out.write, stderr: err.write, progress: false)
        #expect(code == 2)
        let message = err.value
        #expect(message.contains("disk is full"), "\(message)")
        #expect(!message.contains("nothing from this operation was written"), "\(message)")
        let kept = try t.calls().count
        #expect(kept > 0 && kept < 20_000, "some batches fit: \(kept)")
        // The message names the last line kept and the count, and both are what the store holds.
        #expect(message.contains("lines 1–\(kept) of \(path) were written before it and are kept (\(kept) events"), "\(message)")
        #expect(message.contains("nothing after line \(kept) was written"), "\(message)")
    }
}
