// SwiftMACE, MIT licence.
// Minimum-norm linear least squares in Double through a one-sided Jacobi SVD (Hestenes), the small-matrix
// counterpart of np.linalg.lstsq used by mace's compute_average_E0s.

import Foundation

enum LeastSquares {
    /// x minimising ‖A x − b‖, of least norm among minimisers. Singular values below 1e-10·σ_max count as
    /// zero (numpy's cutoff is max(M, N)·ε·σ_max; they differ only for nearly singular A, which atom counts are not).
    /// - Parameters:
    ///   - rows: A as M rows of N numbers (all rows the same length).
    ///   - rhs: b, M numbers.
    static func minimumNorm(rows: [[Double]], rhs: [Double]) -> [Double] {
        let m = rows.count
        guard m > 0, let n = rows.first?.count, n > 0 else { return [] }
        precondition(rows.allSatisfy { $0.count == n } && rhs.count == m, "minimumNorm: A is not \(m)×\(n) or b not \(m)")
        // columns[j] is column j of A, rotated in place until the columns are orthogonal: A V = U Σ.
        var columns = (0..<n).map { j in rows.map { $0[j] } }
        var v = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        for _ in 0..<60 {
            var rotated = false
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) {
                    let alpha = dot(columns[p], columns[p])
                    let beta = dot(columns[q], columns[q])
                    let gamma = dot(columns[p], columns[q])
                    guard abs(gamma) > 1e-15 * (alpha * beta).squareRoot(), gamma != 0 else { continue }
                    rotated = true
                    let zeta = (beta - alpha) / (2 * gamma)
                    let t = (zeta >= 0 ? 1 : -1) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot()
                    let s = c * t
                    for k in 0..<m {
                        let (x, y) = (columns[p][k], columns[q][k])
                        columns[p][k] = c * x - s * y
                        columns[q][k] = s * x + c * y
                    }
                    for k in 0..<n {
                        let (x, y) = (v[k][p], v[k][q])
                        v[k][p] = c * x - s * y
                        v[k][q] = s * x + c * y
                    }
                }
            }
            if !rotated { break }
        }
        let sigmas = columns.map { dot($0, $0).squareRoot() }
        let cutoff = 1e-10 * (sigmas.max() ?? 0)
        var x = [Double](repeating: 0, count: n)
        for j in 0..<n where sigmas[j] > cutoff {
            // u_j = column_j / σ_j; x += v_j (u_j · b) / σ_j
            let coefficient = dot(columns[j], rhs) / (sigmas[j] * sigmas[j])
            for k in 0..<n { x[k] += v[k][j] * coefficient }
        }
        return x
    }

    private static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }
}
