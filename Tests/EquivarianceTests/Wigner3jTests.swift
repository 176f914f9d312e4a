// SwiftMACE, MIT licence.
// Tests of Wigner 3j against e3nn 0.4.4 (fixture wigner_3j.json), MACE.md §3.2 values, norm and invariance.

import Support
import Testing
import TestSupport

@testable import Equivariance

@Suite struct Wigner3jTests {
    @Test func matchesE3nnTableForEveryFixtureTriple() throws {
        let file = try E3nnFixtures.load(E3nnFixtures.Wigner3jFile.self, "wigner_3j.json")
        #expect(file.triples.count >= 111)
        for triple in file.triples {
            let c = try Wigner3j.tensor(triple.l[0], triple.l[1], triple.l[2])
            var expected = [Double](repeating: 0, count: c.values.count)
            for (index, value) in zip(triple.nonzero_index, triple.nonzero_value) { expected[index] = value }
            let difference = zip(c.values, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(difference <= 1e-14, "wigner_3j\(triple.l): max |Δ| = \(difference)")
        }
    }

    @Test func satisfiesMaceSpecValues() throws {
        for l in 0...4 {
            let (a, b, c) = (try Wigner3j.tensor(0, l, l), try Wigner3j.tensor(l, 0, l), try Wigner3j.tensor(l, l, 0))
            for j in 0...(2 * l) {
                for k in 0...(2 * l) {
                    let expected = j == k ? 1 / Double(2 * l + 1).squareRoot() : 0
                    #expect(abs(a[0, j, k] - expected) < 1e-15 && abs(b[j, 0, k] - expected) < 1e-15
                        && abs(c[j, k, 0] - expected) < 1e-15, "l = \(l), (\(j), \(k))")
                }
            }
        }
        let c111 = try Wigner3j.tensor(1, 1, 1)
        for (i, j, k) in [(0, 1, 2), (1, 2, 0), (2, 0, 1)] {
            #expect(abs(c111[i, j, k] - 1 / 6.0.squareRoot()) < 1e-15)
            #expect(abs(c111[k, j, i] + 1 / 6.0.squareRoot()) < 1e-15)
        }
        let c112 = try Wigner3j.tensor(1, 1, 2)
        let nonzeros: [(Int, Int, Int, Double)] = [
            (0, 0, 2, -0.182574185835055), (0, 0, 4, -0.316227766016838), (0, 1, 1, 0.316227766016838),
            (0, 2, 0, 0.316227766016838), (1, 0, 1, 0.316227766016838), (1, 1, 2, 0.365148371670111),
            (1, 2, 3, 0.316227766016838), (2, 0, 0, 0.316227766016838), (2, 1, 3, 0.316227766016838),
            (2, 2, 2, -0.182574185835055), (2, 2, 4, 0.316227766016838),
        ]
        var expected = DenseArray(zeros: [3, 3, 5])
        for (i, j, k, value) in nonzeros { expected[i, j, k] = value }
        #expect(c112.maxAbsoluteDifference(to: expected) < 1e-15)
    }

    @Test func keepsE3nn044SignsForOddSumTriples() throws {
        // First nonzero entry (row-major) of the triples whose sign e3nn >= 0.5 flips (MACE.md §3.4), from e3nn 0.4.4.
        let file = try E3nnFixtures.load(E3nnFixtures.Wigner3jFile.self, "wigner_3j.json")
        for l in [[1, 2, 2], [1, 3, 3], [2, 1, 2], [2, 2, 1], [3, 4, 6], [4, 4, 5]] {
            let triple = try #require(file.triples.first { $0.l == l })
            let c = try Wigner3j.tensor(l[0], l[1], l[2])
            let first = try #require(triple.nonzero_index.first)
            #expect(c.values[first] * triple.nonzero_value[0] > 0, "sign of wigner_3j\(l)")
        }
    }

