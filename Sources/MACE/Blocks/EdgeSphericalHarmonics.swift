// SwiftMACE, MIT licence.
// EdgeSphericalHarmonics: e3nn 0.4.4 real spherical harmonics on tensors (component normalisation, input vector
// normalised with eps 1e-12; MACE.md §2.3 for l ≤ 3, the Wigner-3j recursion of §2.4 above), so autodiff reaches
// the edge vectors.

import Equivariance
import Tensors

/// Edge vectors `[E, 3]` → `[Y⁰ … Y^lmax]` `[E, (lmax+1)²]`.
struct EdgeSphericalHarmonics {
    let lmax: Int
    /// For l ≥ 3: the recursion matrix `(2l+3)/√(l+1) · C^{(l+1,l,1)}` arranged `[(2l+1)·3, 2l+3]`.
    let recursion: [Tensor]

    init(lmax: Int, dtype: DType) throws {
        self.lmax = lmax
        recursion = try (3..<max(3, lmax)).map { l in
            let c = try Wigner3j.tensor(l + 1, l, 1)  // [2l+3, 2l+1, 3]
            let factor = Double(2 * l + 3) / Double(l + 1).squareRoot()
            return try Tensor(c.values.map { $0 * factor }, shape: [2 * l + 3, (2 * l + 1) * 3], dtype: dtype).transposed()
        }
    }

    func callAsFunction(_ vectors: Tensor) -> Tensor {
        let edges = vectors.shape[0]
        let length = vectors.squared().sum(axis: 1, keepDims: true).sqrtSafe()
        let u = vectors / which(length .> 1e-12, length, Tensor.filledZeros([1, 1], dtype: vectors.dtype) + 1e-12)
        let x = u.sliced(axis: 1, start: 0, length: 1), y = u.sliced(axis: 1, start: 1, length: 1)
        let z = u.sliced(axis: 1, start: 2, length: 1)
        let s3 = 3.0.squareRoot(), s5 = 5.0.squareRoot(), s7 = 7.0.squareRoot()
        var blocks = [Tensor.filledZeros([edges, 1], dtype: vectors.dtype) + 1]
        if lmax >= 1 { blocks.append(u * s3) }
        let s = x * x + z * z
        if lmax >= 2 {
            blocks.append(concatenated([x * z * s3, x * y * s3, y * y - s / 2, y * z * s3, (z * z - x * x) * (s3 / 2)],
                                       axis: 1) * s5)
        }
        if lmax >= 3 {
            let a0 = x * z * s3, a4 = (z * z - x * x) * (s3 / 2)
            let parts = [
                (a0 * z + a4 * x) * (5.0 / 6).squareRoot(), a0 * y * s5, (y * y * 4 - s) * x * (3.0 / 8).squareRoot(),
                y * (y * y * 2 - s * 3) * 0.5, z * (y * y * 4 - s) * (3.0 / 8).squareRoot(), a4 * y * s5,
                (a4 * z - a0 * x) * (5.0 / 6).squareRoot(),
            ]
            blocks.append(concatenated(parts, axis: 1) * s7)
        }
        for (index, matrix) in recursion.enumerated() {
            let l = index + 3
            let previous = blocks[l]  // [E, 2l+1]
            let products = (previous.reshaped([edges, 2 * l + 1, 1]) * u.reshaped([edges, 1, 3])).reshaped([edges, (2 * l + 1) * 3])
            blocks.append(matmul(products, matrix))
        }
        return concatenated(blocks, axis: 1)
    }
}

extension Tensor {
    /// √x with a zero gradient instead of ∞ where x = 0 (edge vectors of length 0 never occur in a neighbour list,
    /// but a padded or degenerate input must not poison the gradients with NaN).
    func sqrtSafe() -> Tensor {
        let positive = self .> 0
        return which(positive, sqrt(which(positive, self, Tensor.filledZeros([], dtype: dtype) + 1)),
                     Tensor.filledZeros([], dtype: dtype))
    }
}
