// SwiftMACE, MIT licence.
// SeededGenerator: a small deterministic random number generator (SplitMix64) for property tests, GPU self-checks
// and benchmarks, so a failing case can be replayed from the seed it prints.

/// SplitMix64 (Steele, Lea and Flood 2014): a fast 64-bit generator whose whole state is one counter.
///
/// Not for cryptography. Use one seed per test case and print it in failure messages.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The seed this generator started from.
    public let seed: UInt64
    private var state: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        self.state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SeededGenerator {
    /// `count` values uniform in `range`.
    public mutating func doubles(_ count: Int, in range: ClosedRange<Double> = -1...1) -> [Double] {
        (0..<count).map { _ in Double.random(in: range, using: &self) }
    }

    /// A uniformly random unit vector (rejection sampling in the unit ball).
    public mutating func unitVector() -> SIMD3<Double> {
        while true {
            let v = SIMD3(
                Double.random(in: -1...1, using: &self), Double.random(in: -1...1, using: &self),
                Double.random(in: -1...1, using: &self))
            let r2 = (v * v).sum()
            if r2 > 1e-4 && r2 <= 1 { return v / r2.squareRoot() }
        }
    }
}
