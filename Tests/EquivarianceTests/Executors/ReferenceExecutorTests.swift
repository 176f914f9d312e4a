// SwiftMACE, MIT licence.
// Tests of ReferenceExecutor: the conv's sender gather and receiver scatter against explicit per-edge loops,
// shared weights, backward through the indexing (gather ↔ scatter), and buffer-size errors.

import Support
import Testing
import TestSupport

@testable import Equivariance

@Suite struct ReferenceExecutorTests {
    static let nodeIrreps = Irreps([MulIrrep(2, Irrep(0, .even)), MulIrrep(2, Irrep(1, .odd))])
    static let sh = Irreps.sphericalHarmonics(lmax: 2)

    static func conv() throws -> ChannelwiseTensorProductDescriptor {
        try ChannelwiseTensorProductDescriptor(irreps1: nodeIrreps, irreps2: sh, target: try Irreps(parsing: "2x0e+2x1o+2x2e"))
    }

    @Test func gathersSendersAndSumsIntoReceivers() throws {
        let tp = try Self.conv()
        let (sender, receiver, nodes) = ([0, 2, 1, 2, 0], [1, 1, 0, 2, 2], 3)
        var generator = SeededGenerator(seed: 51)
        let r = PolynomialChecks.random(sender.count * tp.weightCount, &generator)
        let h = PolynomialChecks.random(nodes * Self.nodeIrreps.dim, &generator)
        let y = PolynomialChecks.random(sender.count * Self.sh.dim, &generator)
        let indexing = OperandIndexing(
            inputs: [.batched, .indexed(sender, rows: nodes), .batched], outputs: [.indexed(receiver, rows: nodes)])
        let executor = ReferenceExecutor()
        let summed = try executor.evaluate(tp.polynomial, batchSize: sender.count, inputs: [r, h, y], indexing: indexing)[0]
        let dim = Self.nodeIrreps.dim
        let gathered = sender.flatMap { Array(h[($0 * dim)..<(($0 + 1) * dim)]) }
        let perEdge = try executor.evaluate(tp.polynomial, batchSize: sender.count, inputs: [r, gathered, y],
                                            indexing: .batched(tp.polynomial))[0]
        let mid = tp.irrepsMid.dim
        var expected = [Double](repeating: 0, count: nodes * mid)
        for (e, target) in receiver.enumerated() {
            for k in 0..<mid { expected[target * mid + k] += perEdge[e * mid + k] }
        }
        #expect(PolynomialChecks.maxDifference(summed, expected) < 1e-14)
        // Backward: the gathered input's gradient is scatter-added over senders, the cotangent gathered by receiver.
        try PolynomialChecks.expectDerivativesMatchFiniteDifferences(tp.polynomial, batch: sender.count,
                                                                      indexing: indexing, seed: 52)
    }

    @Test func sharedWeightGradientIsSummedOverTheBatch() throws {
        let linear = try LinearDescriptor(irrepsIn: Self.nodeIrreps, irrepsOut: Self.nodeIrreps)
        let indexing = OperandIndexing(inputs: [.shared, .batched], outputs: [.batched])
        try PolynomialChecks.expectDerivativesMatchFiniteDifferences(linear.polynomial, batch: 3, indexing: indexing,
                                                                      seed: 53)
        #expect(indexing.backward(withRespectTo: [0]).outputs == [.shared])
    }

    @Test func rejectsBuffersThatDoNotFit() throws {
        let tp = try Self.conv()
        let executor = ReferenceExecutor()
        #expect(throws: EquivarianceError.shapeMismatch(
            "'channelwise_tensor_product' input 1 ('x1') has 3 values; expected 1 rows x 8 = 8")) {
            try executor.evaluate(tp.polynomial, batchSize: 1,
                                  inputs: [Array(repeating: 0, count: tp.weightCount), [0, 0, 0], Array(repeating: 0, count: 9)],
                                  indexing: .batched(tp.polynomial))
        }
        #expect(throws: EquivarianceError.shapeMismatch(
            "'channelwise_tensor_product' input 1 ('x1'): index 4 is out of range for 2 rows")) {
            try executor.evaluate(
                tp.polynomial, batchSize: 1,
                inputs: [Array(repeating: 0, count: tp.weightCount), Array(repeating: 0, count: 16),
                         Array(repeating: 0, count: 9)],
                indexing: OperandIndexing(inputs: [.batched, .indexed([4], rows: 2), .batched], outputs: [.batched]))
        }
    }
}
