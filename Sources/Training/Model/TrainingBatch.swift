// SwiftMACE, MIT licence.
// TrainingBatch: a batch of configurations prepared once (graph with the model's cutoff, labels as tensors) and
// the loss of a MACE model on it, as mace's train loop computes it (`take_step` / `evaluate`).

import Atoms
import MACE
import Tensors

/// Configurations batched for a model: the graph the model reads and the labels the loss reads.
public struct TrainingBatch: Sendable {
    public let graph: AtomicGraph
    public let labels: LabelBatch

    /// - Throws: `ModelError` for an element the model lacks or a structure without a neighbour list;
    ///   `TrainingError.invalidData` for an empty batch.
    public init(
        configurations: [Configuration], model: MACEModel, configTypeWeights: [String: Double] = ["Default": 1]
    ) throws {
        graph = try AtomicGraph(configurations: configurations, atomicNumbers: model.config.atomicNumbers,
                                cutoff: model.config.rMax)
        labels = try LabelBatch(configurations: configurations, configTypeWeights: configTypeWeights, dtype: model.dtype)
    }

    /// The model's predictions on this batch (forces always; stress and virials when `computeStress`).
    /// - Parameter createGraph: true while training, so the loss differentiates through the forces.
    public func predictions(of model: MACEModel, computeStress: Bool, createGraph: Bool) throws -> Predictions {
        let output = try model.predict(graph, computeForces: true, computeStress: computeStress, createGraph: createGraph)
        return Predictions(energies: output.energies, forces: output.forces, stress: output.stress,
                           virials: output.virials)
    }

    /// `loss(model(batch), labels)`, differentiable with respect to the model's parameters.
    public func loss(of model: MACEModel, _ loss: LossFunction) throws -> Tensor {
        try loss(predictions(of: model, computeStress: loss.needsStress, createGraph: true), labels)
    }
}

extension LossFunction {
    /// Whether the loss reads stress or virials predictions.
    public var needsStress: Bool { kind == .stress || kind == .virials || kind == .huber }
}
