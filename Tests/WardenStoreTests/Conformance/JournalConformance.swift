import Testing
import WardenCore
import WardenStore
import WardenTestSupport

/// The journal under concurrent writers: operators acting at once on their own connections append
/// one record each, one after another, in a single chain that never forks.
@Suite("Conformance: the journal under concurrent writers")
struct JournalConformance {
    @Test(arguments: Backends.all)
    func operatorsActingAtOnceMakeOneChain(_ backend: BackendUnderTest) throws {
        let fresh = try backend.makeStore()
        let alice = "user:alice@acme.example"
        _ = try fresh.store.addPrincipal(id: alice, kind: .human, name: "Alice", scopes: .everything, m())
        let operators = 6, acts = 8
        let errors = onThreads(operators) { o in
            let s = try fresh.open()
            for j in 0..<acts {
                let m = Mutation(operatorName: "op\(o)", now: t0 + Int64(j))
                if j % 2 == 0 {
                    _ = try s.addPrincipal(id: "workload:op\(o)/\(j)", kind: .workload, name: "w", scopes: .everything, m)
                } else {
                    _ = try s.registerAgent(name: "op\(o)-\(j)", delegator: alice, scopes: scopes("github/*"), ttlMs: nil, m)
                }
            }
        }
        #expect(errors.isEmpty, "\(errors)")

        let records = try fresh.store.auditRecords(afterSeq: 0, limit: Int.max)
        #expect(records.count == 1 + operators * acts, "every act recorded once")
        #expect(records.map(\.seq) == Array(1...Int64(records.count)), "sequence without gaps")
        #expect(records.first?.prevHash == AuditRecord.genesisHash)
        for (previous, record) in zip(records, records.dropFirst()) {
            #expect(record.prevHash == previous.hash, "record \(record.seq) links to its predecessor: no fork")
        }
        #expect(Set(records.map(\.hash)).count == records.count)
        #expect(try fresh.store.verifyAudit(expectedHead: nil).isIntact)
        #expect(try fresh.store.auditHead()?.seq == Int64(records.count))
        for o in 0..<operators {
            let mine = records.filter { $0.claimedOperator == "op\(o)" }
            #expect(mine.count == acts)
            #expect(mine.map(\.at) == (0..<acts).map { t0 + Int64($0) }, "each operator's acts in the order it made them")
        }
    }
}
