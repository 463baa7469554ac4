import Testing
import WardenCore
@testable import WardenDashboard

/// Search text written byte by byte must be exactly the text the string way gives:
/// `parts.joined().lowercased()`, for ASCII in any case and for text `lowercased()` changes
/// in length or leaves alone.
@Suite("Search text")
struct SearchTextTests {
    @Test func rowsWrittenByPartsEqualTheLoweredString() {
        let pieces = ["Coder-7", "spiffe://Acme.example/agent/X", " ", "", "GITHUB/*", "zoë", "ÄRGER", "İstanbul", "straße",
                      "ΣΟΦΙΑ", "🙂", "a\u{301}", "@[`{", "Z", "tok_9F"]
        for seed in UInt64(1)...5 {
            var rng = SplitMix64(seed: seed)
            var fast = SearchText(), reference: [String] = []
            for _ in 0..<400 {
                let parts = (0..<Int(rng.next() % 6)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }
                for p in parts { fast.appendPart(p) }
                fast.endLoweredRow()
                reference.append(parts.joined().lowercased())
            }
            #expect(fast == SearchText(reference), "seed \(seed)")
        }
    }

    /// The rows the index builds, against the text they were before they were written by parts.
    @Test func indexRowsEqualTheirStrings() {
        let grant = try! ScopeSet(parsing: "GitHub/get_*,slack/*")
        let a = Agent(id: "spiffe://acme.example/agent/Zoë/1", name: "Zoë's Bot", principalID: "user:A@acme.example", parentID: nil, depth: 1,
                      grant: grant, createdAt: 0, expiresAt: nil)
        let c = Credential(id: "tok_AB", agentID: a.id, scopes: grant, issuedAt: 0, expiresAt: nil)
        var fast = SearchText()
        FleetIndex.searchParts(a, grant: grant.description) { fast.appendPart($0) }
        fast.endLoweredRow()
        FleetIndex.searchParts(c, agentKnown: false, scopes: grant.description) { fast.appendPart($0) }
        fast.endLoweredRow()
        FleetIndex.searchParts(c, agentKnown: true, scopes: grant.description) { fast.appendPart($0) }
        fast.endLoweredRow()
        #expect(fast == SearchText([(a.name + " " + a.id + " " + a.principalID + " " + a.grant.description).lowercased(),
                                    (c.id + " " + c.agentID + " " + c.scopes.description + " static").lowercased(),
                                    (c.id + " " + c.scopes.description + " static").lowercased()]))
        #expect(FleetIndex.searchText(a) == (a.name + " " + a.id + " " + a.principalID + " " + a.grant.description).lowercased())
    }
}
