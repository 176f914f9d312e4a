// SwiftMACE, MIT licence.
// Tests of SymmetricContractionDescriptor: the einsum formula of MACE.md Appendix A with element-indexed weights,
// equivariance, derivatives with the repeated x, external U buffers, and mace-torch's recorded product-block
// outputs (symmetric contraction + linear + skip) of the fixture models.

import Support
import Testing
import TestSupport

@testable import Equivariance

@Suite struct SymmetricContractionDescriptorTests {
    static let cases: [(String, String, Int)] = [
        ("3x0e", "3x0e", 1), ("2x0e+2x1o", "2x0e+2x1o", 2), ("2x0e+2x1o+2x2e", "2x0e+2x1o", 3),
        ("2x0e+2x1o+2x2e+2x3o", "2x0e", 3), ("2x0e+2x1o+2x2e+2x3o", "2x0e+2x1o", 2),
    ]

    @Test(arguments: cases)
    func matchesEinsumFormula(irrepsIn: String, irrepsOut: String, correlation: Int) throws {
        let (a, b) = (try Irreps(parsing: irrepsIn), try Irreps(parsing: irrepsOut))
        let sc = try SymmetricContractionDescriptor(irrepsIn: a, irrepsOut: b, correlation: correlation, elementCount: 2)
        let c = sc.channels
        var generator = SeededGenerator(seed: 31)
        let elements = [1, 0, 1]
        var inputs = sc.polynomial.inputs.dropLast().map { PolynomialChecks.random(2 * $0.size, &generator) }
        inputs.append(PolynomialChecks.random(elements.count * a.dim, &generator))
        var indexing = OperandIndexing.batched(sc.polynomial)
        for n in 0..<sc.featureInput { indexing.inputs[n] = .indexed(elements, rows: 2) }
        let out = try ReferenceExecutor().evaluate(sc.polynomial, batchSize: elements.count, inputs: inputs,
                                                   indexing: indexing)[0]
        for (node, element) in elements.enumerated() {
            let row = Array(inputs[sc.featureInput][(node * a.dim)..<((node + 1) * a.dim)])
            // mace's reshape: x[c, l² + m].
            let blocks = DescriptorFormulas.blocks(row, a)
            let x = (0..<c).map { u in blocks.flatMap { $0[u] } }
            var expected: [Double] = []
            for o in b.entries.indices {
                let w = (1...correlation).map { nu -> [Double] in
                    let size = sc.polynomial.inputs[sc.weightInput(output: o, correlation: nu)].size
                    return Array(inputs[sc.weightInput(output: o, correlation: nu)][(element * size)..<((element + 1) * size)])
                }
                expected += DescriptorFormulas.symmetricContraction(x, sc.uMatrices[o], w)
            }
            let got = Array(out[(node * b.dim)..<((node + 1) * b.dim)])
            #expect(PolynomialChecks.maxDifference(got, expected) < 1e-13)
        }
        #expect(sc.polynomial.isUniformOneDimensional)
        #expect(sc.polynomial.degree == correlation + 1)
        try PolynomialChecks.expectEquivariant(sc.polynomial, seed: 32)
    }

    @Test func derivativesTreatRepeatedFeaturesByProductRule() throws {
        let sc = try SymmetricContractionDescriptor(
            irrepsIn: try Irreps(parsing: "2x0e+2x1o"), irrepsOut: try Irreps(parsing: "2x0e+2x1o"), correlation: 3,
            elementCount: 2)
        var indexing = OperandIndexing.batched(sc.polynomial)
        for n in 0..<sc.featureInput { indexing.inputs[n] = .indexed([1, 0, 1], rows: 2) }
        try PolynomialChecks.expectDerivativesMatchFiniteDifferences(sc.polynomial, batch: 3, indexing: indexing,
                                                                      seed: 33)
        let backward = try sc.polynomial.backward(withRespectTo: [sc.featureInput])
        // A term of degree ν in x gives ν terms.
        #expect(backward.terms.count == 2 * (1 + 2 + 3))
    }

