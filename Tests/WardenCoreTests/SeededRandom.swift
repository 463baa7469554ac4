import WardenCore

/// The property tests' generator: SplitMix64 from WardenCore, seeded per test.
typealias SeededRandom = SplitMix64
