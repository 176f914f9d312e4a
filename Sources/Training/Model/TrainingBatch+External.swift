// SwiftMACE, MIT licence.
// A batch's predictions and loss gradient taken from an ExternalGradientEvaluator: the host loss runs on the
// evaluator's energies and forces as autodiff leaves, its cotangents go back to the evaluator for dL/dW.

import MACE
import Tensors

extension TrainingBatch {
    /// The evaluator's energies and forces on the whole batch, shards one after another, joined in configuration
    /// order, as tensors in `dtype`; no stress or virials.
    public func predictions(from evaluator: any ExternalGradientEvaluator, dtype: DType) throws -> Predictions {
        let parts = try shards.map { try Self.energiesAndForces(try evaluator.evaluate($0.graph), dtype: dtype) }
        guard parts.count > 1 else { return Predictions(energies: parts[0].energies, forces: parts[0].forces) }
        return Predictions(energies: concatenated(parts.map(\.energies), axis: 0),
                           forces: concatenated(parts.map(\.forces), axis: 0))
    }

    /// `loss` of the evaluator's predictions and its gradient with respect to every parameter of `model` (the
    /// evaluator holds the same parameters). Per shard: E, F from `evaluate`; the loss (whole-batch counts, as
    /// `loss(of:_:shard:)`) on E and F as leaves; c = ∂L/∂E and v = ∂L/∂F by autodiff; dL/dW from
    /// `parameterGradients(c, v)`. The shards' losses and gradients are added in shard order.
    /// - Throws: what the evaluator throws; `TrainingError.invalidData` when its gradients do not have the model's
    ///   parameter count and sizes.
    public func lossGradient(
        evaluator: any ExternalGradientEvaluator, _ loss: LossFunction, model: MACEModel
    ) throws -> TrainingStep.LossGradient {
        let parameters = model.parameterValues
        let parts = try shards.indices.map { index in
            let graph = shards[index].graph
            let evaluated = try Self.energiesAndForces(try evaluator.evaluate(graph), dtype: model.dtype)
            let energies = evaluated.energies.requiringGrad(), forces = evaluated.forces.requiringGrad()
            let (value, cotangents) = try withGradient {
                let predictions = try Predictions(energies: energies, forces: forces).zeroStressFilled(for: loss)
                let value = try loss(predictions, shards[index].labels, counts: LossCounts(labels))
                return (value.scalarValue, try grad(of: value, withRespectTo: [energies, forces], allowUnused: true))
            }
            let v = cotangents[1].toArray()
            let gradients = try evaluator.parameterGradients(
                graph, energyCotangents: cotangents[0].toArray(),
                forceCotangents: (0..<graph.numNodes).map { SIMD3(v[3 * $0], v[3 * $0 + 1], v[3 * $0 + 2]) })
            return TrainingStep.LossGradient(loss: value, gradients: try Self.tensors(gradients, like: parameters))
        }
        return TrainingStep.LossGradient.sum(parts)
    }

    /// Energies `[G]` and forces `[N, 3]` of one graph's outputs.
    static func energiesAndForces(_ outputs: [MACEOutput], dtype: DType) throws -> (energies: Tensor, forces: Tensor) {
        let atoms = outputs.reduce(0) { $0 + $1.forces.count }
        return (try Tensor(outputs.map(\.energy), shape: [outputs.count], dtype: dtype),
                try Tensor(outputs.flatMap { $0.forces.flatMap { [$0.x, $0.y, $0.z] } }, shape: [atoms, 3], dtype: dtype))
    }

    /// Flat gradients as tensors of the parameters' shapes and dtype.
    static func tensors(_ gradients: [[Double]], like parameters: [Tensor]) throws -> [Tensor?] {
        guard gradients.count == parameters.count,
              zip(gradients, parameters).allSatisfy({ $0.count == $1.elementCount })
        else {
            throw TrainingError.invalidData(
                "the external evaluator returned \(gradients.count) parameter gradients of sizes \(gradients.map(\.count)); "
                    + "the model has \(parameters.count) of sizes \(parameters.map(\.elementCount))")
        }
        return try zip(gradients, parameters).map { try Tensor($0, shape: $1.shape, dtype: $1.dtype) }
    }
}

extension Predictions {
    /// These predictions with zero stress and virials when `loss` reads them: an external evaluator makes none, and
    /// `Trainer` admits it only where those terms add nothing (`LossFunction.externalEvaluatorProblem`).
    func zeroStressFilled(for loss: LossFunction) throws -> Predictions {
        guard loss.needsStress else { return self }
        let graphs = energies.shape[0]
        var filled = self
        filled.stress = try Tensor.zeros([graphs, 3, 3], dtype: energies.dtype)
        filled.virials = try Tensor.zeros([graphs, 3, 3], dtype: energies.dtype)
        return filled
    }
}