    @Test func acceptsExternalUInMaceShapes() throws {
        let a = try Irreps(parsing: "2x0e+2x1o")
        let b = try Irreps(parsing: "2x0e")
        let generated = try SymmetricContractionDescriptor(irrepsIn: a, irrepsOut: b, correlation: 2, elementCount: 3)
        // mace stores L = 0 without the leading axis.
        let stored = generated.uMatrices.map { $0.map { DenseArray(shape: Array($0.shape.dropFirst()), values: $0.values) } }
        let external = try SymmetricContractionDescriptor(
            irrepsIn: a, irrepsOut: b, correlation: 2, elementCount: 3, uMatrices: stored)
        #expect(external == generated)
        let wrong = [[stored[0][0], DenseArray(zeros: [4, 3, 2])]]
        #expect(throws: EquivarianceError.shapeMismatch(
            "U of output 0 (0e), correlation 2 has shape [4, 3, 2]; expected [1, 4, 4, -1] with -1 = K")) {
            try SymmetricContractionDescriptor(irrepsIn: a, irrepsOut: b, correlation: 2, elementCount: 3, uMatrices: wrong)
        }
        #expect(throws: EquivarianceError.unsupported("symmetric contraction correlation must be 1, 2 or 3; got 4")) {
            try SymmetricContractionDescriptor(irrepsIn: a, irrepsOut: b, correlation: 4, elementCount: 3)
        }
    }

    /// default_hcno layer 0 (no residual): product = linear(symmetric_contraction(message)); l2_tial layer 1
    /// (residual): sc = skip_tp(product of layer 0, one-hot) and product = linear(contraction(message)) + sc.
    @Test(arguments: [("default_hcno", "default_hcno__ethanol", 0), ("l2_tial", "l2_tial__batch_tial", 1)])
    func reproducesMaceProductBlock(model: String, run: String, layer: Int) throws {
        let fixture = try MACEModelFixture(model)
        let product = fixture.products(layer)
        let irrepsIn = try Irreps(parsing: product["irreps_in"] as? String ?? "")
        let irrepsOut = try Irreps(parsing: product["irreps_out"] as? String ?? "")
        let (u, w, _) = try fixture.contractions(layer)
        let elementCount = fixture.atomicNumbers.count
        let sc = try SymmetricContractionDescriptor(
            irrepsIn: irrepsIn, irrepsOut: irrepsOut, correlation: u[0].count, elementCount: elementCount,
            uMatrices: u)
        let messages = try MACEModelFixture.reference(run, layer: layer, key: "interaction_message")
        let expected = try MACEModelFixture.reference(run, layer: layer, key: "product")
        let numbers = try MACEModelFixture.atomicNumbersOfBatch(run).prefix(messages.count)
        let elements = numbers.compactMap { fixture.atomicNumbers.firstIndex(of: $0) }
        var indexing = OperandIndexing.batched(sc.polynomial)
        for n in 0..<sc.featureInput { indexing.inputs[n] = .indexed(elements, rows: elementCount) }
        let executor = ReferenceExecutor()
        let b = try executor.evaluate(sc.polynomial, batchSize: elements.count, inputs: w.flatMap { $0 } + [messages.flatMap { $0 }],
                                      indexing: indexing)[0]
        let linearConfig = product["linear"] as? [String: Any] ?? [:]
        let linear = try LinearDescriptor(irrepsIn: irrepsOut, irrepsOut: irrepsOut)
        let linearWeight = try fixture.file.doubles(linearConfig["weight"] as? String ?? "").values
        var h = try executor.evaluate(linear.polynomial, batchSize: elements.count, inputs: [linearWeight, b],
                                      indexing: OperandIndexing(inputs: [.shared, .batched], outputs: [.batched]))[0]
        if layer > 0 {
            let skipConfig = fixture.interaction(layer)["skip_tp"] as? [String: Any] ?? [:]
            let skip = try ElementSkipTensorProductDescriptor(
                irrepsIn: try Irreps(parsing: skipConfig["irreps_in1"] as? String ?? ""), elementCount: elementCount,
                irrepsOut: try Irreps(parsing: skipConfig["irreps_out"] as? String ?? ""))
            let previous = try MACEModelFixture.reference(run, layer: layer - 1, key: "product").flatMap { $0 }
            let oneHot = elements.flatMap { e in (0..<elementCount).map { $0 == e ? 1.0 : 0.0 } }
            let residual = try executor.evaluate(
                skip.polynomial, batchSize: elements.count,
                inputs: [try fixture.file.doubles(skipConfig["weight"] as? String ?? "").values, previous, oneHot],
                indexing: OperandIndexing(inputs: [.shared, .batched, .batched], outputs: [.batched]))[0]
            let recorded = try MACEModelFixture.reference(run, layer: layer, key: "interaction_sc").flatMap { $0 }
            #expect(PolynomialChecks.maxDifference(residual, recorded) < 1e-12)
            h = zip(h, residual).map { $0 + $1 }
        }
        #expect(elements.count == 4)
        #expect(PolynomialChecks.maxDifference(h, expected.flatMap { $0 }) < 1e-12 * max(1, h.map(abs).max() ?? 0))
    }
}
