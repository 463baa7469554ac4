import Foundation
import Testing

/// `warden store prune` through the real binary, on calls spread over 90 days.
@Suite("store prune")
struct PruneTests {
    @Test func keepsWhatThePolicySaysAndChangesNoFindingNorVerification() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:alice@acme.example")
        try s.ok("agent", "register", "worker", "--by", "user:alice@acme.example", "--scopes", "github/*")
        // One call every 12 hours, at half-day offsets: none near the 30-day line, so the test
        // does not depend on how long it takes.
        let now = Int64(Date().timeIntervalSince1970 * 1000), day: Int64 = 86_400_000
        var lines = ""
        for d in 0..<90 {
            for half: Int64 in [0, 1] {
                let at = now - Int64(d) * day - day / 4 - half * day / 2
                lines += "{\"type\":\"tool_call\",\"time\":\(at),\"agent\":\"worker\",\"server\":\"github\",\"tool\":\"get_issue\",\"decision\":\"\(d % 5 == 0 ? "deny" : "allow")\"}\n"
            }
        }
        let ingest = try s.run(["ingest", "-"], stdin: lines)
        #expect(ingest.status == 0, "\(ingest)")
        let expectedKept = 30 * 2, expectedPruned = 60 * 2
        let findings = try s.ok("findings", "--json").stdout
        let verify = try s.ok("audit", "--verify").stdout
        let journal = try s.ok("audit", "--json").stdout

        let dry = try s.ok("store", "prune", "--dry-run", "--json").jsonObject()
        #expect(dry["calls"] as? Int == expectedPruned && dry["dry_run"] as? Bool == true)
        #expect(try s.ok("calls", "--limit", "1000", "--json").jsonArray().count == 180, "a dry run deletes nothing")

        let pruned = try s.ok("store", "prune")
        #expect(pruned.stdout.contains("deleted \(expectedPruned) tool call(s)"), "\(pruned)")
        let kept = try s.ok("calls", "--limit", "1000", "--json").jsonArray()
        #expect(kept.count == expectedKept)
        #expect(try s.ok("findings", "--json").stdout == findings)
        #expect(try s.ok("audit", "--verify").stdout == verify)
        #expect(try s.ok("audit", "--json").stdout == journal, "the journal is never pruned")
        let doctor = try s.ok("doctor").stdout
        #expect(doctor.contains("tool_calls \(expectedKept)") && doctor.contains("oldest call kept"), "\(doctor)")
        #expect(try s.ok("store", "prune", "--json").jsonObject()["calls"] as? Int == 0)
    }
}
