// SwiftMACE, MIT licence.
// Tests of ElementSkipTensorProductDescriptor: e3nn FullyConnectedTensorProduct with a one-hot second input
// (MACE.md §5.3, Appendix A fctp_onehot), equivariance, derivatives.

import Support
import Testing
import TestSupport

@testable import Equivariance

@Suite struct ElementSkipTensorProductDescriptorTests {
    @Test(arguments: [("3x0e", "2x0e"), ("2x0e+2x1o", "2x0e"), ("2x0e+1x1o+2x2e+1x1o", "3x0e+2x1o+1x2e")])
    func matchesFullyConnectedOneHotFormula(irrepsIn: String, irrepsOut: String) throws {
        let (a, b) = (try Irreps(parsing: irrepsIn), try Irreps(parsing: irrepsOut))
        let skip = try ElementSkipTensorProductDescriptor(irrepsIn: a, elementCount: 3, irrepsOut: b)
        var generator = SeededGenerator(seed: 11)
        let w = PolynomialChecks.random(skip.weightCount, &generator)
        let x = PolynomialChecks.random(3 * a.dim, &generator)
        let elements = [2, 0, 1]
        let oneHot = elements.flatMap { e in (0..<3).map { $0 == e ? 1.0 : 0.0 } }
        let z = try ReferenceExecutor().evaluate(
            skip.polynomial, batchSize: 3, inputs: [w, x, oneHot],
            indexing: OperandIndexing(inputs: [.shared, .batched, .batched], outputs: [.batched]))[0]
        for (item, element) in elements.enumerated() {
            let expected = DescriptorFormulas.fctpOneHot(
                Array(x[(item * a.dim)..<((item + 1) * a.dim)]), element: element, elementCount: 3, w, a, b)
            #expect(PolynomialChecks.maxDifference(Array(z[(item * b.dim)..<((item + 1) * b.dim)]), expected) < 1e-14)
        }
        #expect(skip.weightCount == skip.instructions.reduce(0) { $0 + $1.pathShape.reduce(1, *) })
        try PolynomialChecks.expectEquivariant(skip.polynomial, seed: 12)
        try PolynomialChecks.expectDerivativesMatchFiniteDifferences(skip.polynomial, seed: 13)
    }

    @Test func rejectsZeroElements() {
        #expect(throws: EquivarianceError.unsupported("skip tensor product needs at least 1 element; got 0")) {
            try ElementSkipTensorProductDescriptor(irrepsIn: Irreps(Irrep(0, .even)), elementCount: 0,
                                                   irrepsOut: Irreps(Irrep(0, .even)))
        }
    }
}
