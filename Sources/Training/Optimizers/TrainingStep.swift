// SwiftMACE, MIT licence.
// One optimisation step as mace's `tools/train.take_step`: loss and gradients of all parameters (from autodiff on
// the host, or from an external evaluator), clip_grad_norm_, optimizer step, EMA update.

import Tensors

public enum TrainingStep {
    /// What one step measured, before the update.
    public struct Result: Sendable, Equatable {
        /// The loss on the parameters before the step.
        public var loss: Double
        /// ‖g‖₂ over all parameters before clipping.
        public var gradientNorm: Double
    }

    /// A loss and its gradient with respect to each parameter, in the model's parameter order (nil: the loss does
    /// not depend on that parameter).
    public struct LossGradient: Sendable {
        public var loss: Double
        public var gradients: [Tensor?]

        public init(loss: Double, gradients: [Tensor?]) {
            self.loss = loss
            self.gradients = gradients
        }

        /// The sum of parts of a loss (shards of a batch), added in order.
        /// - Precondition: `parts` is not empty and every part has the same parameters.
        public static func sum(_ parts: [LossGradient]) -> LossGradient {
            let loss = parts.dropFirst().reduce(parts[0].loss) { $0 + $1.loss }
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
            return LossGradient(loss: loss, gradients: gradients)
        }
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
        try take(model: &model, optimizer: &optimizer, ema: &ema, maxGradNorm: maxGradNorm) { model in
            try autodiffGradient(of: model, shards: shards, loss: loss)
        }
    }

    /// One step with the loss and gradients `gradientSource` returns for the current parameters (host autodiff,
    /// `autodiffGradient`, or an external evaluator, `TrainingBatch.lossGradient(evaluator:_:model:)`): clipping to
    /// `maxGradNorm`, the optimizer step, the EMA update, the new parameters written into `model`.
    /// - Returns: the loss before the step and the gradient norm before clipping.
    /// - Throws: what `gradientSource` throws.
    @discardableResult
    public static func take<Model: TrainableModel>(
        model: inout Model, optimizer: inout Adam, ema: inout ExponentialMovingAverage?, maxGradNorm: Double?,
        gradientSource: (Model) throws -> LossGradient
    ) throws -> Result {
        let lossGradient = try gradientSource(model)
        var clipped = lossGradient.gradients
        let norm = maxGradNorm.map { GradientClipping.clipByTotalNorm(&clipped, maxNorm: $0) }
            ?? GradientClipping.totalNorm(lossGradient.gradients)
        var values = model.parameters.map { $0.value.detached() }
        optimizer.step(parameters: &values, gradients: clipped)
        ema?.update(parameters: values)
        for index in values.indices { model.parameters[index].value = values[index] }
        return Result(loss: lossGradient.loss, gradientNorm: norm)
    }

    /// The sum of `loss(model, shard)` over `shards` and its parameter gradients by reverse-mode autodiff, the
    /// shards computed concurrently (`concurrentShards`) and added in shard order.
    public static func autodiffGradient<Model: TrainableModel>(
        of model: Model, shards: Int, loss: (Model, Int) throws -> Tensor
    ) throws -> LossGradient {
        var tracked = model
        tracked.parameters = model.parameters.map { NamedParameter(name: $0.name, value: $0.value.detached().requiringGrad()) }
        let inputs = tracked.parameters.map(\.value)
        let parts: [LossGradient] = try withGradient {
            try concurrentShards(shards) { shard in
                let value = try loss(tracked, shard)
                return LossGradient(loss: value.scalarValue,
                                    gradients: try grad(of: value, withRespectTo: inputs, allowUnused: true))
            }
        }
        return LossGradient.sum(parts)
    }
}
