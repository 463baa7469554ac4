import Testing
@testable import WardenCore

/// The forest's ID index keys each ID with its hash: it must answer as a plain dictionary of
/// the same IDs does, for IDs held, IDs never held and IDs moved or removed.
@Suite("Agent index")
struct AgentIndexTests {
    @Test func answersAsAPlainDictionaryOverRandomIDs() {
        for seed in UInt64(1)...5 {
            var rng = SplitMix64(seed: seed)
            var index = AgentIndex(reservingCapacity: 100)
            var plain: [String: Int] = [:]
            // Long shared prefixes (as SPIFFE IDs have), short IDs and non-ASCII ones.
            func id() -> String {
                switch rng.next() % 3 {
                case 0: return "spiffe://acme.example/agent/bot/\(rng.next() % 500)"
                case 1: return "a\(rng.next() % 50)"
                default: return "spiffe://acme.example/agent/zoë/\(rng.next() % 50)"
                }
            }
            for step in 0..<2_000 {
                let k = id()
                let v: Int? = rng.next() % 5 == 0 ? nil : step
                index[k] = v
                plain[k] = v
            }
            #expect(index.count == plain.count, "seed \(seed)")
            for _ in 0..<2_000 {
                let k = id()
                #expect(index[k] == plain[k], "seed \(seed): \(k)")
            }
            for (k, v) in plain { #expect(index[k] == v, "seed \(seed): \(k)") }
        }
    }

    /// The last-answer memo over a pass of rows answers as the index does, whether the rows
    /// come grouped by agent (sharing its string), interleaved, or name unknown agents.
    @Test func lookupOverRowsAnswersAsTheIndex() {
        for seed in UInt64(1)...5 {
            var rng = SplitMix64(seed: seed)
            let held = (0..<40).map { "spiffe://acme.example/agent/bot/\($0)" }
            var index = AgentIndex(reservingCapacity: held.count)
            for (i, id) in held.enumerated() { index[id] = i }
            var lookup = AgentLookup()
            var rows: [String] = []
            for _ in 0..<300 {
                let run = Int(rng.next() % 4) + 1
                // A run of one agent: its own string, an equal copy, or an ID it does not hold.
                let id = rng.next() % 6 == 0 ? "spiffe://acme.example/agent/gone/\(rng.next() % 5)" : held[Int(rng.next() % 40)]
                for _ in 0..<run { rows.append(rng.next() % 2 == 0 ? id : String(decoding: Array(id.utf8), as: UTF8.self)) }
            }
            for id in rows { #expect(lookup.position(id, in: index) == index[id], "seed \(seed): \(id)") }
        }
    }
}