    @Test func hasUnitNormAndIsInvariantUnderRandomRotations() throws {
        var generator = SeededGenerator(seed: 31)
        let rotations = (0..<2).map { _ in OrthogonalMatrix.randomRotation(using: &generator) }
        let dMatrices = try rotations.map { try WignerD.rotationMatrices(lmax: 5, rotation: $0) }
        for l1 in 0...5 {
            for l2 in 0...5 {
                for l3 in abs(l1 - l2)...min(l1 + l2, 5) {
                    let c = try Wigner3j.tensor(l1, l2, l3)
                    #expect(abs(c.frobeniusNorm - 1) < 1e-14, "norm of wigner_3j(\(l1), \(l2), \(l3))")
                    for d in dMatrices {
                        let rotated = Self.contract(c, d[l1], d[l2], d[l3])
                        let difference = rotated.maxAbsoluteDifference(to: c)
                        #expect(difference < 1e-13,
                                "wigner_3j(\(l1), \(l2), \(l3)) not invariant (seed \(generator.seed)): \(difference)")
                    }
                }
            }
        }
    }

    @Test func rejectsDegreesOutsideTriangleOrRange() {
        #expect(throws: EquivarianceError.unsupported(
            "wigner_3j(1, 1, 3): degrees violate the triangle rule |l1-l2| <= l3 <= l1+l2")
        ) { try Wigner3j.tensor(1, 1, 3) }
        #expect(throws: EquivarianceError.unsupported("wigner_3j(12, 1, 12): degrees must be in 0...11")) {
            try Wigner3j.tensor(12, 1, 12)
        }
    }

    @Test func clebschGordanMatchesKnownValues() {
        // ⟨1 1; 1 −1 | 0 0⟩ = 1/√3, ⟨1 0; 1 0 | 2 0⟩ = √(2/3), ⟨2 1; 1 0 | 2 1⟩ = 1/√6 (standard tables).
        #expect(abs(ClebschGordan.coefficient(1, 1, 1, -1, 0, 0) - 1 / 3.0.squareRoot()) < 1e-15)
        #expect(abs(ClebschGordan.coefficient(1, 0, 1, 0, 2, 0) - (2.0 / 3).squareRoot()) < 1e-15)
        #expect(abs(ClebschGordan.coefficient(2, 1, 1, 0, 2, 1) - 1 / 6.0.squareRoot()) < 1e-15)
        #expect(ClebschGordan.coefficient(1, 0, 1, 0, 1, 0) == 0)
        // Orthonormality of the coupled basis for large degrees (factorials beyond UInt64).
        var sum = 0.0
        for m1 in -11...11 where abs(3 - m1) <= 11 {
            sum += ClebschGordan.coefficient(11, m1, 11, 3 - m1, 20, 3) * ClebschGordan.coefficient(11, m1, 11, 3 - m1, 20, 3)
        }
        #expect(abs(sum - 1) < 1e-14)
    }

    @Test func bigUIntArithmeticIsExactBeyond64Bits() {
        let factorial25 = BigUInt(primes: [2, 3, 5, 7, 11, 13, 17, 19, 23], exponents: [22, 10, 6, 3, 2, 1, 1, 1, 1])
        var product = BigUInt(1)
        for n in 2...25 { product.multiply(by: UInt32(n)) }
        #expect(product == factorial25)
        #expect(product.doubleValue == 15_511_210_043_330_985_984_000_000.0)
        #expect((product + BigUInt(1)) - product == BigUInt(1))
        #expect(BigUInt(5) < product && !(product < product))
    }

    /// `Σ_ijk C_ijk D1_il D2_jm D3_kn`, one axis at a time.
    static func contract(_ c: DenseArray, _ d1: DenseArray, _ d2: DenseArray, _ d3: DenseArray) -> DenseArray {
        var t = c
        for (axis, d) in [d1, d2, d3].enumerated() {
            let shape = t.shape
            let n = shape[axis]
            let outer = shape[..<axis].reduce(1, *)
            let inner = shape[(axis + 1)...].reduce(1, *)
            var out = [Double](repeating: 0, count: t.values.count)
            for o in 0..<outer {
                for i in 0..<n {
                    for l in 0..<n {
                        let dil = d.values[i * n + l]
                        if dil == 0 { continue }
                        for r in 0..<inner { out[(o * n + l) * inner + r] += t.values[(o * n + i) * inner + r] * dil }
                    }
                }
            }
            t = DenseArray(shape: shape, values: out)
        }
        return t
    }
}
