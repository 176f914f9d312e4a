// SwiftMACE, MIT licence.
// Tests of LinearDescriptor: e3nn Linear formula (MACE.md Appendix A), instruction order and path weights,
// equivariance, derivatives.

import Support
import Testing
import TestSupport

@testable import Equivariance

@Suite struct LinearDescriptorTests {
    static let cases: [(String, String)] = [
        ("3x0e", "2x0e"), ("2x0e+1x1o", "3x0e+2x1o"), ("2x0e+2x1o+1x2e+1x0e", "1x0e+2x1o+3x2e+1x1e"),
        ("2x0e+2x1o+2x2e+2x3o", "2x0e+2x1o+2x2e+2x3o"),
    ]

    @Test(arguments: cases)
    func matchesE3nnLinearFormula(irrepsIn: String, irrepsOut: String) throws {
        let (a, b) = (try Irreps(parsing: irrepsIn), try Irreps(parsing: irrepsOut))
        let linear = try LinearDescriptor(irrepsIn: a, irrepsOut: b)
        var generator = SeededGenerator(seed: 5)
        let w = PolynomialChecks.random(linear.weightCount, &generator)
        let x = PolynomialChecks.random(3 * a.dim, &generator)
        let y = try ReferenceExecutor().evaluate(
            linear.polynomial, batchSize: 3, inputs: [w, x], indexing: OperandIndexing(inputs: [.shared, .batched],
                                                                                       outputs: [.batched]))[0]
        for item in 0..<3 {
            let expected = DescriptorFormulas.linear(Array(x[(item * a.dim)..<((item + 1) * a.dim)]), w, a, b)
            #expect(PolynomialChecks.maxDifference(Array(y[(item * b.dim)..<((item + 1) * b.dim)]), expected) < 1e-14)
        }
        try PolynomialChecks.expectEquivariant(linear.polynomial, seed: 6)
        try PolynomialChecks.expectDerivativesMatchFiniteDifferences(linear.polynomial, seed: 7)
    }

    @Test func instructionsAreInputMajorWithFanInWeights() throws {
        let linear = try LinearDescriptor(
            irrepsIn: try Irreps(parsing: "4x0e+2x1o+3x0e"), irrepsOut: try Irreps(parsing: "5x1o+2x0e"))
        #expect(linear.instructions.map { [$0.input, $0.output] } == [[0, 1], [1, 0], [2, 1]])
        #expect(linear.instructions.map(\.pathWeight) == [1 / 7.0.squareRoot(), 1 / 2.0.squareRoot(), 1 / 7.0.squareRoot()])
        #expect(linear.weightCount == 4 * 2 + 2 * 5 + 3 * 2)
        #expect(linear.polynomial.isUniformOneDimensional == false)
    }
}
