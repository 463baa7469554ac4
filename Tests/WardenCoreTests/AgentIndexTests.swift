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
}
