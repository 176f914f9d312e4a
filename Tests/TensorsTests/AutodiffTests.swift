// SwiftMACE, MIT licence.
// Tests of the autodiff engine: torch.autograd.grad semantics, no-grad evaluation, nesting, threads,
// and double backward on a small energy -> forces -> force-loss model against finite differences.

import Dispatch
import Foundation
import Testing
import TestSupport
import Tensors

@Suite struct AutodiffTests {
    @Test func gradOfNonScalarOutputUsesSeed() throws {
        let x = try seededTensor([3], seed: 60).requiringGrad()
        let y = x.squared()
        let seed = try Tensor([1, 2, 3], shape: [3])
        expectClose(try grad(of: y, withRespectTo: [x], seed: seed)[0],
                    zip(x.toArray(), [1.0, 2, 3]).map { 2 * $0 * $1 }, shape: [3])
        #expect(throws: TensorError.seedRequired(outputShape: [3])) { try grad(of: y, withRespectTo: [x]) }
        let error = #expect(throws: TensorError.self) {
            try grad(of: y, withRespectTo: [x], seed: Tensor([1, 2], shape: [2]))
        }
        #expect(error?.description == "grad: seed 0 has shape [2]; expected [3]")
    }

    @Test func unusedAndNonRequiringInputsAreReported() throws {
        let x = try seededTensor([2], seed: 61).requiringGrad()
        let unused = try seededTensor([2, 2], seed: 62).requiringGrad()
        let plain = try seededTensor([2], seed: 63)
        let y = x.squared().sum()
        let error = #expect(throws: TensorError.self) { try grad(of: y, withRespectTo: [x, unused]) }
        #expect(error?.description == "grad: input 1 is not used to compute the outputs; pass allowUnused: true to get zeros")
        let gradients = try grad(of: y, withRespectTo: [x, unused], allowUnused: true)
        expectClose(gradients[1], [0, 0, 0, 0], shape: [2, 2])
        #expect(throws: TensorError.doesNotRequireGrad(inputIndex: 0)) { try grad(of: y, withRespectTo: [plain]) }
    }

    @Test func gradientsAccumulateOverReuseAndIntermediatesCanBeTargets() throws {
        let x = try seededTensor([3], seed: 64).requiringGrad()
        let h = sin(x)
        let y = (h * h + h * x).sum()
        let v = x.toArray()
        let gradients = try grad(of: y, withRespectTo: [x, h])
        expectClose(gradients[0], v.map { 2 * Foundation.sin($0) * Foundation.cos($0) + Foundation.cos($0) * $0 + Foundation.sin($0) },
                    shape: [3])
        expectClose(gradients[1], v.map { 2 * Foundation.sin($0) + $0 }, shape: [3])
    }

    @Test func noGradEvaluationRecordsNothing() throws {
        let x = try seededTensor([3], seed: 65).requiringGrad()
        let y = withoutGradient { exp(x).sum() }
        #expect(!y.requiresGrad)
        #expect(!x.detached().requiresGrad)
        #expect((x * 2.0).requiresGrad)
    }

    @Test func nestedValueAndGradientGivesSecondDerivative() throws {
        // f(x) = Σ x³; inner gradient 3x², outer gradient of Σ 3x² is 6x.
        let x = try seededTensor([4], seed: 66)
        let (_, outer) = try valueAndGradient(of: { v in
            let (_, inner) = try valueAndGradient(of: { w in pow(w[0], 3).sum() }, at: v, createGraph: true)
            return inner[0].sum()
        }, at: [x])
        expectClose(outer[0], x.toArray().map { 6 * $0 }, shape: [4], tolerance: 1e-12)
    }

    @Test func separateThreadsBuildSeparateGraphs() throws {
        let inputs = try (0..<8).map { try seededTensor([16, 8], seed: 70 + UInt64($0)) }
        let expected = try inputs.map { try valueAndGradient(of: { v in silu(v[0]).squared().sum() }, at: [$0]).gradients[0].toArray() }
        let results = ResultBox(count: inputs.count)
        DispatchQueue.concurrentPerform(iterations: inputs.count) { i in
            let gradient = try? valueAndGradient(of: { v in silu(v[0]).squared().sum() }, at: [inputs[i]]).gradients[0].toArray()
            results.set(i, gradient)
        }
        #expect(results.values == expected.map { Optional($0) })
    }

    /// A pair model in MACE's shape: edge vectors from gathered positions, a per-edge MLP layer,
    /// messages scattered to receivers, energy = Σ readout.
    static func energy(positions: Tensor, weights: Tensor, readout: Tensor) throws -> Tensor {
        let senders = Tensor(indices: [0, 1, 1, 2, 3, 0, 2])
        let receivers = Tensor(indices: [1, 0, 2, 1, 0, 3, 3])
        let vectors = try gather(positions, indices: receivers) - gather(positions, indices: senders)
        let lengths = sqrt(vectors.squared().sum(axis: 1, keepDims: true))
        let features = silu(matmul(concatenated([vectors, lengths], axis: 1), weights))
        let nodes = try scatterSum(features, indices: receivers, count: 4)
        return matmul(tanh(nodes), readout).sum()
    }

    static let referenceForces = try! Tensor(seededValues(12, seed: 80), shape: [4, 3])

    /// Loss on forces F = −∂E/∂positions, as in force training.
    static func forceLoss(_ v: [Tensor]) throws -> Tensor {
        let positions = v[0].requiringGrad()
        let energy = try energy(positions: positions, weights: v[1], readout: v[2])
        let forces = -(try grad(of: energy, withRespectTo: [positions], createGraph: true)[0])
        return (forces - referenceForces).squared().sum()
    }

    @Test func forceLossGradientWithRespectToWeightsMatchesFiniteDifferences() throws {
        let positions = try seededTensor([4, 3], seed: 81).reshaped([4, 3]) * 2.0
        let weights = try seededTensor([4, 5], seed: 82)
        let readout = try seededTensor([5, 1], seed: 83)
        // First order of the loss = second order of the energy (double backward); second order
        // of the loss = third order of the energy.
        let result = try checkGradient({ v in try withGradient { try Self.forceLoss(v) } },
                                       at: [positions, weights, readout], eps: 1e-6, tolerance: 1e-6)
        #expect(result.firstOrderError < 1e-6 && result.secondOrderError < 1e-6)
    }

    @Test func float32EnergyMatchesFloat64() throws {
        let positions = try seededTensor([4, 3], seed: 84) * 2.0
        let weights = try seededTensor([4, 5], seed: 85)
        let readout = try seededTensor([5, 1], seed: 86)
        let reference = try Self.energy(positions: positions, weights: weights, readout: readout).scalarValue
        let single = try Self.energy(positions: positions.converted(to: .float32), weights: weights.converted(to: .float32),
                                     readout: readout.converted(to: .float32))
        #expect(single.dtype == .float32)
        #expect(abs(single.scalarValue - reference) <= 1e-6 * max(1, abs(reference)))
    }
}

/// Collects per-thread results in the thread test.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [[Double]?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: [Double]?) { lock.withLock { values[index] = value } }
}
