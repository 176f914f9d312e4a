// SwiftMACE, MIT licence.
// Wigner D matrices in e3nn's real basis for O(3) elements, equal to e3nn 0.4.4's `Irrep.D_from_matrix`:
// D¹(R) = R (MACE.md §2.1) and D^l built from D^(l−1) ⊗ D¹ through the invariant Wigner 3j C^(l, l−1, 1).

extension Irrep {
    /// The representation matrix of this irrep for an O(3) element, e3nn 0.4.4's `Irrep.D_from_matrix(R)`:
    /// `D^l(R)` for a rotation, `p · D^l(−R)` when `det R = −1`.
    ///
    /// Satisfies `Y^l(R·x) = D^l(R)·Y^l(x)` for the spherical harmonics of `(l, (−1)^l)` and
    /// `D(R1·R2) = D(R1)·D(R2)`.
    /// - Returns: shape `[2l+1, 2l+1]`, row-major.
    /// - Throws: `EquivarianceError.unsupported` when `l > Wigner3j.maxDegree`.
    public func wignerD(for element: OrthogonalMatrix) throws -> DenseArray {
        let (rotation, sign) = WignerD.split(element, parity: parity)
        var d = try WignerD.rotationMatrices(lmax: l, rotation: rotation)[l]
        if sign < 0 { d = DenseArray(shape: d.shape, values: d.values.map { -$0 }) }
        return d
    }
}

extension Irreps {
    /// The block-diagonal representation matrix of these irreps in the mul_ir layout (e3nn `Irreps.D_from_matrix`):
    /// one `Irrep.wignerD(for:)` block per copy of each irrep.
    /// - Returns: shape `[dim, dim]`, row-major.
    /// - Throws: `EquivarianceError.unsupported` when some degree exceeds `Wigner3j.maxDegree`.
    public func wignerD(for element: OrthogonalMatrix) throws -> DenseArray {
        let (rotation, oddSign) = WignerD.split(element, parity: .odd)
        let blocks = try WignerD.rotationMatrices(lmax: entries.map(\.irrep.l).max() ?? 0, rotation: rotation)
        let dim = dim
        var values = [Double](repeating: 0, count: dim * dim)
        var start = 0
        for entry in entries {
            let block = blocks[entry.irrep.l].values
            let sign = entry.irrep.parity == .odd ? oddSign : 1
            let size = entry.irrep.dimension
            for _ in 0..<entry.mul {
                for i in 0..<size {
                    for j in 0..<size { values[(start + i) * dim + start + j] = sign * block[i * size + j] }
                }
                start += size
            }
        }
        return DenseArray(shape: [dim, dim], values: values)
    }
}

enum WignerD {
    /// Splits an O(3) element into a rotation and the factor `p^k` its inversion part contributes
    /// (`k = 1` when `det = −1`), as e3nn's `D_from_matrix` does.
    static func split(_ element: OrthogonalMatrix, parity: Parity) -> (OrthogonalMatrix, Double) {
        guard element.includesInversion else { return (element, 1) }
        return (OrthogonalMatrix.inversion * element, Double(parity.rawValue))
    }

    /// `D^0 … D^lmax` of a rotation (`det = +1`): `D^0 = [1]`, `D^1 = R`, and for `l ≥ 2`
    /// `D^l = (2l+1) · C ⋅ (D^(l−1) ⊗ R) ⋅ Cᵀ` with `C = wigner_3j(l, l−1, 1)` read as a
    /// `[2l+1, (2l−1)·3]` matrix
    /// (`√(2l+1)·C` is an isometry intertwining `D^(l−1) ⊗ D^1` with `D^l`, by invariance and unit norm).
    static func rotationMatrices(lmax: Int, rotation: OrthogonalMatrix) throws -> [DenseArray] {
        guard lmax <= Wigner3j.maxDegree else {
            throw EquivarianceError.unsupported(
                "Wigner D of degree \(lmax): degrees must be in 0...\(Wigner3j.maxDegree)")
        }
        var matrices = [DenseArray(shape: [1, 1], values: [1])]
        if lmax == 0 { return matrices }
        let r = rotation.rows.flatMap { [$0.x, $0.y, $0.z] }
        matrices.append(DenseArray(shape: [3, 3], values: r))
        if lmax == 1 { return matrices }
        for l in 2...lmax {
            let c = try Wigner3j.tensor(l, l - 1, 1)
            let previous = matrices[l - 1].values
            let (n, m) = (2 * l + 1, 2 * l - 1)
            // Nonzero entries (a, j, k, value) of C.
            var nonzeros: [(a: Int, j: Int, k: Int, value: Double)] = []
            for a in 0..<n {
                for j in 0..<m {
                    for k in 0..<3 where c.values[(a * m + j) * 3 + k] != 0 {
                        nonzeros.append((a, j, k, c.values[(a * m + j) * 3 + k]))
                    }
                }
            }
            // half[b, j, k] = Σ_{j',k'} C[b, j', k'] D^(l−1)[j, j'] R[k, k']
            var half = [Double](repeating: 0, count: n * m * 3)
            for (b, jp, kp, value) in nonzeros {
                for j in 0..<m {
                    let dv = value * previous[j * m + jp]
                    for k in 0..<3 { half[(b * m + j) * 3 + k] += dv * r[k * 3 + kp] }
                }
            }
            var d = [Double](repeating: 0, count: n * n)
            for (a, j, k, value) in nonzeros {
                for b in 0..<n { d[a * n + b] += value * half[(b * m + j) * 3 + k] }
            }
            matrices.append(DenseArray(shape: [n, n], values: d.map { Double(n) * $0 }))
        }
        return matrices
    }
}
