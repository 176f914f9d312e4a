// SwiftMACE, MIT licence.
// TrainingBatch: a batch of configurations prepared once (graphs with the model's cutoff, labels as tensors) and
// the loss of a MACE model on it, as mace's train loop computes it (`take_step` / `evaluate`), split into shards
// that run concurrently, one per core.

import Atoms
import MACE
import Tensors

/// Configurations batched for a model: the graphs the model reads and the labels the loss reads.
///
/// The batch is split into `shards`: consecutive configurations with about equal atom counts, each its own graph.
/// Their losses divide by the whole batch's counts, so they add up to the batch's loss, and their gradients to its
/// gradient (up to round-off in the order of the sums). Small systems train faster this way: a batch of 10 ethanol
/// molecules makes ops too small to split across cores, while two half-batches keep two cores busy.
public struct TrainingBatch: Sendable {
    /// Part of a batch: its configurations' graph and labels.
    public struct Shard: Sendable {
        public let graph: AtomicGraph
        public let labels: LabelBatch
    }

    /// The labels of the whole batch, in configuration order.
    public let labels: LabelBatch
    public let shards: [Shard]

    /// - Parameter shardCount: how many shards at most (never more than configurations); 1 keeps the batch whole.
    /// - Throws: `ModelError` for an element the model lacks or a structure without a neighbour list;
    ///   `TrainingError.invalidData` for an empty batch.
    public init(
        configurations: [Configuration], model: MACEModel, configTypeWeights: [String: Double] = ["Default": 1],
        shardCount: Int = 1
    ) throws {
        let labels = try LabelBatch(configurations: configurations, configTypeWeights: configTypeWeights,
                                    dtype: model.dtype)
        self.labels = labels
        let parts = Self.split(configurations.map(\.numAtoms), into: shardCount)
        shards = try parts.map { range in
            let part = Array(configurations[range])
            let graph = try AtomicGraph(configurations: part, atomicNumbers: model.config.atomicNumbers,
                                        cutoff: model.config.rMax)
            let shardLabels = parts.count == 1
                ? labels : try LabelBatch(configurations: part, configTypeWeights: configTypeWeights, dtype: model.dtype)
            return Shard(graph: graph, labels: shardLabels)
        }
    }

    /// Consecutive ranges of `numAtoms`' indices, at most `count` of them, none empty, each ending where the running
    /// atom total first reaches its share of the whole.
    static func split(_ numAtoms: [Int], into count: Int) -> [Range<Int>] {
        let count = max(1, min(count, numAtoms.count))
        let total = numAtoms.reduce(0, +)
        var ranges: [Range<Int>] = []
        var start = 0, running = 0
        for (index, atoms) in numAtoms.enumerated() {
            running += atoms
            let remainingItems = numAtoms.count - index - 1
            let remainingShards = count - ranges.count - 1
            let reachedShare = running * count >= total * (ranges.count + 1)
            if remainingShards > 0 && (reachedShare || remainingItems == remainingShards) {
                ranges.append(start..<(index + 1))
                start = index + 1
            }
        }
        ranges.append(start..<numAtoms.count)
        return ranges
    }

    /// The model's predictions on the whole batch (forces always; stress and virials when `computeStress`), the
    /// shards computed concurrently and joined in configuration order.
    /// - Parameter createGraph: true while training, so the loss differentiates through the forces.
    public func predictions(of model: MACEModel, computeStress: Bool, createGraph: Bool) throws -> Predictions {
        let parts = try concurrentShards(shards.count) { try prediction(of: model, shard: $0, computeStress: computeStress,
                                                                         createGraph: createGraph) }
        guard parts.count > 1 else { return parts[0] }
        func joined(_ tensors: [Tensor?]) -> Tensor? {
            let present = tensors.compactMap { $0 }
            return present.count == tensors.count ? concatenated(present, axis: 0) : nil
        }
        return Predictions(energies: concatenated(parts.map(\.energies), axis: 0), forces: joined(parts.map(\.forces)),
                           stress: joined(parts.map(\.stress)), virials: joined(parts.map(\.virials)))
    }

    /// `loss(model(shard), labels of shard)` with the whole batch's counts: the shards' losses sum to the batch's.
    /// Differentiable with respect to the model's parameters.
    public func loss(of model: MACEModel, _ loss: LossFunction, shard: Int) throws -> Tensor {
        let predictions = try prediction(of: model, shard: shard, computeStress: loss.needsStress, createGraph: true)
        return try loss(predictions, shards[shard].labels, counts: LossCounts(labels))
    }

    /// `loss(model(batch), labels)`: the shards' losses summed, one after another on the calling thread.
    public func loss(of model: MACEModel, _ loss: LossFunction) throws -> Tensor {
        var total = try self.loss(of: model, loss, shard: 0)
        for shard in shards.indices.dropFirst() { total = total + (try self.loss(of: model, loss, shard: shard)) }
        return total
    }

    private func prediction(of model: MACEModel, shard: Int, computeStress: Bool, createGraph: Bool) throws
        -> Predictions
    {
        let output = try model.predict(shards[shard].graph, computeForces: true, computeStress: computeStress,
                                       createGraph: createGraph)
        return Predictions(energies: output.energies, forces: output.forces, stress: output.stress,
                           virials: output.virials)
    }
}

extension LossFunction {
    /// Whether the loss reads stress or virials predictions.
    public var needsStress: Bool { kind == .stress || kind == .virials || kind == .huber }
}
