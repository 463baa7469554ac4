import Testing
import WardenCore
@testable import WardenStore

/// `verifyState`'s rule, from the facts any backend gathers.
@Suite("State verdict")
struct StateVerdictTests {
    let d1 = StateDigest(limbs: (1, 0, 0, 0)), d2 = StateDigest(limbs: (2, 0, 0, 0))

    func facts(_ recomputed: StateDigest, kept: StateDigest?, last: (Int64, StateDigest?)?, rows: [String] = [],
               drift: (Int64, String?)? = nil, problem: String? = nil) -> StateFacts {
        StateFacts(recomputed: recomputed, mismatchedRows: rows, kept: kept, lastJournaled: last.map { ($0.0, $0.1) },
                   unacceptedDrift: drift.map { ($0.0, $0.1) }, backendProblem: problem)
    }

    @Test func theJournalsDigestMatchingTheRowsIsConsistent() {
        #expect(StateVerdict.judge(facts(d1, kept: d1, last: (4, d1))) == .consistent(digest: d1, record: 4))
        #expect(StateVerdict.judge(facts(.zero, kept: .zero, last: nil)) == .consistent(digest: .zero, record: nil))
    }

    @Test func differencesAreDriftsSinceTheLastRecord() {
        #expect(StateVerdict.judge(facts(d2, kept: d2, last: (4, d1))) == .drifted(sinceRecord: 4, rows: [], detail: "changes were made without a journal record"))
        #expect(StateVerdict.judge(facts(d2, kept: d1, last: (4, d1), rows: ["agent a"]))
                == .drifted(sinceRecord: 4, rows: ["agent a"], detail: "the tables no longer add up to the digest Warden keeps"))
        #expect(StateVerdict.judge(facts(d1, kept: d1, last: nil)) == .drifted(sinceRecord: 0, rows: [], detail: "governed rows exist but no journal record binds them"))
    }

    @Test func aJournaledDriftStaysUntilAcceptedAndComesFirst() {
        let found = facts(d1, kept: d1, last: (7, d1), drift: (6, #"{"detail":"a change"}"#), problem: "triggers changed outside Warden: x (altered)")
        #expect(StateVerdict.judge(found) == .drifted(sinceRecord: 5, rows: [], detail: "a change (journaled at record 6)"))
        let problem = facts(d1, kept: d1, last: (7, d1), problem: "triggers changed outside Warden: x (altered)")
        #expect(StateVerdict.judge(problem) == .drifted(sinceRecord: 7, rows: [], detail: "triggers changed outside Warden: x (altered)"))
    }
}
