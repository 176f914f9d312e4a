// SwiftMACE, MIT licence.
// Tests of the real spherical harmonics: e3nn 0.4.4 fixtures, MACE.md §2.5, orthonormality, equivariance with
// parity, and the gradient against central finite differences.

import Support
import Testing
import TestSupport

@testable import Equivariance

@Suite struct SphericalHarmonicsTests {
    @Test func matchesMaceSpecTestVector() throws {
        let expected = [
            1.000000000000000, 0.524890659167824, -0.874817765279706, 1.399708424447530,
            0.948485717438551, -0.592803573399094, -0.262395732053547, -1.580809529064251, 1.086806551231673,
            1.183647157770295, -1.267467353894120, 0.135272824814658, 1.152223211306115, 0.360727532839089,
            -1.452306343003679, 0.638177702550105,
        ]
        let y = try SphericalHarmonics(lmax: 3)([SIMD3(0.3, -0.5, 0.8)])
        #expect(y.count == 16)
        for (value, reference) in zip(y, expected) { #expect(abs(value - reference) <= 1e-15, "\(value) vs \(reference)") }
    }

    @Test func matchesE3nnForEveryFixtureCase() throws {
        let file = try E3nnFixtures.load(E3nnFixtures.SphericalHarmonicsFile.self, "spherical_harmonics.json")
        #expect(file.cases.count == 6)
        for c in file.cases {
            let normalization = try #require(SphericalHarmonicsNormalization(rawValue: c.normalization))
            let sh = try SphericalHarmonics(lmax: c.lmax, normalization: normalization, normalize: c.normalize)
            let vectors = c.vectors.map { SIMD3($0[0], $0[1], $0[2]) }
            let values = sh(vectors)
            #expect(values.count == c.values.count)
            for n in vectors.indices {
                for l in 0...c.lmax {
                    // Relative to the size of the block, ‖Y^l‖ = √(2l+1) on the sphere in component normalisation.
                    let range = (n * sh.dim + l * l)..<(n * sh.dim + (l + 1) * (l + 1))
                    let scale = max(1, range.map { c.values[$0] * c.values[$0] }.reduce(0, +).squareRoot())
                    let difference = range.map { abs(values[$0] - c.values[$0]) }.max() ?? 0
                    #expect(difference <= 1e-14 * scale,
                            "\(c.normalization) normalize=\(c.normalize) vector \(vectors[n]) l=\(l): |Δ| = \(difference)")
                }
            }
        }
    }

    @Test func zeroVectorGivesOnlyTheScalar() throws {
        let y = try SphericalHarmonics(lmax: 4)([.zero])
        #expect(y[0] == 1 && y.dropFirst().allSatisfy { $0 == 0 })
    }

    @Test func componentNormalisedHarmonicsAreOrthonormalOverTheSphere() throws {
        var generator = SeededGenerator(seed: 7)
        let sh = try SphericalHarmonics(lmax: 3)
        let count = 10_000
        let values = sh((0..<count).map { _ in generator.unitVector() })
        // Mean over the sphere of Y_i Y_j is δ_ij in component normalisation; statistical error ≈ 0.03 here.
        for i in 0..<sh.dim {
            for j in i..<sh.dim {
                var mean = 0.0
                for n in 0..<count { mean += values[n * sh.dim + i] * values[n * sh.dim + j] }
                mean /= Double(count)
                #expect(abs(mean - (i == j ? 1 : 0)) < 0.1, "⟨Y_\(i) Y_\(j)⟩ = \(mean) (seed \(generator.seed))")
            }
        }
        // And exactly on every point: ‖Y^l‖² = 2l+1.
        for l in 0...3 {
            let norm2 = (l * l..<(l + 1) * (l + 1)).map { values[$0] * values[$0] }.reduce(0, +)
            #expect(abs(norm2 - Double(2 * l + 1)) < 1e-13)
        }
    }

    @Test func isEquivariantUnderRotationsAndInversion() throws {
        var generator = SeededGenerator(seed: 11)
        let sh = try SphericalHarmonics(lmax: 8)
        for trial in 0..<4 {
            let element = trial == 0 ? OrthogonalMatrix.inversion : OrthogonalMatrix.randomElement(using: &generator)
            let d = try sh.irreps.wignerD(for: element)
            let x = generator.unitVector() * 1.7
            let rotated = sh([element.applied(to: x)])
            let original = sh([x])
            for i in 0..<sh.dim {
                let expected = (0..<sh.dim).reduce(0.0) { $0 + d.values[i * sh.dim + $1] * original[$1] }
                #expect(abs(rotated[i] - expected) < 1e-12,
                        "Y(Rx) != D(R) Y(x) at \(i), trial \(trial), det \(element.determinant) (seed \(generator.seed))")
            }
        }
    }

    @Test(arguments: [SphericalHarmonicsNormalization.component, .norm, .integral], [true, false])
    func gradientMatchesCentralFiniteDifferences(normalization: SphericalHarmonicsNormalization, normalize: Bool)
        throws
    {
        var generator = SeededGenerator(seed: 5)
        let sh = try SphericalHarmonics(lmax: 8, normalization: normalization, normalize: normalize)
        let vectors = (0..<3).map { _ in generator.unitVector() * Double.random(in: 0.5...2, using: &generator) }
        let (values, gradients) = sh.valuesAndGradients(vectors)
        #expect(values == sh(vectors))
        let h = 1e-5
        for (n, v) in vectors.enumerated() {
            for k in 0..<3 {
                var step = SIMD3<Double>.zero
                step[k] = h
                let plus = sh([v + step])
                let minus = sh([v - step])
                for i in 0..<sh.dim {
                    let numeric = (plus[i] - minus[i]) / (2 * h)
                    let analytic = gradients[(n * sh.dim + i) * 3 + k]
                    #expect(abs(numeric - analytic) < 1e-6 * max(1, abs(numeric)),
                            "∂Y_\(i)/∂v_\(k) at \(v): \(analytic) vs \(numeric) (seed \(generator.seed))")
                }
            }
        }
    }

    @Test func rejectsUnsupportedDegree() {
        #expect(throws: EquivarianceError.unsupported("spherical harmonics of degree 12: lmax must be in 0...11")) {
            try SphericalHarmonics(lmax: 12)
        }
    }
}
