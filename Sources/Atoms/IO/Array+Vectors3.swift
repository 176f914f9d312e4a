// SwiftMACE, MIT licence.
// Regrouping of flat arrays of reals (numpy's C-order `[..., 3]` data) into 3-vectors, for the array readers.

extension Array where Element == Double {
    /// `count` 3-vectors taken from consecutive triples starting at `start`; the caller has checked the length.
    func vectors3(from start: Int, count: Int) -> [SIMD3<Double>] {
        (0..<count).map { index in
            let base = start + 3 * index
            return SIMD3(self[base], self[base + 1], self[base + 2])
        }
    }
}
