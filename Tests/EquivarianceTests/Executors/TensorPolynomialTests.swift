// SwiftMACE, MIT licence.
// Tests of the polynomial Tensor op (CPUExecutor.evaluate on tensors): first and second derivatives of the conv
// and the symmetric contraction against finite differences, the skip TP with an absent element, Float32 against
// Float64, equivariance, errors.

import Support
import Tensors
import Testing
import TestSupport

@testable import Equivariance

@Suite struct TensorPolynomialTests {
    static let cpu = CPUExecutor()
    static let node = Irreps([MulIrrep(2, Irrep(0, .even)), MulIrrep(2, Irrep(1, .odd))])
    static let (sender, receiver, nodes) = ([0, 2, 1, 2, 0], [1, 1, 0, 2, 1], 3)

    static func conv() throws -> ChannelwiseTensorProductDescriptor {
        try ChannelwiseTensorProductDescriptor(irreps1: node, irreps2: .sphericalHarmonics(lmax: 2),
                                               target: try Irreps(parsing: "0e+1o+2e"))
    }

    static func convIndexing() -> OperandIndexing {
        OperandIndexing(inputs: [.batched, .indexed(sender, rows: nodes), .batched],
                        outputs: [.indexed(receiver, rows: nodes)])
    }

    static func tensor(_ rows: Int, _ size: Int, _ generator: inout SeededGenerator, dtype: DType = .float64) throws
        -> Tensor
    {
        try Tensor(PolynomialChecks.random(rows * size, &generator), shape: [rows, size], dtype: dtype)
    }

    /// A scalar that mixes the outputs non-linearly so second derivatives of every input pair are exercised.
    static func loss(_ outputs: [Tensor]) -> Tensor {
        outputs.reduce(Tensor(scalar: 0)) { $0 + ($1 * $1).sum() + $1.sum() }
    }

    @Test func convFirstAndSecondDerivativesMatchFiniteDifferences() throws {
        let tp = try Self.conv()
        var generator = SeededGenerator(seed: 71)
        let edges = Self.sender.count
        let inputs = [try Self.tensor(edges, tp.weightCount, &generator),
                      try Self.tensor(Self.nodes, Self.node.dim, &generator),
                      try Self.tensor(edges, 9, &generator)]
        let result = try checkGradient({ x in
            Self.loss(try Self.cpu.evaluate(tp.polynomial, batchSize: edges, inputs: x, indexing: Self.convIndexing()))
        }, at: inputs, eps: 1e-5, tolerance: 1e-6)
        #expect(result.secondOrderError > 0)
    }

    @Test func symmetricContractionFirstAndSecondDerivativesMatchFiniteDifferences() throws {
        let sc = try SymmetricContractionDescriptor(
            irrepsIn: Self.node, irrepsOut: try Irreps(parsing: "2x0e+2x1o"), correlation: 3, elementCount: 2)
        var generator = SeededGenerator(seed: 72)
        let elements = [1, 0, 1]
        var indexing = OperandIndexing.batched(sc.polynomial)
        for n in 0..<sc.featureInput { indexing.inputs[n] = .indexed(elements, rows: 2) }
        var inputs = try sc.polynomial.inputs.dropLast().map { try Self.tensor(2, $0.size, &generator) }
        inputs.append(try Self.tensor(elements.count, Self.node.dim, &generator))
        try checkGradient({ x in
            Self.loss(try Self.cpu.evaluate(sc.polynomial, batchSize: elements.count, inputs: x, indexing: indexing))
        }, at: inputs, eps: 1e-5, tolerance: 1e-6)
    }

