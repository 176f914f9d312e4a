// SwiftMACE, MIT licence.
// Tests of Wigner D matrices: e3nn 0.4.4 `Irrep.D_from_matrix` fixtures, D¹ = R, homomorphism, orthogonality,
// parity, and the block-diagonal Irreps matrix.

import Support
import Testing
import TestSupport

@testable import Equivariance

@Suite struct WignerDTests {
    @Test func matchesE3nnDFromMatrix() throws {
        let file = try E3nnFixtures.load(E3nnFixtures.WignerDFile.self, "wigner_d.json")
        #expect(file.cases.count == 5)
        for c in file.cases {
            let r = c.R
            let element = try OrthogonalMatrix(
                rows: SIMD3(r[0], r[1], r[2]), SIMD3(r[3], r[4], r[5]), SIMD3(r[6], r[7], r[8]), tolerance: 1e-12)
            for block in c.blocks {
                let d = try Irrep(parsing: block.irrep).wignerD(for: element)
                let difference = zip(d.values, block.D).map { abs($0 - $1) }.max() ?? .infinity
                #expect(d.values.count == block.D.count)
                #expect(difference < 1e-13, "D of \(block.irrep) for R = \(r): |Δ| = \(difference)")
            }
        }
    }

    @Test func vectorRepresentationIsTheMatrixItself() throws {
        var generator = SeededGenerator(seed: 3)
        let element = OrthogonalMatrix.randomElement(using: &generator)
        let d = try Irrep(1, .odd).wignerD(for: element)
        #expect(d.values == element.rows.flatMap { [$0.x, $0.y, $0.z] }, "seed \(generator.seed)")
        let pseudo = try Irrep(1, .even).wignerD(for: OrthogonalMatrix.inversion)
        #expect(pseudo.values == [1, 0, 0, 0, 1, 0, 0, 0, 1])
    }

    @Test func isAHomomorphismAndOrthogonal() throws {
        var generator = SeededGenerator(seed: 17)
        for _ in 0..<3 {
            let a = OrthogonalMatrix.randomElement(using: &generator)
            let b = OrthogonalMatrix.randomElement(using: &generator)
            for l in 0...6 {
                for parity in [Parity.even, .odd] {
                    let irrep = Irrep(l, parity)
                    let product = try irrep.wignerD(for: a * b)
                    let expected = Self.multiply(try irrep.wignerD(for: a), try irrep.wignerD(for: b))
                    #expect(product.maxAbsoluteDifference(to: expected) < 1e-13, "\(irrep) (seed \(generator.seed))")
                    let d = try irrep.wignerD(for: a)
                    let gram = Self.multiply(d, DenseArray(shape: d.shape, values: Self.transpose(d)))
                    var identity = DenseArray(zeros: d.shape)
                    for i in 0..<(2 * l + 1) { identity[i, i] = 1 }
                    #expect(gram.maxAbsoluteDifference(to: identity) < 1e-13, "\(irrep) (seed \(generator.seed))")
                }
            }
        }
    }

    @Test func irrepsMatrixIsBlockDiagonalInMulIrLayout() throws {
        var generator = SeededGenerator(seed: 23)
        let element = OrthogonalMatrix.randomElement(using: &generator)
        let irreps = try Irreps(parsing: "2x0o+1x1e+0x3o+1x2o")
        let d = try irreps.wignerD(for: element)
        #expect(d.shape == [irreps.dim, irreps.dim])
        var expected = DenseArray(zeros: d.shape)
        var start = 0
        for entry in irreps.entries {
            let block = try entry.irrep.wignerD(for: element)
            for _ in 0..<entry.mul {
                for i in 0..<entry.irrep.dimension {
                    for j in 0..<entry.irrep.dimension { expected[start + i, start + j] = block[i, j] }
                }
                start += entry.irrep.dimension
            }
        }
        #expect(d == expected, "seed \(generator.seed)")
    }

    @Test func rejectsTooHighDegree() {
        #expect(throws: EquivarianceError.unsupported("Wigner D of degree 12: degrees must be in 0...11")) {
            try Irrep(12, .even).wignerD(for: .identity)
        }
    }

    static func multiply(_ a: DenseArray, _ b: DenseArray) -> DenseArray {
        let n = a.shape[0]
        var out = DenseArray(zeros: [n, n])
        for i in 0..<n {
            for j in 0..<n { out[i, j] = (0..<n).reduce(0.0) { $0 + a.values[i * n + $1] * b.values[$1 * n + j] } }
        }
        return out
    }

    static func transpose(_ a: DenseArray) -> [Double] {
        let n = a.shape[0]
        return (0..<(n * n)).map { a.values[($0 % n) * n + $0 / n] }
    }
}
