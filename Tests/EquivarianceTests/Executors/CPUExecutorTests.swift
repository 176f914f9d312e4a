// SwiftMACE, MIT licence.
// Tests of CPUExecutor against ReferenceExecutor on every builder, their backward and double backward
// polynomials, gather/scatter indexing (unsorted, empty rows, empty batch), Float32, and errors.

import Support
import Testing
import TestSupport

@testable import Equivariance

@Suite struct CPUExecutorTests {
    static let cpu = CPUExecutor()
    static let reference = ReferenceExecutor()

    /// Relative max-norm difference of CPU vs reference for the polynomial, its backward with respect to every
    /// input and the backward of that (double backward).
    static func expectMatchesReference(
        _ polynomial: EquivariantPolynomial, batch: Int, indexing: OperandIndexing? = nil, seed: UInt64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        var generator = SeededGenerator(seed: seed)
        var cases = [(polynomial, indexing ?? .batched(polynomial))]
        let all = Array(polynomial.inputs.indices)
        let backward = try polynomial.backward(withRespectTo: all)
        cases.append((backward, cases[0].1.backward(withRespectTo: all)))
        let second = Array(backward.inputs.indices)
        cases.append((try backward.backward(withRespectTo: second), cases[1].1.backward(withRespectTo: second)))
        for (p, rules) in cases {
            let inputs = PolynomialChecks.randomInputs(p, batch: batch, indexing: rules, &generator)
            let expected = try reference.evaluate(p, batchSize: batch, inputs: inputs, indexing: rules)
            let got = try cpu.evaluate(p, batchSize: batch, inputs: inputs, indexing: rules)
            for (a, b) in zip(got, expected) {
                #expect(a.count == b.count)
                let scale = max(1e-300, b.map(abs).max() ?? 0)
                #expect(PolynomialChecks.maxDifference(a, b) <= 1e-12 * scale, "\(p.name), seed \(seed)",
                        sourceLocation: sourceLocation)
            }
        }
    }

    static func convIndexing(_ tp: ChannelwiseTensorProductDescriptor, sender: [Int], receiver: [Int], nodes: Int)
        -> OperandIndexing
    {
        OperandIndexing(inputs: [.batched, .indexed(sender, rows: nodes), .batched],
                        outputs: [.indexed(receiver, rows: nodes)])
    }

    /// Multiplicities below and above the 8 SIMD lanes (10 = one vector and a tail of 2).
    @Test(arguments: [("2x0e+2x1o", 2), ("3x0e+3x1o+3x2e", 3), ("10x0e+10x1o", 3)])
    func convMatchesReferenceWithGatherAndScatter(irreps: String, lmax: Int) throws {
        let node = try Irreps(parsing: irreps)
        let tp = try ChannelwiseTensorProductDescriptor(
            irreps1: node, irreps2: .sphericalHarmonics(lmax: lmax), target: try Irreps(parsing: "0e+1o+2e+3o"))
        // Unsorted receivers; node 3 receives nothing, node 4 sends nothing.
        let (sender, receiver) = ([0, 2, 1, 2, 0, 1, 3], [2, 0, 1, 0, 4, 2, 1])
        try Self.expectMatchesReference(
            tp.polynomial, batch: sender.count, indexing: Self.convIndexing(tp, sender: sender, receiver: receiver,
                                                                            nodes: 5), seed: 61)
    }

    @Test func emptyBatchGivesZeros() throws {
        let tp = try ChannelwiseTensorProductDescriptor(
            irreps1: try Irreps(parsing: "2x0e+2x1o"), irreps2: .sphericalHarmonics(lmax: 1),
            target: try Irreps(parsing: "0e+1o"))
        let indexing = Self.convIndexing(tp, sender: [], receiver: [], nodes: 2)
        var generator = SeededGenerator(seed: 60)
        let out = try Self.cpu.evaluate(tp.polynomial, batchSize: 0,
                                        inputs: [[], PolynomialChecks.random(2 * 8, &generator), []], indexing: indexing)
        #expect(out == [[Double](repeating: 0, count: 2 * tp.irrepsMid.dim)])
    }

    @Test(arguments: SymmetricContractionDescriptorTests.cases + [("10x0e+10x1o", "10x0e+10x1o", 3)])
    func symmetricContractionMatchesReference(irrepsIn: String, irrepsOut: String, correlation: Int) throws {
        let sc = try SymmetricContractionDescriptor(
            irrepsIn: try Irreps(parsing: irrepsIn), irrepsOut: try Irreps(parsing: irrepsOut),
            correlation: correlation, elementCount: 2)
        var indexing = OperandIndexing.batched(sc.polynomial)
        for n in 0..<sc.featureInput { indexing.inputs[n] = .indexed([1, 0, 1], rows: 2) }
        try Self.expectMatchesReference(sc.polynomial, batch: 3, indexing: indexing, seed: 62)
    }

    /// With many nodes per element the executor pre-contracts U·W per element (merged terms); with few it does not.
    @Test func symmetricContractionPreContractedPerElementMatchesReference() throws {
        let sc = try SymmetricContractionDescriptor(
            irrepsIn: try Irreps(parsing: "9x0e+9x1o+9x2e"), irrepsOut: try Irreps(parsing: "9x0e+9x1o"),
            correlation: 3, elementCount: 2)
        let plan = CPUPlan(sc.polynomial)
        let merged = plan.passes[0].uniformTerms.compactMap(\.merged)
        #expect(merged.count == sc.polynomial.terms.count)
        // The correlation-3 terms (2 and 5) merge enough monomials to be pre-contracted for 16 nodes.
        for form in [merged[2], merged[5]] {
            #expect(2 * form.unmergedGroupCount + 16 * form.keyCount < 16 * form.unmergedGroupCount)
        }
        let elements = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1]
        var indexing = OperandIndexing.batched(sc.polynomial)
        for n in 0..<sc.featureInput { indexing.inputs[n] = .indexed(elements, rows: 2) }
        try Self.expectMatchesReference(sc.polynomial, batch: elements.count, indexing: indexing, seed: 65)
    }

    /// The d/dx of a correlation-3 contraction has one term per position of x, all with the factors (W, x, x, g):
    /// the plan runs them as one term (their monomial keys shared in one pre-contracted table), with the paths in
    /// their original order, and still matches the reference.
    @Test func symmetricContractionGradientJoinsItsPositionTerms() throws {
        let sc = try SymmetricContractionDescriptor(
            irrepsIn: try Irreps(parsing: "9x0e+9x1o+9x2e"), irrepsOut: try Irreps(parsing: "9x0e+9x1o"),
            correlation: 3, elementCount: 2)
        let backward = try sc.polynomial.backward(withRespectTo: [sc.featureInput])
        let joined = CPUPlan.joined(backward.terms)
        let distinct = Set(backward.terms.map { $0.inputs.map(String.init).joined(separator: ",") + "|" + $0.modes.joined() })
        #expect(backward.terms.count > distinct.count)
        #expect(joined.count == distinct.count)
        #expect(joined.map(\.paths.count).reduce(0, +) == backward.terms.map(\.paths.count).reduce(0, +))
        let first = try #require(backward.terms.first)
        let sameAsFirst = backward.terms.filter { $0.inputs == first.inputs && $0.modes == first.modes }
        #expect(joined[0].paths == sameAsFirst.flatMap(\.paths))
        #expect(CPUPlan(backward).passes[0].uniformTerms.count == joined.count)
        let elements = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1]
        var indexing = OperandIndexing.batched(sc.polynomial)
        for n in 0..<sc.featureInput { indexing.inputs[n] = .indexed(elements, rows: 2) }
        try Self.expectMatchesReference(sc.polynomial, batch: elements.count, indexing: indexing, seed: 66)
    }

    /// The pre-contracted table of a term is reused only while the weight rows the batch reads are unchanged: one
    /// changed weight, a batch reading another element, and the first inputs again all match the reference.
    @Test func preContractedTablesFollowTheWeights() throws {
        let sc = try SymmetricContractionDescriptor(
            irrepsIn: try Irreps(parsing: "9x0e+9x1o+9x2e"), irrepsOut: try Irreps(parsing: "9x0e"), correlation: 3,
            elementCount: 3)
        func indexing(_ elements: [Int]) -> OperandIndexing {
            var indexing = OperandIndexing.batched(sc.polynomial)
            for n in 0..<sc.featureInput { indexing.inputs[n] = .indexed(elements, rows: 3) }
            return indexing
        }
        var generator = SeededGenerator(seed: 67)
        let first = Array(repeating: [0, 1, 1, 0], count: 4).flatMap { $0 }
        let other = Array(repeating: 2, count: 16)
        let inputs = PolynomialChecks.randomInputs(sc.polynomial, batch: 16, indexing: indexing(first), &generator)
        var changed = inputs
        let weight = sc.weightInput(output: 0, correlation: 3)
        changed[weight][changed[weight].count / 3 + 5] += 0.5  // element 1's row
        for (elements, values) in [(first, inputs), (first, changed), (other, changed), (first, inputs)] {
            let rules = indexing(elements)
            let expected = try Self.reference.evaluate(sc.polynomial, batchSize: 16, inputs: values, indexing: rules)
            let got = try Self.cpu.evaluate(sc.polynomial, batchSize: 16, inputs: values, indexing: rules)
            let scale = max(1e-300, expected[0].map(abs).max() ?? 0)
            #expect(PolynomialChecks.maxDifference(got[0], expected[0]) <= 1e-12 * scale)
        }
    }

    /// 300 nodes of 2 elements: the weight gradients (2 rows) are summed over fixed chunks of nodes.
    @Test func weightGradientsOfManyNodesSumPerElement() throws {
        let sc = try SymmetricContractionDescriptor(
            irrepsIn: try Irreps(parsing: "2x0e+2x1o"), irrepsOut: try Irreps(parsing: "2x0e"), correlation: 2,
            elementCount: 2)
        let elements = (0..<300).map { ($0 * 7) % 3 == 0 ? 1 : 0 }
        var indexing = OperandIndexing.batched(sc.polynomial)
        for n in 0..<sc.featureInput { indexing.inputs[n] = .indexed(elements, rows: 2) }
        try Self.expectMatchesReference(sc.polynomial, batch: elements.count, indexing: indexing, seed: 66)
    }

    @Test func linearAndSkipMatchReference() throws {
        let irreps = try Irreps(parsing: "2x0e+3x1o+2x2e")
        let linear = try LinearDescriptor(irrepsIn: irreps, irrepsOut: try Irreps(parsing: "3x0e+2x1o+1x2e"))
        try Self.expectMatchesReference(
            linear.polynomial, batch: 3, indexing: OperandIndexing(inputs: [.shared, .batched], outputs: [.batched]),
            seed: 63)
        let skip = try ElementSkipTensorProductDescriptor(irrepsIn: irreps, elementCount: 3, irrepsOut: irreps)
        try Self.expectMatchesReference(skip.polynomial, batch: 3,
                                        indexing: OperandIndexing(inputs: [.shared, .batched, .batched],
                                                                  outputs: [.batched]), seed: 64)
    }

    @Test func rejectsBuffersThatDoNotFit() throws {
        let linear = try LinearDescriptor(irrepsIn: try Irreps(parsing: "2x0e"), irrepsOut: try Irreps(parsing: "2x0e"))
        #expect(throws: EquivarianceError.shapeMismatch("'linear' input 1 ('x'): index 5 is out of range for 2 rows")) {
            try Self.cpu.evaluate(linear.polynomial, batchSize: 1, inputs: [[1, 2, 3, 4], [1, 2, 3, 4]],
                                  indexing: OperandIndexing(inputs: [.shared, .indexed([5], rows: 2)], outputs: [.batched]))
        }
    }
}