    @Test func linearRunsAsMatmulsWithTheSameValuesAndDerivatives() throws {
        let linear = try LinearDescriptor(irrepsIn: try Irreps(parsing: "2x0e+3x1o+2x2e"),
                                          irrepsOut: try Irreps(parsing: "3x0e+2x1o+1x2o"))
        let indexing = OperandIndexing(inputs: [.shared, .batched], outputs: [.batched])
        #expect(SharedLinear(linear.polynomial, indexing) != nil)
        var generator = SeededGenerator(seed: 75)
        let inputs = [try Self.tensor(1, linear.weightCount, &generator),
                      try Self.tensor(3, linear.irrepsIn.dim, &generator)]
        let got = try Self.cpu.evaluate(linear.polynomial, batchSize: 3, inputs: inputs, indexing: indexing)[0]
        let expected = try ReferenceExecutor().evaluate(linear.polynomial, batchSize: 3,
                                                        inputs: inputs.map { $0.toArray() }, indexing: indexing)[0]
        #expect(got.shape == [3, linear.irrepsOut.dim])
        #expect(PolynomialChecks.maxDifference(got.toArray(), expected) < 1e-13)
        try checkGradient({ x in
            Self.loss(try Self.cpu.evaluate(linear.polynomial, batchSize: 3, inputs: x, indexing: indexing))
        }, at: inputs)
    }

    /// One-hot attributes with an element absent from the batch: its column and weight rows are left out of the
    /// product, with the same values and weight/feature derivatives as the reference.
    @Test func skipWithAbsentElementMatchesReference() throws {
        let skip = try ElementSkipTensorProductDescriptor(irrepsIn: try Irreps(parsing: "2x0e+3x1o"), elementCount: 3,
                                                          irrepsOut: try Irreps(parsing: "2x0e+1x1o"))
        let indexing = OperandIndexing(inputs: [.shared, .batched, .batched], outputs: [.batched])
        #expect(SharedBilinear(skip.polynomial, indexing) != nil)
        var generator = SeededGenerator(seed: 76)
        let oneHot = try Tensor([1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1], shape: [4, 3])  // element 1 absent
        let inputs = [try Self.tensor(1, skip.polynomial.inputs[0].size, &generator),
                      try Self.tensor(4, skip.polynomial.inputs[1].size, &generator), oneHot]
        let got = try Self.cpu.evaluate(skip.polynomial, batchSize: 4, inputs: inputs, indexing: indexing)[0]
        let expected = try ReferenceExecutor().evaluate(skip.polynomial, batchSize: 4,
                                                        inputs: inputs.map { $0.toArray() }, indexing: indexing)[0]
        #expect(PolynomialChecks.maxDifference(got.toArray(), expected) < 1e-13)
        try checkGradient({ x in
            Self.loss(try Self.cpu.evaluate(skip.polynomial, batchSize: 4, inputs: x + [oneHot], indexing: indexing))
        }, at: Array(inputs.prefix(2)))
    }

    /// Invariants that are one entry per row but not 1 (factors), and invariants with two entries in a row (the
    /// general outer-product path): the same values and first and second derivatives as the reference.
    @Test(arguments: [[0, 2.5, 0, -1.5, 0, 0, 0, 0, 0.5, 2, 0, 0], [1, 0.5, 0, 0, 0, 1, 1, 0, 0, 0, 2, 1]])
    func skipWithScaledOrMixedInvariantsMatchesReference(values: [Double]) throws {
        let skip = try ElementSkipTensorProductDescriptor(irrepsIn: try Irreps(parsing: "2x0e+3x1o"), elementCount: 3,
                                                          irrepsOut: try Irreps(parsing: "2x0e+1x1o"))
        let indexing = OperandIndexing(inputs: [.shared, .batched, .batched], outputs: [.batched])
        var generator = SeededGenerator(seed: 77)
        let invariants = try Tensor(values, shape: [4, 3])
        let inputs = [try Self.tensor(1, skip.polynomial.inputs[0].size, &generator),
                      try Self.tensor(4, skip.polynomial.inputs[1].size, &generator), invariants]
        let got = try Self.cpu.evaluate(skip.polynomial, batchSize: 4, inputs: inputs, indexing: indexing)[0]
        let expected = try ReferenceExecutor().evaluate(skip.polynomial, batchSize: 4,
                                                        inputs: inputs.map { $0.toArray() }, indexing: indexing)[0]
        #expect(PolynomialChecks.maxDifference(got.toArray(), expected) < 1e-13)
        let result = try checkGradient({ x in
            Self.loss(try Self.cpu.evaluate(skip.polynomial, batchSize: 4, inputs: x + [invariants], indexing: indexing))
        }, at: Array(inputs.prefix(2)))
        #expect(result.secondOrderError > 0)
    }

