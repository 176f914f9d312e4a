// SwiftMACE, MIT licence.
// Sharded batches: the split by atom counts, and that shards computed concurrently give the whole batch's
// predictions, loss and gradients (energy+forces and stress losses), and the same optimiser step.

import Atoms
import MACE
import Tensors
import TestSupport
import Testing
@testable import Training

@Suite struct TrainingBatchTests {
    @Test func splitBalancesAtomsAndLeavesNoShardEmpty() {
        #expect(TrainingBatch.split(Array(repeating: 9, count: 10), into: 2) == [0..<5, 5..<10])
        #expect(TrainingBatch.split([100, 1, 1], into: 3) == [0..<1, 1..<2, 2..<3])
        #expect(TrainingBatch.split([1, 1, 100], into: 2) == [0..<2, 2..<3])
        #expect(TrainingBatch.split([5, 5, 5], into: 8) == [0..<1, 1..<2, 2..<3])
        #expect(TrainingBatch.split([5, 5, 5], into: 1) == [0..<3])
        #expect(TrainingBatch.split([3, 1, 4, 1, 5, 9, 2, 6], into: 3) == [0..<5, 5..<6, 6..<8])
    }

    /// ethanol12 (energy+forces loss) and tial8 (cells of different sizes, stress loss), 1 versus 3 shards.
    @Test(arguments: [("ethanol12", LossKind.weighted), ("tial8", LossKind.stress)])
    func shardsAddUpToTheWholeBatch(_ name: String, _ kind: LossKind) throws {
        let model = try MACEModel(contentsOf: Fixtures.url("training/\(name)_initial.safetensors"))
        let configurations = Array(try ExtXYZReader.read(contentsOf: Fixtures.url("training/\(name).xyz")).prefix(7))
        let loss = LossFunction(kind: kind, energyWeight: 1, forcesWeight: 10, stressWeight: 100)
        let whole = try TrainingBatch(configurations: configurations, model: model)
        let sharded = try TrainingBatch(configurations: configurations, model: model, shardCount: 3)
        #expect(whole.shards.count == 1)
        #expect(sharded.shards.count == 3)

        let (wholePredictions, shardedPredictions) = try withoutGradient {
            (try whole.predictions(of: model, computeStress: true, createGraph: false),
             try sharded.predictions(of: model, computeStress: true, createGraph: false))
        }
        expectClose(shardedPredictions.energies.toArray(), wholePredictions.energies.toArray(), relative: 1e-13, "energies")
        expectClose(try #require(shardedPredictions.forces).toArray(), try #require(wholePredictions.forces).toArray(),
                    relative: 1e-10, "forces")
        expectClose(try #require(shardedPredictions.stress).toArray(), try #require(wholePredictions.stress).toArray(),
                    relative: 1e-10, "stress")

        // The step: loss, gradient norm and updated weights, shards concurrent versus the whole batch.
        func step(_ batch: TrainingBatch) throws -> (TrainingStep.Result, [[Double]]) {
            var stepped = model
            var optimizer = Adam(groups: [ParameterGroup(name: "all", parameterIndices: Array(model.parameterNames.indices), lr: 0.01,
                                                         weightDecay: 0)],
                                 parameterCount: model.parameterNames.count, amsgrad: true)
            var ema: ExponentialMovingAverage? = nil
            let result = try TrainingStep.take(model: &stepped, optimizer: &optimizer, ema: &ema, maxGradNorm: 10,
                                               shards: batch.shards.count) { try batch.loss(of: $0, loss, shard: $1) }
            return (result, stepped.parameterValues.map { $0.toArray() })
        }
        let (wholeResult, wholeWeights) = try step(whole)
        let (shardedResult, shardedWeights) = try step(sharded)
        expectClose([shardedResult.loss], [wholeResult.loss], relative: 1e-12, "\(name) loss")
        expectClose([shardedResult.gradientNorm], [wholeResult.gradientNorm], relative: 1e-11, "\(name) gradient norm")
        expectClose(shardedWeights.flatMap { $0 }, wholeWeights.flatMap { $0 }, relative: 1e-9, "\(name) weights")
        // The sequential sum of the shards' losses is the same loss.
        let summed = try withoutGradient { try sharded.loss(of: model, loss).scalarValue }
        expectClose([summed], [wholeResult.loss], relative: 1e-12, "\(name) summed loss")
    }
}
