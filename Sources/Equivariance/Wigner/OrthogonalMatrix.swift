// SwiftMACE, MIT licence.
// OrthogonalMatrix: an element of O(3) as a 3×3 matrix (a rotation, possibly times the inversion −I), with seeded
// uniform random rotations for equivariance tests.

import Foundation

/// A 3×3 orthogonal matrix `R` (`R Rᵀ = I`), stored as three rows; `det R = +1` is a rotation, `−1` a rotation
/// times inversion. Acts on column vectors: `R · v`.
public struct OrthogonalMatrix: Sendable, Hashable {
    public let rows: [SIMD3<Double>]

    /// Validates orthogonality (`|R Rᵀ − I| ≤ tolerance` entry-wise) and finiteness.
    /// - Throws: `EquivarianceError.unsupported` naming the largest deviation.
    public init(rows r0: SIMD3<Double>, _ r1: SIMD3<Double>, _ r2: SIMD3<Double>, tolerance: Double = 1e-9) throws {
        let rows = [r0, r1, r2]
        var deviation = 0.0
        for i in 0..<3 {
            for j in 0..<3 {
                let d = (rows[i] * rows[j]).sum() - (i == j ? 1 : 0)
                deviation = d.isFinite ? max(deviation, abs(d)) : .infinity
            }
        }
        guard deviation <= tolerance else {
            throw EquivarianceError.unsupported(
                "matrix is not orthogonal: max |R Rᵀ - I| = \(deviation); expected at most \(tolerance)")
        }
        self.rows = rows
    }

    /// Unchecked: for products of matrices already known to be orthogonal.
    init(uncheckedRows rows: [SIMD3<Double>]) { self.rows = rows }

    public static let identity = OrthogonalMatrix(uncheckedRows: [SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1)])

    /// The inversion `−I`.
    public static let inversion = OrthogonalMatrix(uncheckedRows: [SIMD3(-1, 0, 0), SIMD3(0, -1, 0), SIMD3(0, 0, -1)])

    /// The rotation by `angle` (radians, right-handed) about `axis` (any non-zero length), Rodrigues' formula.
    public static func rotation(axis: SIMD3<Double>, angle: Double) -> OrthogonalMatrix {
        let length = (axis * axis).sum().squareRoot()
        precondition(length > 0 && length.isFinite, "rotation axis must be non-zero and finite, got \(axis)")
        return rotation(quaternion: SIMD4(cos(angle / 2), axis.x / length * sin(angle / 2),
                                          axis.y / length * sin(angle / 2), axis.z / length * sin(angle / 2)))
    }

    /// A uniformly distributed (Haar) random rotation, `det = +1`, from a normalised Gaussian quaternion.
    public static func randomRotation<G: RandomNumberGenerator>(using generator: inout G) -> OrthogonalMatrix {
        var q = SIMD4<Double>(repeating: 0)
        var norm = 0.0
        repeat {
            for i in 0..<4 { q[i] = gaussian(using: &generator) }
            norm = (q * q).sum().squareRoot()
        } while norm < 1e-6
        return rotation(quaternion: q / norm)
    }

    /// A uniformly random element of O(3): a random rotation, times the inversion with probability ½.
    public static func randomElement<G: RandomNumberGenerator>(using generator: inout G) -> OrthogonalMatrix {
        let r = randomRotation(using: &generator)
        return Bool.random(using: &generator) ? inversion * r : r
    }

    /// The determinant, ±1.
    public var determinant: Double {
        (rows[0] * SIMD3(rows[1].y * rows[2].z - rows[1].z * rows[2].y, rows[1].z * rows[2].x - rows[1].x * rows[2].z,
                         rows[1].x * rows[2].y - rows[1].y * rows[2].x)).sum()
    }

    /// Whether `det = −1` (the element contains the inversion).
    public var includesInversion: Bool { determinant < 0 }

    public var transposed: OrthogonalMatrix {
        OrthogonalMatrix(uncheckedRows: (0..<3).map { j in SIMD3(rows[0][j], rows[1][j], rows[2][j]) })
    }

    /// Entry `(row, column)`.
    public subscript(row: Int, column: Int) -> Double { rows[row][column] }

    /// `R · v`.
    public func applied(to v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((rows[0] * v).sum(), (rows[1] * v).sum(), (rows[2] * v).sum())
    }

    /// The matrix product `a · b` (apply `b` first).
    public static func * (a: OrthogonalMatrix, b: OrthogonalMatrix) -> OrthogonalMatrix {
        let bt = b.transposed
        return OrthogonalMatrix(
            uncheckedRows: a.rows.map { row in SIMD3((row * bt.rows[0]).sum(), (row * bt.rows[1]).sum(),
                                                     (row * bt.rows[2]).sum()) })
    }

    /// The rotation of a unit quaternion `(w, x, y, z)`.
    private static func rotation(quaternion q: SIMD4<Double>) -> OrthogonalMatrix {
        let (w, x, y, z) = (q[0], q[1], q[2], q[3])
        return OrthogonalMatrix(uncheckedRows: [
            SIMD3(1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)),
            SIMD3(2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)),
            SIMD3(2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)),
        ])
    }

    /// A standard normal sample (Box–Muller).
    private static func gaussian<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
        let u2 = Double.random(in: 0..<1, using: &generator)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
