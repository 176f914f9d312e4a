// SwiftMACE, MIT licence.
// Tests of OrthogonalMatrix: validation, axis–angle rotations, products and seeded random O(3) elements.

import Support
import Testing
import TestSupport

@testable import Equivariance

@Suite struct OrthogonalMatrixTests {
    @Test func rejectsNonOrthogonalAndNonFiniteMatrices() {
        #expect(throws: EquivarianceError.unsupported(
            "matrix is not orthogonal: max |R Rᵀ - I| = 3.0; expected at most 1e-09")
        ) { try OrthogonalMatrix(rows: SIMD3(2, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1)) }
        #expect(throws: EquivarianceError.self) {
            try OrthogonalMatrix(rows: SIMD3(.nan, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1))
        }
    }

    @Test func rotationAboutAxisIsRightHanded() {
        let r = OrthogonalMatrix.rotation(axis: SIMD3(0, 0, 2), angle: Double.pi / 2)
        let x = r.applied(to: SIMD3(1, 0, 0))
        #expect(abs(x.x) < 1e-15 && abs(x.y - 1) < 1e-15 && abs(x.z) < 1e-15)
        #expect(abs(r.determinant - 1) < 1e-15 && !r.includesInversion)
    }

    @Test func randomElementsAreOrthogonalWithBothDeterminants() throws {
        var generator = SeededGenerator(seed: 41)
        var determinants: Set<Double> = []
        for _ in 0..<16 {
            let g = OrthogonalMatrix.randomElement(using: &generator)
            let product = g * g.transposed
            for i in 0..<3 {
                for j in 0..<3 {
                    #expect(abs(product[i, j] - (i == j ? 1 : 0)) < 1e-14, "seed \(generator.seed)")
                }
            }
            determinants.insert(g.determinant.rounded())
        }
        #expect(determinants == [1, -1], "seed \(generator.seed)")
        let r = OrthogonalMatrix.randomRotation(using: &generator)
        #expect(abs(r.determinant - 1) < 1e-14 && (OrthogonalMatrix.inversion * r).includesInversion)
    }
}
