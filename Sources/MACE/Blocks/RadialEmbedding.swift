// SwiftMACE, MIT licence.
// RadialEmbedding: Bessel basis times the polynomial cutoff envelope (mace `RadialEmbeddingBlock`, MACE.md §4.2–4.4),
// with the buffers (Bessel frequencies, prefactor, r_max, p) taken from the model file.

import Tensors

/// Edge lengths `[E, 1]` → radial features `[E, num_bessel]` and the envelope `[E, 1]`.
struct RadialEmbedding {
    /// `(π/r_max)·n`, `[num_bessel]`.
    let besselWeights: Tensor
    let prefactor: Double
    let rMax: Double
    let p: Int

    init(numBessel: Int, weights: ModelWeights) throws {
        besselWeights = try weights.tensor("radial_embedding.bessel_fn.bessel_weights", shape: [numBessel])
        prefactor = try Self.scalar("radial_embedding.bessel_fn.prefactor", weights)
        rMax = try Self.scalar("radial_embedding.cutoff_fn.r_max", weights)
        let exponent = try weights.file.tensor("radial_embedding.cutoff_fn.p")
        guard exponent.elementCount == 1, let value = exponent.integers().first, (1...64).contains(value) else {
            throw ModelError.malformedTensor(file: weights.file.file, key: "radial_embedding.cutoff_fn.p",
                                             reason: "expected one integer exponent in 1...64")
        }
        p = value
    }

    private static func scalar(_ key: String, _ weights: ModelWeights) throws -> Double {
        let (values, shape) = try weights.floats(key)
        guard values.count == 1 else { throw ModelError.shapeMismatch(file: weights.file.file, key: key, found: shape, expected: []) }
        return values[0]
    }

    /// `B_n(r) = prefactor · sin(w_n r) / r` (mace computes it in the model dtype).
    func bessel(_ r: Tensor) -> Tensor {
        sin(r * besselWeights.reshaped([1, -1])) * prefactor / r
    }

    /// `f(u) = 1 − (p+1)(p+2)/2 uᵖ + p(p+2) uᵖ⁺¹ − p(p+1)/2 uᵖ⁺² for u = r/r_max < 1, else 0`.
    func envelope(_ r: Tensor) -> Tensor {
        let p = Double(self.p)
        let u = r / rMax
        let f = 1 - (p + 1) * (p + 2) / 2 * pow(u, p) + p * (p + 2) * pow(u, p + 1) - p * (p + 1) / 2 * pow(u, p + 2)
        return f * (r .< rMax)
    }
}