    @Test func float32MatchesFloat64() throws {
        let tp = try Self.conv()
        var generator = SeededGenerator(seed: 73)
        let edges = Self.sender.count
        let values = [PolynomialChecks.random(edges * tp.weightCount, &generator),
                      PolynomialChecks.random(Self.nodes * Self.node.dim, &generator),
                      PolynomialChecks.random(edges * 9, &generator)]
        let shapes = [[edges, tp.weightCount], [Self.nodes, Self.node.dim], [edges, 9]]
        func run(_ dtype: DType) throws -> [Double] {
            let inputs = try zip(values, shapes).map { try Tensor($0, shape: $1, dtype: dtype) }
            return try Self.cpu.evaluate(tp.polynomial, batchSize: edges, inputs: inputs,
                                         indexing: Self.convIndexing())[0].toArray()
        }
        let (single, double) = (try run(.float32), try run(.float64))
        let scale = double.map(abs).max() ?? 1
        #expect(PolynomialChecks.maxDifference(single, double) <= 1e-5 * scale)
        #expect(scale > 0)
    }

    @Test func convOutputRotatesWithItsInputs() throws {
        let tp = try Self.conv()
        var generator = SeededGenerator(seed: 74)
        let edges = Self.sender.count
        let raw = [PolynomialChecks.random(edges * tp.weightCount, &generator),
                   PolynomialChecks.random(Self.nodes * Self.node.dim, &generator),
                   PolynomialChecks.random(edges * 9, &generator)]
        let element = OrthogonalMatrix.randomElement(using: &generator)
        func run(_ buffers: [[Double]]) throws -> [Double] {
            let inputs = try zip(buffers, tp.polynomial.inputs).map { buffer, operand in
                try Tensor(buffer, shape: [buffer.count / operand.size, operand.size])
            }
            return try Self.cpu.evaluate(tp.polynomial, batchSize: edges, inputs: inputs,
                                         indexing: Self.convIndexing())[0].toArray()
        }
        let rotatedFirst = try run(try PolynomialChecks.rotated(raw, tp.polynomial.inputs, element))
        let rotatedAfter = try PolynomialChecks.rotated([try run(raw)], tp.polynomial.outputs, element)[0]
        #expect(PolynomialChecks.maxDifference(rotatedFirst, rotatedAfter) < 1e-12)
    }

    @Test func rejectsTensorsOfTheWrongShapeOrDtype() throws {
        let tp = try Self.conv()
        let edges = Self.sender.count
        let good = [try Tensor.zeros([edges, tp.weightCount]), try Tensor.zeros([Self.nodes, Self.node.dim]),
                    try Tensor.zeros([edges, 9])]
        var wrongShape = good
        wrongShape[2] = try Tensor.zeros([9, edges])
        #expect(throws: EquivarianceError.shapeMismatch(
            "'channelwise_tensor_product' input 2 ('x2') has shape [9, 5]; expected [5, 9]")) {
            try Self.cpu.evaluate(tp.polynomial, batchSize: edges, inputs: wrongShape, indexing: Self.convIndexing())
        }
        var mixed = good
        mixed[1] = try Tensor.zeros([Self.nodes, Self.node.dim], dtype: .float32)
        #expect(throws: EquivarianceError.shapeMismatch(
            "'channelwise_tensor_product' input 1 has dtype float32; expected float64 or float32, the same for every "
                + "input")) {
            try Self.cpu.evaluate(tp.polynomial, batchSize: edges, inputs: mixed, indexing: Self.convIndexing())
        }
    }
}
