// SwiftMACE, MIT licence.
// A small deterministic random generator (SplitMix64) so every random test is reproducible from its printed seed.

struct SeededGenerator: RandomNumberGenerator {
    let seed: UInt64
    private var state: UInt64

    init(seed: UInt64) {
        self.seed = seed
        self.state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniformly random unit vector.
    mutating func unitVector() -> SIMD3<Double> {
        while true {
            let v = SIMD3(Double.random(in: -1...1, using: &self), Double.random(in: -1...1, using: &self),
                          Double.random(in: -1...1, using: &self))
            let r2 = (v * v).sum()
            if r2 > 1e-4 && r2 <= 1 { return v / r2.squareRoot() }
        }
    }
}
