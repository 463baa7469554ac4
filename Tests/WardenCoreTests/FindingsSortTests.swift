import Testing
@testable import WardenCore

/// `FindingsEngine.sort` moves findings through a permutation in place: it must give exactly
/// the output order (`precedes`, stable among equals), over random findings with repeats.
@Suite("Findings sort")
struct FindingsSortTests {
    @Test func sortingInPlaceGivesThePrecedesOrder() {
        var rng = SeededRandom(seed: 7)
        for round in 0..<200 {
            let n = Int(rng.next() % 300)
            var findings: [Finding] = []
            for i in 0..<n {
                let kind = Finding.Kind.allCases[Int(rng.next() % UInt64(Finding.Kind.allCases.count))]
                let severity = Finding.Severity.allCases[Int(rng.next() % 3)]
                // Few subjects, so equal keys occur and stability shows (the explanation tells them apart).
                let id = "s\(rng.next() % 20)"
                let subject: Finding.Subject = rng.next() % 2 == 0 ? .agent(id) : .instance(id)
                findings.append(Finding(kind: kind, severity: severity, subject: subject, explanation: "finding \(i) of round \(round)",
                                        fix: .investigate, agentID: rng.next() % 3 == 0 ? nil : id, command: ["calls"], evidence: ["e\(i)"]))
            }
            let expected = findings.sorted(by: FindingsEngine.precedes)
            FindingsEngine.sort(&findings)
            #expect(findings == expected, "round \(round)")
        }
    }
}
