// SwiftMACE, MIT licence.
// Tests of ChannelwiseTensorProductDescriptor: mace's tp_out_irreps_with_instructions and conv_tp (MACE.md §6.2,
// Appendix A), the default layer-2 slot table, equivariance, derivatives.

import Support
import Testing
import TestSupport

@testable import Equivariance

@Suite struct ChannelwiseTensorProductDescriptorTests {
    @Test(arguments: [("3x0e", 0, "3x0e"), ("2x0e+2x1o", 1, "2x0e+2x1o"), ("2x0e+2x1o+2x2e", 2, "2x0e+2x1o+2x2e"),
                      ("2x0e", 3, "2x0e+2x1o+2x2e+2x3o"), ("2x0e+2x1o", 3, "2x0e+2x1o+2x2e+2x3o")])
    func matchesConvTPFormula(irreps1: String, lmax: Int, target: String) throws {
        let a = try Irreps(parsing: irreps1)
        let sh = Irreps.sphericalHarmonics(lmax: lmax)
        let t = try Irreps(parsing: target)
        let tp = try ChannelwiseTensorProductDescriptor(irreps1: a, irreps2: sh, target: t)
        let (mid, ins) = DescriptorFormulas.tpInstructions(a, sh, t)
        #expect(tp.irrepsMid == mid)
        #expect(tp.instructions.map { [$0.input1, $0.input2, $0.output] } == ins)
        #expect(tp.polynomial.isUniformOneDimensional)
        var generator = SeededGenerator(seed: 21)
        let batch = 2
        let r = PolynomialChecks.random(batch * tp.weightCount, &generator)
        let x = PolynomialChecks.random(batch * a.dim, &generator)
        let y = PolynomialChecks.random(batch * sh.dim, &generator)
        let out = try ReferenceExecutor().evaluate(tp.polynomial, batchSize: batch, inputs: [r, x, y],
                                                   indexing: .batched(tp.polynomial))[0]
        for e in 0..<batch {
            let expected = try DescriptorFormulas.convTP(
                Array(x[(e * a.dim)..<((e + 1) * a.dim)]), Array(y[(e * sh.dim)..<((e + 1) * sh.dim)]),
                Array(r[(e * tp.weightCount)..<((e + 1) * tp.weightCount)]), a, sh, mid, ins)
            #expect(PolynomialChecks.maxDifference(Array(out[(e * mid.dim)..<((e + 1) * mid.dim)]), expected) < 1e-14)
        }
        try PolynomialChecks.expectEquivariant(tp.polynomial, seed: 22)
        try PolynomialChecks.expectDerivativesMatchFiniteDifferences(tp.polynomial, seed: 23)
    }

    @Test func defaultLayerTwoSlotsMatchMACETable() throws {
        let tp = try ChannelwiseTensorProductDescriptor(
            irreps1: try Irreps(parsing: "128x0e+128x1o"), irreps2: .sphericalHarmonics(lmax: 3),
            target: try Irreps(parsing: "128x0e+128x1o+128x2e+128x3o"))
        #expect(tp.irrepsMid.description
            == "128x0e+128x0e+128x1o+128x1o+128x1o+128x2e+128x2e+128x2e+128x3o+128x3o")
        // (l1, l2, l3) per slot, MACE.md §6.2 table.
        let ls = tp.instructions.map {
            [tp.irreps1.entries[$0.input1].irrep.l, tp.irreps2.entries[$0.input2].irrep.l,
             tp.irrepsMid.entries[$0.output].irrep.l]
        }
        #expect(ls == [[0, 0, 0], [1, 1, 0], [0, 1, 1], [1, 0, 1], [1, 2, 1], [0, 2, 2], [1, 1, 2], [1, 3, 2],
                       [0, 3, 3], [1, 2, 3]])
        #expect(tp.weightCount == 1280)
        #expect(tp.instructions.map(\.pathWeight) == tp.irrepsMid.entries.map { Double($0.irrep.dimension).squareRoot() })
    }

    @Test func generalMultiplicityOfSecondInputUsesTwoChannelModes() throws {
        let a = try Irreps(parsing: "2x0e+1x1o")
        let b = try Irreps(parsing: "2x1o")
        let tp = try ChannelwiseTensorProductDescriptor(irreps1: a, irreps2: b, target: try Irreps(parsing: "1x1o+1x0e"))
        #expect(tp.polynomial.terms[0].modes == ["uv", "u", "v", "u"])
        #expect(tp.instructions.map(\.pathShape) == [[1, 2], [2, 2]])
        #expect(tp.instructions.map(\.pathWeight) == [(1 / 2.0).squareRoot(), (3 / 2.0).squareRoot()])
        try PolynomialChecks.expectEquivariant(tp.polynomial, seed: 24)
    }
}
