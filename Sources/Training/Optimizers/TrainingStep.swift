// SwiftMACE, MIT licence.
// One optimisation step as mace's `tools/train.take_step`: loss, gradients of all parameters, clip_grad_norm_,
// optimizer step, EMA update.

import Tensors

public enum TrainingStep {
    /// What one step measured, before the update.
    public struct Result: Sendable, Equatable {
        /// The loss on the parameters before the step.
        public var loss: Double
        /// ‖g‖₂ over all parameters before clipping.
        public var gradientNorm: Double
    }

    /// Computes `loss(model)` with gradients recorded, clips the gradients to `maxGradNorm` (nil: no clipping),
    /// steps `optimizer` and then `ema`, and writes the new parameters into `model`.
    /// - Returns: the loss before the step and the gradient norm before clipping.
    /// - Throws: what `loss` throws.
    @discardableResult
    public static func take<Model: TrainableModel>(
        model: inout Model, optimizer: inout Adam, ema: inout ExponentialMovingAverage?, maxGradNorm: Double?,
        loss: (Model) throws -> Tensor
    ) throws -> Result {
        try take(model: &model, optimizer: &optimizer, ema: &ema, maxGradNorm: maxGradNorm, shards: 1) { model, _ in
            try loss(model)
        }
    }

    /// `take` for a loss that is a sum over `shards` parts (`TrainingBatch`'s shards): each part's loss and
    /// gradients are computed concurrently (`concurrentShards`), then added in shard order.
    @discardableResult
    public static func take<Model: TrainableModel>(
        model: inout Model, optimizer: inout Adam, ema: inout ExponentialMovingAverage?, maxGradNorm: Double?,
        shards: Int, loss: (Model, Int) throws -> Tensor
    ) throws -> Result {
        var tracked = model
        tracked.parameters = model.parameters.map { NamedParameter(name: $0.name, value: $0.value.detached().requiringGrad()) }
        let inputs = tracked.parameters.map(\.value)
        let parts: [(value: Double, gradients: [Tensor?])] = try withGradient {
            try concurrentShards(shards) { shard in
                let value = try loss(tracked, shard)
                return (value.scalarValue, try grad(of: value, withRespectTo: inputs, allowUnused: true))
            }
        }
        let value = parts.dropFirst().reduce(parts[0].value) { $0 + $1.value }
        let gradients = withoutGradient {
            parts.dropFirst().reduce(parts[0].gradients) { sum, part in
                zip(sum, part.gradients).map { a, b in
                    switch (a, b) {
                    case let (a?, b?): a + b
                    case (nil, _): b
                    case (_, nil): a
                    }
                }
            }
        }
        var clipped = gradients
        let norm = maxGradNorm.map { GradientClipping.clipByTotalNorm(&clipped, maxNorm: $0) }
            ?? GradientClipping.totalNorm(gradients)
        var values = model.parameters.map { $0.value.detached() }
        optimizer.step(parameters: &values, gradients: clipped)
        ema?.update(parameters: values)
        for index in values.indices { model.parameters[index].value = values[index] }
        return Result(loss: value, gradientNorm: norm)
    }
}
