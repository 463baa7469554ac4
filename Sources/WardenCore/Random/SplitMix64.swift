/// A small deterministic random generator (SplitMix64): same seed, same fleet, same calls, same
/// test cases. Simulators and property tests share it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<n.
    public mutating func int(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    /// Uniform in 0..<n (the fuzzers' name for `int`).
    public mutating func below(_ n: Int) -> Int { int(n) }
    /// True `percent` times in a hundred.
    public mutating func chance(percent: Int) -> Bool { int(100) < percent }
    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    public mutating func chance(_ p: Double) -> Bool { unit() < p }
    public mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
    public mutating func range(_ r: ClosedRange<Int>) -> Int { r.lowerBound + int(r.count) }
    /// Hex digits for IDs.
    public mutating func hex(_ digits: Int) -> String {
        let v = next()
        let s = String(v, radix: 16)
        let padded = String(repeating: "0", count: max(0, 16 - s.count)) + s
        return String(padded.suffix(digits))
    }
}
